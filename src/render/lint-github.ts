import {allFindings, type LintReport, plural} from './lint-shared.js'

/** GitHub Actions workflow commands: https://docs.github.com/actions/reference/workflow-commands-for-github-actions */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

export function renderLintGithub(report: LintReport): string {
  const lines = allFindings(report.result).map((f) => {
    const props = [
      `file=${escapeProperty(f.path)}`,
      `line=${f.span.start.line}`,
      `col=${f.span.start.column}`,
      `endLine=${f.span.end.line}`,
      ...(f.span.end.line === f.span.start.line ? [`endColumn=${f.span.end.column}`] : []),
      `title=${escapeProperty(`memguard ${f.ruleId}`)}`,
    ]
    const message = f.hint ? `${f.message}\n\nhint: ${f.hint}` : f.message
    return `::${f.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(message)}`
  })
  const {errorCount, warningCount} = report.result
  lines.push(`memguard lint: ${plural(errorCount, 'error')}, ${plural(warningCount, 'warning')} in ${plural(report.result.files.length, 'file')}`)
  return `${lines.join('\n')}\n`
}
