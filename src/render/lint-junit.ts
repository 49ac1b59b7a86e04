import {plural, type LintReport} from './lint-shared.js'

function xml(s: string): string {
  // XML 1.0 has no escape for most control characters: drop them.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

/**
 * JUnit XML as CI systems read it (Jenkins, GitLab, Azure): one <testsuite> per file, one
 * <testcase> per finding (a clean file is one passing testcase). JUnit has no warning level, so
 * warnings are <failure type="warning"> too: dashboards show them, and the exit code (not the
 * XML) decides whether the job fails.
 */
export function renderLintJunit(report: LintReport): string {
  const {result} = report
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>']
  const total = result.files.reduce((n, f) => n + Math.max(1, f.findings.length), 0)
  out.push(`<testsuites name="memguard lint" tests="${total}" failures="${result.errorCount + result.warningCount}" errors="0">`)
  for (const file of result.files) {
    const tests = Math.max(1, file.findings.length)
    out.push(`  <testsuite name="${xml(file.path)}" tests="${tests}" failures="${file.findings.length}" errors="0" skipped="0">`)
    if (file.findings.length === 0) {
      out.push(`    <testcase classname="${xml(file.path)}" name="${xml(`${file.kind}: no problems`)}"/>`)
    }
    for (const f of file.findings) {
      const where = `${f.path}:${f.span.start.line}:${f.span.start.column}`
      out.push(`    <testcase classname="${xml(file.path)}" name="${xml(`${f.ruleId} ${where}`)}">`)
      const body = `${where} ${f.severity} ${f.message}${f.hint ? `\nhint: ${f.hint}` : ''}`
      out.push(`      <failure type="${f.severity}" message="${xml(f.message)}">${xml(body)}</failure>`)
      out.push('    </testcase>')
    }
    out.push('  </testsuite>')
  }
  out.push('</testsuites>')
  out.push(`<!-- ${xml(`${plural(result.errorCount, 'error')}, ${plural(result.warningCount, 'warning')}`).replace(/--/g, '-')} -->`)
  return `${out.join('\n')}\n`
}
