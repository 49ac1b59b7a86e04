import type {ConfigKind} from '../xen/config/detect.js'
import {type Directives, parseDirectives} from './directives.js'
import {parseSource} from './parse.js'
import {ALL_RULES} from './registry.js'
import type {Finding, HostFacts, ParsedFile, Rule, Severity, SeveritySetting, SourceFile} from './types.js'

export interface LintOptions {
  /** The rule set (default: every rule). */
  rules?: readonly Rule[]
  /** Severity overrides by rule id; `off` disables a rule. Unknown ids are ignored here. */
  severities?: Readonly<Record<string, SeveritySetting>>
  facts?: HostFacts
}

export interface FileResult {
  path: string
  kind: ConfigKind
  findings: Finding[]
  errorCount: number
  warningCount: number
}

export interface LintResult {
  files: FileResult[]
  errorCount: number
  warningCount: number
  /** The rules that ran, with their effective severity. */
  rules: Array<{rule: Rule; severity: Severity}>
  /** Things to tell the user that are not findings: unknown ids in directives, rule crashes. */
  notices: string[]
  /** A rule threw: the result is incomplete (a bug in memguard). */
  internalErrors: number
}

function effectiveSeverity(rule: Rule, setting: SeveritySetting | undefined): Severity | 'off' {
  if (setting === undefined) return rule.severity
  if (setting === 'off') return 'off'
  return setting === 'warn' ? 'warning' : 'error'
}

/** Lint already-read files. Pure: no I/O. */
export function lintSources(sources: readonly SourceFile[], options: LintOptions = {}): LintResult {
  const rules = options.rules ?? ALL_RULES
  const facts = options.facts ?? {}
  const knownIds = new Set(rules.map((r) => r.id))
  const parsed = sources.map(parseSource)
  const directives = new Map<string, Directives>()
  const notices: string[] = []
  for (const file of parsed) {
    const d = parseDirectives(file.source.text, file.index, knownIds)
    directives.set(file.source.path, d)
    for (const u of d.unknownIds) notices.push(`${file.source.path}:${u.line}: memguard directive names an unknown rule "${u.id}"`)
  }
  const byPath = new Map<string, Finding[]>(sources.map((s) => [s.path, []]))
  const active: LintResult['rules'] = []
  let internalErrors = 0

  for (const rule of rules) {
    const severity = effectiveSeverity(rule, options.severities?.[rule.id])
    if (severity === 'off') continue
    active.push({rule, severity})
    const run = (defaultPath: string, fn: (ctx: Parameters<NonNullable<Rule['check']>>[1]) => void) => {
      try {
        fn({
          facts,
          report: (r) => {
            const path = r.path ?? defaultPath
            if (directives.get(path)?.isDisabled(rule.id, r.span.start.line)) return
            const list = byPath.get(path) ?? []
            byPath.set(path, list)
            list.push({ruleId: rule.id, severity, message: r.message, path, span: r.span, hint: r.hint, related: r.related})
          },
        })
      } catch (error) {
        internalErrors++
        notices.push(`internal error in rule ${rule.id} (${defaultPath || 'all files'}): ${(error as Error).message}`)
      }
    }
    if (rule.check) {
      for (const file of parsed) {
        if (rule.kinds.includes(file.kind)) run(file.source.path, (ctx) => rule.check?.(file, ctx))
      }
    }
    if (rule.checkAll) run('', (ctx) => rule.checkAll?.(parsed, ctx))
  }

  const files: FileResult[] = parsed.map((file: ParsedFile) => {
    const findings = (byPath.get(file.source.path) ?? []).sort(compareFindings)
    return {
      path: file.source.path,
      kind: file.kind,
      findings,
      errorCount: findings.filter((f) => f.severity === 'error').length,
      warningCount: findings.filter((f) => f.severity === 'warning').length,
    }
  })
  return {
    files,
    errorCount: files.reduce((n, f) => n + f.errorCount, 0),
    warningCount: files.reduce((n, f) => n + f.warningCount, 0),
    rules: active,
    notices,
    internalErrors,
  }
}

function compareFindings(a: Finding, b: Finding): number {
  return a.span.start.line - b.span.start.line || a.span.start.column - b.span.start.column || a.ruleId.localeCompare(b.ruleId)
}
