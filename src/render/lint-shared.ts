import type {LintResult} from '../lint/runner.js'
import type {Finding} from '../lint/types.js'

/** What every lint formatter gets. */
export interface LintReport {
  result: LintResult
  /** Files looked at but not linted (not Xen configs), for the summary. */
  skipped: number
  memguardVersion: string
  /** Warnings allowed before the run fails (--max-warnings), if set. */
  maxWarnings?: number
}

export function allFindings(result: LintResult): Finding[] {
  return result.files.flatMap((f) => f.findings)
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
