import type {Host} from '../host/host.js'
import {MemguardError} from '../lib/errors.js'

/** Where every applied, refused or forced change is recorded, one JSON object per line. */
export const DEFAULT_AUDIT_LOG = '/var/log/memguard/audit.log'

/**
 * What a line describes. Lines written before `protect` and `dom0-mem` were audited have no
 * `kind`: every one of them is a mem-set line (`kind` absent reads as 'mem-set').
 */
export type AuditKind = 'mem-set' | 'protect' | 'dom0-mem'

interface AuditCommon {
  /** ISO 8601, UTC. */
  time: string
  /** The command line as typed (the same text the host lock names). */
  command: string
  /** `--reason`, where the command takes one. */
  reason?: string
  /** Why the change stopped half-way, when it was cut short (the lines above it say what was done). */
  error?: string
  /** Who: the sudo caller when there is one. */
  user: string
}

/** mem-set, and the confirm or rollback of one: a domain and a size – the shape of every line so far. */
export interface MemSetAuditEntry extends AuditCommon {
  kind?: 'mem-set'
  action: 'applied' | 'refused' | 'forced' | 'rolled-back' | 'braked' | 'not-converged' | 'confirmed' | 'failed'
  domain: {id: number; name: string}
  fromKiB: number | null
  toKiB: number
  detail?: Record<string, unknown>
}

/** A file memguard wrote or meant to write. `already`: it said so already; `conflict`: it changed since it was planned and was left alone. */
export interface AuditFile {
  path: string
  action: 'created' | 'written' | 'already' | 'conflict' | 'failed'
  /** The copy of what it said before (null for a new file, or when nothing was written). */
  backupPath: string | null
  error?: string
}

/** A value written to /proc and read back (`verified`: the read-back is the value written). */
export interface AuditValue {
  from: number | null
  to: number
  verified: boolean
  /** Only when not verified. */
  readBack?: number | null
  error?: string
}

export interface AuditCommandRun {
  argv: readonly string[]
  ok: boolean
  exitCode: number | null
  /** Only when it failed. */
  output?: string
}

/** `protect --apply` / `--persist` / `--apply --backstop`: what it set, wrote and ran, in order. */
export interface ProtectAuditEntry extends AuditCommon {
  kind: 'protect'
  action: 'applied' | 'failed'
  protect: {
    processes: Array<{pid: number; name: string; service: string; knob: 'oom_score_adj' | 'oom_adj'} & AuditValue>
    /** The backstop's sysctls (vm.panic_on_oom, kernel.panic). */
    sysctls: Array<{name: string} & AuditValue>
    files: AuditFile[]
    commands: AuditCommandRun[]
  }
}

/** `dom0-mem --apply`: the value, every file with its backup, and what the admin must run next. */
export interface Dom0MemAuditEntry extends AuditCommon {
  kind: 'dom0-mem'
  action: 'applied' | 'failed'
  dom0Mem: {
    /** What the boot files now say: `dom0_mem=1536M,max:1536M`. */
    rendered: string
    sizeKiB: number
    sizeSource: 'given' | 'recommended'
    files: AuditFile[]
    /** Printed for the admin to run (update-grub, service xend restart…); memguard does not run them. */
    followUp: string[]
  }
}

export type AuditEntry = MemSetAuditEntry | ProtectAuditEntry | Dom0MemAuditEntry

/** Who a change is audited as, and where: what every command that changes a host passes to src/ops. */
export interface ChangeContext {
  /** The command line, for the lock and the audit log (commandLine()). */
  command: string
  user: string
  auditLogPath: string
  /** Whether a PID is alive on the machine memguard runs on (stale-lock detection); tests replace it. */
  isLocalPidAlive?: (pid: number) => Promise<boolean>
}

/** A command line for the lock and the audit log, words with spaces or quotes quoted the sh way. */
export function commandLine(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`)).join(' ')
}

/** Who is making the change, for the audit log: the sudo caller when there is one. */
export async function currentUser(): Promise<string> {
  if (process.env.SUDO_USER) return process.env.SUDO_USER
  try {
    const {userInfo} = await import('node:os')
    return userInfo().username
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown'
  }
}

/** The error of a change cut short, for the audit line. */
export function auditErrorText(error: unknown): string {
  if (error instanceof MemguardError) return error.located
  return error instanceof Error ? error.message : String(error)
}

/** Where an audit entry ended up, and what went wrong on the way. */
export interface AuditRecord {
  path: string
  /** The audit log's path and/or "syslog": only where the entry was really written. */
  recordedIn: string[]
  warnings: string[]
}

/**
 * Append to the audit log (O_APPEND, so concurrent runs never lose each other's lines) and send a
 * one-line summary to syslog through `logger` when the host has it. Auditing never fails the
 * change itself; problems are returned as warnings.
 */
export async function recordAudit(host: Host, entry: AuditEntry, path = DEFAULT_AUDIT_LOG): Promise<AuditRecord> {
  const warnings: string[] = []
  const recordedIn: string[] = []
  const line = `${JSON.stringify(entry)}\n`
  try {
    await host.appendFile(path, line, {mode: 0o640})
    recordedIn.push(path)
  } catch (error) {
    warnings.push(`could not write the audit log ${path}: ${(error as Error).message}`)
  }
  const summary = `${entry.action}: ${entry.command} (${auditSubject(entry)}, by ${entry.user}${entry.reason ? `, reason: ${entry.reason}` : ''})`
  try {
    const logged = await host.run({id: 'logger', argv: ['logger', '-t', 'memguard', '-p', 'auth.notice', summary], timeoutMs: 5000})
    if (logged.exitCode === 0) recordedIn.push('syslog')
    else if (!logged.notFound) warnings.push(`logger failed: ${logged.stderr.trim()}`)
  } catch (error) {
    // A connection that dropped mid-change: the change's own error is the one to report.
    warnings.push(`could not run logger: ${auditErrorText(error)}`)
  }
  return {path, recordedIn, warnings}
}

/** recordAudit, for callers that only show the warnings. */
export async function appendAudit(host: Host, entry: AuditEntry, path = DEFAULT_AUDIT_LOG): Promise<string[]> {
  return (await recordAudit(host, entry, path)).warnings
}

/** What the syslog summary names: the domain, the protection, the dom0_mem value. */
function auditSubject(entry: AuditEntry): string {
  switch (entry.kind) {
    case 'protect': {
      const p = entry.protect
      const counts = [
        [p.processes.length + p.sysctls.length, 'value'],
        [p.files.length, 'file'],
        [p.commands.length, 'command'],
      ] as const
      const failed = [...p.processes, ...p.sysctls].filter((v) => !v.verified).length + p.files.filter((f) => f.action === 'failed' || f.action === 'conflict').length + p.commands.filter((c) => !c.ok).length
      const done = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}${n === 1 ? '' : 's'}`)
      return `protect: ${done.join(', ') || 'nothing'}${failed > 0 ? `, ${failed} failed` : ''}`
    }
    case 'dom0-mem': {
      const d = entry.dom0Mem
      const written = d.files.filter((f) => f.action === 'written' || f.action === 'created').length
      return `${d.rendered} in ${written} file${written === 1 ? '' : 's'}`
    }
    default:
      return `domain ${entry.domain.name}`
  }
}
