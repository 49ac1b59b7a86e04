import type {LineIndex} from '../xen/config/text.js'

/**
 * Inline directives in comments (any comment style memguard reads starts with `#`):
 *
 *   # memguard-disable-next-line [rule-id, …]   the next line
 *   … # memguard-disable-line [rule-id, …]      this line
 *   # memguard-disable [rule-id, …]             from here to the end of the file (or an enable)
 *   # memguard-enable [rule-id, …]              ends a disable
 *
 * No ids means every rule. Ids are separated by commas or spaces; text after ` -- ` is a reason.
 */

const DIRECTIVE_RE = /#\s*memguard-(disable-next-line|disable-line|disable|enable)\b([^\n]*)/

export interface Directives {
  isDisabled(ruleId: string, line: number): boolean
  /** Directives that name a rule memguard does not have (reported as unknown). */
  unknownIds: Array<{id: string; line: number}>
}

interface Range {
  ids: Set<string> | null
  from: number
  to: number
}

export function parseDirectives(text: string, index: LineIndex, knownIds: ReadonlySet<string>): Directives {
  const ranges: Range[] = []
  const unknownIds: Directives['unknownIds'] = []
  if (!text.includes('memguard-')) return {isDisabled: () => false, unknownIds}
  const open = new Map<string, number>() // id ('*' for all) → start line
  for (let line = 1; line <= index.lineCount; line++) {
    const lineText = index.lineText(line)
    if (!lineText.includes('memguard-')) continue
    const m = DIRECTIVE_RE.exec(lineText)
    if (!m) continue
    const kind = m[1] as string
    const idsText = (m[2] as string).split(' -- ')[0] as string
    const list = idsText.split(/[\s,]+/).filter(Boolean)
    for (const id of list) if (!knownIds.has(id)) unknownIds.push({id, line})
    const ids = list.length ? new Set(list) : null
    if (kind === 'disable-next-line') ranges.push({ids, from: line + 1, to: line + 1})
    else if (kind === 'disable-line') ranges.push({ids, from: line, to: line})
    else if (kind === 'disable') for (const id of list.length ? list : ['*']) open.set(id, open.get(id) ?? line)
    else {
      for (const id of list.length ? list : [...open.keys()]) {
        const from = open.get(id)
        if (from === undefined) continue
        ranges.push({ids: id === '*' ? null : new Set([id]), from, to: line})
        open.delete(id)
      }
    }
  }
  for (const [id, from] of open) ranges.push({ids: id === '*' ? null : new Set([id]), from, to: Number.POSITIVE_INFINITY})
  return {
    isDisabled: (ruleId, line) => ranges.some((r) => line >= r.from && line <= r.to && (r.ids === null || r.ids.has(ruleId))),
    unknownIds,
  }
}
