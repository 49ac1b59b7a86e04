import type {Host} from '../host/host.js'

/** Where every applied, refused or forced change is recorded, one JSON object per line. */
export const DEFAULT_AUDIT_LOG = '/var/log/memguard/audit.log'

export interface AuditEntry {
  time: string
  action: 'applied' | 'refused' | 'forced' | 'rolled-back' | 'braked' | 'not-converged' | 'confirmed' | 'failed'
  command: string
  domain: {id: number; name: string}
  fromKiB: number | null
  toKiB: number
  reason?: string
  detail?: Record<string, unknown>
  user: string
}

/**
 * Append to the audit log (O_APPEND, so concurrent runs never lose each other's lines) and send a
 * one-line summary to syslog through `logger` when the host has it. Auditing never fails the
 * change itself; problems are returned as warnings.
 */
export async function appendAudit(host: Host, entry: AuditEntry, path = DEFAULT_AUDIT_LOG): Promise<string[]> {
  const warnings: string[] = []
  const line = `${JSON.stringify(entry)}\n`
  try {
    await host.appendFile(path, line, {mode: 0o640})
  } catch (error) {
    warnings.push(`could not write the audit log ${path}: ${(error as Error).message}`)
  }
  const summary = `${entry.action}: ${entry.command} (domain ${entry.domain.name}, by ${entry.user}${entry.reason ? `, reason: ${entry.reason}` : ''})`
  const logged = await host.run({id: 'logger', argv: ['logger', '-t', 'memguard', '-p', 'auth.notice', summary], timeoutMs: 5000})
  if (logged.exitCode !== 0 && !logged.notFound) warnings.push(`logger failed: ${logged.stderr.trim()}`)
  return warnings
}
