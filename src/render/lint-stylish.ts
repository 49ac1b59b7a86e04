import {Chalk} from 'chalk'
import {type LintReport, plural} from './lint-shared.js'

/**
 * The default human format, grouped by file:
 *
 *   etc/xen/web.cfg
 *     etc/xen/web.cfg:3:10  error    maxmem (512 MiB) is below memory (1024 MiB) …  maxmem-below-memory
 *
 * Every line starts with `file:line:col` so terminals and editors can jump to it.
 */
export function renderLintStylish(report: LintReport, options: {color: boolean}): string {
  const c = new Chalk({level: options.color ? 1 : 0})
  const {result} = report
  const out: string[] = []
  for (const file of result.files) {
    if (file.findings.length === 0) continue
    out.push(c.underline(file.path))
    const rows = file.findings.map((f) => ({
      where: `${f.path}:${f.span.start.line}:${f.span.start.column}`,
      severity: f.severity,
      text: f.message,
      hint: f.hint,
      rule: f.ruleId,
    }))
    const whereWidth = Math.max(...rows.map((r) => r.where.length))
    for (const r of rows) {
      const severity = r.severity === 'error' ? c.red('error  ') : c.yellow('warning')
      out.push(`  ${c.dim(r.where.padEnd(whereWidth))}  ${severity}  ${r.text}  ${c.dim(r.rule)}`)
      if (r.hint) out.push(`  ${' '.repeat(whereWidth)}           ${c.dim(`hint: ${r.hint}`)}`)
    }
    out.push('')
  }
  const total = result.errorCount + result.warningCount
  const checked = result.files.length
  const scope = `${plural(checked, 'file')} checked${report.skipped ? `, ${report.skipped} skipped (not Xen configs)` : ''}`
  if (total === 0) {
    out.push(c.green(`✔ no problems (${scope})`))
  } else {
    const withProblems = result.files.filter((f) => f.findings.length > 0).length
    const line = `✖ ${plural(total, 'problem')} (${plural(result.errorCount, 'error')}, ${plural(result.warningCount, 'warning')}) in ${plural(withProblems, 'file')}; ${scope}`
    out.push(result.errorCount > 0 ? c.red.bold(line) : c.yellow.bold(line))
  }
  if (report.maxWarnings !== undefined && result.warningCount > report.maxWarnings) {
    out.push(c.red(`✖ ${plural(result.warningCount, 'warning')}: more than --max-warnings ${report.maxWarnings}`))
  }
  return `${out.join('\n')}\n`
}
