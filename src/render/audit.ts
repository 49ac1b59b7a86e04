import type {ChalkInstance} from 'chalk'
import type {AuditRecord} from '../ops/audit.js'

/** "recorded in <log> and syslog" – naming only where the entry really went – then the warnings. */
export function renderAuditRecord(audit: AuditRecord, c: ChalkInstance): string[] {
  const where = audit.recordedIn.length > 0 ? [c.dim(`  recorded in ${audit.recordedIn.join(' and ')}`)] : []
  return [...where, ...audit.warnings.map((w) => `  ${c.yellow('!')} ${w}`)]
}
