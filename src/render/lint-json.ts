import {ruleDocsPath} from '../lint/types.js'
import type {LintReport} from './lint-shared.js'

/** Version of the JSON shape below; bump on incompatible change. */
export const LINT_JSON_SCHEMA_VERSION = 1

/**
 * `memguard lint --format json` (and `--json`): one object, stable field names.
 * Lines and columns are 1-based; `endColumn` is exclusive.
 */
export function lintJson(report: LintReport) {
  const {result} = report
  return {
    schemaVersion: LINT_JSON_SCHEMA_VERSION,
    tool: {name: 'memguard', version: report.memguardVersion},
    summary: {
      filesChecked: result.files.length,
      filesSkipped: report.skipped,
      filesWithProblems: result.files.filter((f) => f.findings.length > 0).length,
      errors: result.errorCount,
      warnings: result.warningCount,
      maxWarnings: report.maxWarnings ?? null,
    },
    rules: result.rules.map(({rule, severity}) => ({id: rule.id, severity, description: rule.description, docs: ruleDocsPath(rule.id)})),
    files: result.files.map((f) => ({
      path: f.path,
      kind: f.kind,
      errors: f.errorCount,
      warnings: f.warningCount,
      findings: f.findings.map((x) => ({
        ruleId: x.ruleId,
        severity: x.severity,
        message: x.message,
        hint: x.hint ?? null,
        line: x.span.start.line,
        column: x.span.start.column,
        endLine: x.span.end.line,
        endColumn: x.span.end.column,
        related: (x.related ?? []).map((r) => ({path: r.path, line: r.span.start.line, column: r.span.start.column, message: r.message})),
      })),
    })),
    notices: result.notices,
  }
}

export function renderLintJson(report: LintReport): string {
  return `${JSON.stringify(lintJson(report), null, 2)}\n`
}
