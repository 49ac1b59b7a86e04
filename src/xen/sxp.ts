import {ParseError, quoteValue} from '../lib/errors.js'

/**
 * S-expressions as xend writes and reads them (`xend-config.sxp`, `xm list --long`):
 * `(key value…)` lists of bare atoms and '…' or "…" strings, `#` comments to the end of the line
 * (only where a token could start, so `a#b` is one atom). Every node keeps its line and column so
 * linters can point at it.
 */

export interface SxpAtom {
  type: 'atom'
  value: string
  /** True for '…' and "…" strings: `''` is an empty value, not a missing one. */
  quoted: boolean
  line: number
  column: number
}

export interface SxpList {
  type: 'list'
  items: SxpNode[]
  line: number
  column: number
  endLine: number
  endColumn: number
}

export type SxpNode = SxpAtom | SxpList

const DELIMITERS = new Set(['(', ')', ' ', '\t', '\n', '\r', '\f', '\v'])

/** Parse a whole document into its top-level forms. Throws a located ParseError. */
export function parseSxp(text: string, file?: string): SxpNode[] {
  let pos = 0
  let line = 1
  let column = 1
  const top: SxpNode[] = []
  const stack: SxpList[] = []

  const advance = (): string => {
    const ch = text[pos++] as string
    if (ch === '\n') {
      line++
      column = 1
    } else column++
    return ch
  }
  const push = (node: SxpNode) => {
    const parent = stack.at(-1)
    if (parent) parent.items.push(node)
    else top.push(node)
  }

  while (pos < text.length) {
    const ch = text[pos] as string
    if (ch === '#') {
      while (pos < text.length && text[pos] !== '\n') advance()
      continue
    }
    if (DELIMITERS.has(ch) && ch !== '(' && ch !== ')') {
      advance()
      continue
    }
    if (ch === '(') {
      stack.push({type: 'list', items: [], line, column, endLine: line, endColumn: column})
      advance()
      continue
    }
    if (ch === ')') {
      const list = stack.pop()
      if (!list) throw new ParseError('unbalanced ")": no list is open here', {file, line, column})
      list.endLine = line
      list.endColumn = column
      advance()
      push(list)
      continue
    }
    const startLine = line
    const startColumn = column
    if (ch === "'" || ch === '"') {
      const quote = advance()
      let value = ''
      for (;;) {
        if (pos >= text.length) throw new ParseError(`unterminated ${quote}…${quote} string`, {file, line: startLine, column: startColumn})
        const c = advance()
        if (c === '\\' && pos < text.length) {
          value += c + advance()
          continue
        }
        if (c === quote) break
        value += c
      }
      push({type: 'atom', value, quoted: true, line: startLine, column: startColumn})
      continue
    }
    let value = ''
    while (pos < text.length && !DELIMITERS.has(text[pos] as string)) value += advance()
    push({type: 'atom', value, quoted: false, line: startLine, column: startColumn})
  }
  const open = stack.at(-1)
  if (open) throw new ParseError('unbalanced "(": this list is never closed', {file, line: open.line, column: open.column})
  return top
}

/** The head atom of a list, `(name …)` → `name`. */
export function sxpHead(node: SxpNode): string | undefined {
  if (node.type !== 'list') return undefined
  const first = node.items[0]
  return first?.type === 'atom' ? first.value : undefined
}

/** Child lists of `node` whose head is `key`. */
export function sxpChildren(node: SxpList, key: string): SxpList[] {
  return node.items.filter((item): item is SxpList => item.type === 'list' && sxpHead(item) === key)
}

/** The single atom value of `(key value)` inside `node`, or undefined. */
export function sxpValue(node: SxpList, key: string): string | undefined {
  const child = sxpChildren(node, key)[0]
  const value = child?.items[1]
  return value?.type === 'atom' ? value.value : undefined
}

/** Render a node back to text (for messages). */
export function sxpToString(node: SxpNode): string {
  if (node.type === 'atom') return node.quoted ? `'${node.value}'` : node.value
  return `(${node.items.map(sxpToString).join(' ')})`
}

export function describeAtom(node: SxpNode): string {
  return node.type === 'atom' ? quoteValue(node.value) : 'a list'
}
