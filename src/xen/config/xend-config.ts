import {MemguardError} from '../../lib/errors.js'
import {parseSxp, type SxpAtom, type SxpList, type SxpNode} from '../sxp.js'
import {type ConfigProblem, LineIndex, type Span} from './text.js'

/**
 * `xend-config.sxp`: top-level `(key value…)` forms read by xend's XendOptions.py
 * (`get_config_int('dom0-min-mem', …)` and friends look at the top-level forms only).
 * Built on the shared S-expression parser (src/xen/sxp.ts); adds spans with offsets so a value can
 * be replaced in place, and never throws.
 */

export interface XendSetting {
  key: string
  keySpan: Span
  /** Everything after the key. */
  values: SxpNode[]
  /** The first value when it is an atom (the common `(key value)` case). */
  value: string | undefined
  valueSpan: Span | undefined
  /** The whole `( … )` form. */
  span: Span
}

export interface XendConfig {
  file: string | undefined
  settings: XendSetting[]
  problems: ConfigProblem[]
  /**
   * The file mentions `enable-dom0-ballooning` (even in a comment): it was written for xend 3.3 or
   * later (commit 54cdc383f1, 2008), where that key, not `dom0-min-mem 0`, turns ballooning off.
   */
  mentionsEnableDom0Ballooning: boolean
  index: LineIndex
}

export function parseXendConfig(text: string, options: {file?: string} = {}): XendConfig {
  const index = new LineIndex(text)
  const problems: ConfigProblem[] = []
  let forms: SxpNode[] = []
  try {
    forms = parseSxp(text, options.file)
  } catch (error) {
    if (!(error instanceof MemguardError)) throw error
    const loc = error.location
    const offset = index.offsetOf(loc?.line ?? 1, loc?.column ?? 1)
    problems.push({kind: 'syntax', message: `${error.message} (xend stops reading its configuration here)`, span: index.span(offset, offset + 1)})
  }
  const atomSpan = (a: SxpAtom): Span => {
    const start = index.offsetOf(a.line, a.column)
    return index.span(start, start + a.value.length + (a.quoted ? 2 : 0))
  }
  const listSpan = (l: SxpList): Span => index.span(index.offsetOf(l.line, l.column), index.offsetOf(l.endLine, l.endColumn) + 1)
  const settings: XendSetting[] = []
  for (const form of forms) {
    if (form.type !== 'list') {
      problems.push({kind: 'syntax', message: `stray ${form.quoted ? 'string' : 'atom'} \`${form.value}\` outside any (key value) form`, span: atomSpan(form)})
      continue
    }
    const head = form.items[0]
    if (!head || head.type !== 'atom') continue
    const first = form.items[1]
    settings.push({
      key: head.value,
      keySpan: atomSpan(head),
      values: form.items.slice(1),
      value: first?.type === 'atom' ? first.value : undefined,
      valueSpan: first?.type === 'atom' ? atomSpan(first) : undefined,
      span: listSpan(form),
    })
  }
  return {file: options.file, settings, problems, mentionsEnableDom0Ballooning: text.includes('enable-dom0-ballooning'), index}
}

/** The value xend would use: XendOptions.get_config_value() returns the first matching form. */
export function xendSetting(cfg: XendConfig, key: string): XendSetting | undefined {
  return cfg.settings.find((s) => s.key === key)
}
