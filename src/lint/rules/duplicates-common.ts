/** Shared by the duplicate-domain-name, duplicate-uuid and duplicate-mac rules. */
import type {Span} from '../../xen/config/text.js'
import type {ParsedFile, ParsedOf, RuleContext} from '../types.js'

export interface Occurrence {
  file: ParsedOf<'xl-domain'>
  value: string
  span: Span
}

export function domainFiles(files: readonly ParsedFile[]): Array<ParsedOf<'xl-domain'>> {
  return files.filter((f): f is ParsedOf<'xl-domain'> => f.kind === 'xl-domain').sort((a, b) => a.source.path.localeCompare(b.source.path))
}

export function reportDuplicates(occurrences: Occurrence[], ctx: RuleContext, describe: (o: Occurrence, first: Occurrence) => {message: string; hint: string}): void {
  const first = new Map<string, Occurrence>()
  for (const o of occurrences) {
    const prev = first.get(o.value)
    if (!prev) {
      first.set(o.value, o)
      continue
    }
    const {message, hint} = describe(o, prev)
    ctx.report({path: o.file.source.path, span: o.span, message, hint, related: [{path: prev.file.source.path, span: prev.span, message: 'first used here'}]})
  }
}

export function where(o: Occurrence, first: Occurrence): string {
  return first.file === o.file ? `line ${first.span.start.line}` : `${first.file.source.path}:${first.span.start.line}`
}

