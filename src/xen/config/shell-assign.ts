import {type CmdlineArg, type ConfigProblem, LineIndex, type Span, splitCmdline} from './text.js'

/**
 * Shell variable assignments, as in `/etc/default/grub` and `/etc/default/grub.d/*.cfg` (files
 * `update-grub`/`grub-mkconfig` source with /bin/sh). Only what a linter and an editor need:
 * every `NAME=value` with its span, its value with quotes removed, whether the value depends on
 * the shell (`$VAR`, `$(…)`, backticks), and whether it sits inside `if`/`case`/a function, where
 * it may not run. Other commands (`echo`, `. file`, `exit 0`) are skipped, with their quoting
 * (`$( \ … )` across lines, nested quotes) followed so they cannot derail the parse.
 */

export interface ShellAssignment {
  name: string
  nameSpan: Span
  /** The value word as written. */
  raw: string
  valueSpan: Span
  /** The value after quote removal; `$VAR` and `$(…)` are kept as written. */
  value: string
  /** The value depends on the shell at run time (`$…` or backticks outside single quotes). */
  hasExpansion: boolean
  /**
   * When the value is one quoted string ("…" or '…') or one plain word: its inner text and span,
   * so an editor can replace a token inside it without touching the quotes.
   */
  content: {text: string; span: Span; quote: '"' | "'" | ''} | undefined
  /** Inside `if`, `case`, a loop or a function body: it may not run. */
  conditional: boolean
  exported: boolean
  line: number
  /** From the name to the end of the value. */
  span: Span
}

export interface CommentedAssignment {
  name: string
  value: string
  span: Span
  line: number
}

export interface ShellConfig {
  file: string | undefined
  assignments: ShellAssignment[]
  /** `#NAME=value` lines: settings a person could uncomment. */
  commented: CommentedAssignment[]
  problems: ConfigProblem[]
  index: LineIndex
}

const OPEN_KEYWORDS = new Set(['if', 'while', 'until', 'for', 'case', 'select'])
const CLOSE_KEYWORDS = new Set(['fi', 'done', 'esac'])
const COMMAND_SEPARATORS = new Set([';', '&', '|', '\n'])

interface Word {
  raw: string
  start: number
  end: number
  value: string
  hasExpansion: boolean
  /** Segments: for `content`. */
  segments: Array<{quote: '"' | "'" | ''; start: number; end: number}>
}

export function parseShellAssignments(text: string, options: {file?: string} = {}): ShellConfig {
  const index = new LineIndex(text)
  const assignments: ShellAssignment[] = []
  const commented: CommentedAssignment[] = []
  const problems: ConfigProblem[] = []
  let i = 0
  let depth = 0
  const n = text.length

  const fail = (message: string, at: number) => {
    problems.push({kind: 'syntax', message, span: index.span(at, Math.min(n, at + 1))})
  }

  /** Scan `$(…)` starting at the `(`; returns the index after the matching `)`. */
  const scanParen = (from: number): number => {
    let j = from + 1
    let level = 1
    while (j < n) {
      const c = text[j]
      if (c === '\\') j += 2
      else if (c === "'") {
        const k = text.indexOf("'", j + 1)
        if (k === -1) return n
        j = k + 1
      } else if (c === '"') j = scanDouble(j)
      else if (c === '`') j = scanBacktick(j)
      else if (c === '(') {
        level++
        j++
      } else if (c === ')') {
        level--
        j++
        if (level === 0) return j
      } else j++
    }
    fail('`$(` is never closed', from - 1)
    return n
  }
  const scanBacktick = (from: number): number => {
    let j = from + 1
    while (j < n && text[j] !== '`') j += text[j] === '\\' ? 2 : 1
    if (j >= n) {
      fail('backtick command substitution is never closed', from)
      return n
    }
    return j + 1
  }
  /** Scan "…" starting at the quote; returns the index after the closing quote. */
  const scanDouble = (from: number): number => {
    let j = from + 1
    while (j < n) {
      const c = text[j]
      if (c === '\\') j += 2
      else if (c === '"') return j + 1
      else if (c === '$' && text[j + 1] === '(') j = scanParen(j + 1)
      else if (c === '`') j = scanBacktick(j)
      else j++
    }
    fail('unterminated "…" string', from)
    return n
  }

  const readWord = (): Word | null => {
    const start = i
    let value = ''
    let hasExpansion = false
    const segments: Word['segments'] = []
    while (i < n) {
      const c = text[i] as string
      if (c === ' ' || c === '\t' || c === '\r' || COMMAND_SEPARATORS.has(c) || c === '(' || c === ')' || c === '<' || c === '>') break
      if (c === '\\') {
        if (text[i + 1] === '\n') {
          i += 2
          continue
        }
        value += text[i + 1] ?? ''
        i += 2
        continue
      }
      if (c === "'") {
        const k = text.indexOf("'", i + 1)
        if (k === -1) {
          fail("unterminated '…' string", i)
          value += text.slice(i + 1)
          segments.push({quote: "'", start: i + 1, end: n})
          i = n
          break
        }
        value += text.slice(i + 1, k)
        segments.push({quote: "'", start: i + 1, end: k})
        i = k + 1
        continue
      }
      if (c === '"') {
        const k = scanDouble(i)
        const inner = text.slice(i + 1, Math.max(i + 1, k - 1))
        if (/[$`]/.test(inner.replace(/\\[$`\\"]/g, ''))) hasExpansion = true
        value += inner.replace(/\\([$`"\\\n])/g, (_m, ch: string) => (ch === '\n' ? '' : ch))
        segments.push({quote: '"', start: i + 1, end: Math.max(i + 1, k - 1)})
        i = k
        continue
      }
      if (c === '$' && text[i + 1] === '(') {
        const k = scanParen(i + 1)
        value += text.slice(i, k)
        hasExpansion = true
        i = k
        continue
      }
      if (c === '`') {
        const k = scanBacktick(i)
        value += text.slice(i, k)
        hasExpansion = true
        i = k
        continue
      }
      if (c === '$') hasExpansion = true
      const segStart = i
      value += c
      i++
      const last = segments.at(-1)
      if (last && last.quote === '' && last.end === segStart) last.end = i
      else segments.push({quote: '', start: segStart, end: i})
    }
    if (i === start) return null
    return {raw: text.slice(start, i), start, end: i, value, hasExpansion, segments}
  }

  while (i < n) {
    // Start of a command: skip blanks.
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++
    if (i >= n) break
    const c = text[i] as string
    if (c === '\n' || c === ';' || c === '&' || c === '|') {
      i++
      continue
    }
    if (c === '#') {
      let j = text.indexOf('\n', i)
      if (j === -1) j = n
      const m = /^#\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(text.slice(i, j))
      if (m) commented.push({name: m[1] as string, value: (m[2] as string).trim(), span: index.span(i, j), line: index.position(i).line})
      i = j
      continue
    }
    if (c === '(' || c === ')') {
      i++
      continue
    }
    if (c === '{') {
      depth++
      i++
      continue
    }
    if (c === '}') {
      depth = Math.max(0, depth - 1)
      i++
      continue
    }
    // A simple command: leading assignments, then words until a separator.
    let sawCommandWord = false
    let exported = false
    for (;;) {
      while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || (text[i] === '\\' && text[i + 1] === '\n'))) i += text[i] === '\\' ? 2 : 1
      if (i >= n) break
      const d = text[i] as string
      if (COMMAND_SEPARATORS.has(d)) break
      if (d === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) break
      if (d === '(' || d === ')' || d === '<' || d === '>') {
        i++
        continue
      }
      const word = readWord()
      if (!word) {
        i++
        continue
      }
      if (word.raw === '{' || word.raw === '}') {
        depth = word.raw === '{' ? depth + 1 : Math.max(0, depth - 1)
        continue
      }
      const assign = sawCommandWord && !exported ? null : /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(word.raw)
      if (assign) {
        const name = assign[1] as string
        const valueStart = word.start + name.length + 1
        const valueWord = sliceWord(word, valueStart)
        const content = contentOf(valueWord)
        assignments.push({
          name,
          nameSpan: index.span(word.start, word.start + name.length),
          raw: text.slice(valueStart, word.end),
          valueSpan: index.span(valueStart, word.end),
          value: valueWord.value,
          hasExpansion: valueWord.hasExpansion,
          content: content ? {text: text.slice(content.start, content.end), span: index.span(content.start, content.end), quote: content.quote} : undefined,
          conditional: depth > 0,
          exported,
          line: index.position(word.start).line,
          span: index.span(word.start, word.end),
        })
        continue
      }
      if (!sawCommandWord) {
        if (word.raw === 'export' || word.raw === 'readonly' || word.raw === 'local') {
          exported = word.raw === 'export'
          continue
        }
        if (OPEN_KEYWORDS.has(word.raw)) depth++
        else if (CLOSE_KEYWORDS.has(word.raw)) depth = Math.max(0, depth - 1)
        // `then`, `do`, `else` start a new command on the same line.
        if (['then', 'do', 'else', 'elif', '!'].includes(word.raw)) continue
        sawCommandWord = !exported
      }
    }
  }
  return {file: options.file, assignments, commented, problems, index}
}

/** The part of a word from `from` on (the value after `NAME=`). */
function sliceWord(word: Word, from: number): Word {
  const segments = word.segments
    .filter((s) => s.end > from || (s.end === s.start && s.start >= from))
    .map((s) => (s.quote === '' && s.start < from ? {...s, start: from} : s))
  // Recompute the decoded value of the tail: drop the `NAME=` prefix from the decoded value.
  const prefixLength = from - word.start
  return {...word, start: from, raw: word.raw.slice(prefixLength), value: word.value.slice(prefixLength), segments}
}

function contentOf(word: Word): {start: number; end: number; quote: '"' | "'" | ''} | undefined {
  if (word.segments.length === 1) return word.segments[0]
  if (word.segments.length === 0) return {start: word.start, end: word.start, quote: ''}
  return undefined
}

/** The last top-level (unconditional) assignment of each name, in file order. */
export function lastAssignments(cfg: ShellConfig): Map<string, ShellAssignment> {
  const map = new Map<string, ShellAssignment>()
  for (const a of cfg.assignments) map.set(a.name, a)
  return map
}

/** Words of an assignment's value, with spans in the file when they can be known exactly. */
export function assignmentArgs(a: ShellAssignment, index: LineIndex): CmdlineArg[] {
  if (a.content && !/\\/.test(a.content.text)) return splitCmdline(a.content.text, a.content.span.start.offset, index)
  return a.value
    .split(/\s+/)
    .filter(Boolean)
    .map((text) => ({text, span: a.valueSpan}))
}
