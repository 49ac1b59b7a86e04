import type {Host} from '../host/host.js'
import {formatDuration} from '../lib/duration.js'
import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'
import {formatKiB} from '../lib/size.js'
import {appendAudit, type AuditEntry} from './audit.js'
import {acquireHostLock} from './lock.js'
import {localPidAlive, restoreTarget, watch, watchSourceOf, type RestoreReport, type WatchReport, type WatchSubject} from './mem-set.js'
import {cancelRollback, readRollbackState, REVERTER_LOG_PATH, type RollbackState} from './rollback.js'

/**
 * `memguard confirm` (keep the change: stop the dead-man reverter) and `memguard rollback`
 * (undo it now: stop the reverter and restore the previous target the way it would have).
 */

export interface AuditOptions {
  command: string
  user: string
  auditLogPath: string
}

export interface ConfirmResult {
  /** null: nothing was pending. */
  state: RollbackState | null
  reverterStopped: boolean
  /** The reverter's last log lines, when nothing was pending (did it already fire?). */
  reverterLog: string[]
  auditWarnings: string[]
  exitCode: ExitCodeValue
  summary: string
}

function entry(state: RollbackState, options: AuditOptions, action: AuditEntry['action'], detail?: Record<string, unknown>): AuditEntry {
  return {time: new Date().toISOString(), action, command: options.command, domain: state.domain, fromKiB: state.newKiB, toKiB: action === 'confirmed' ? state.newKiB : state.previousKiB, ...(detail ? {detail} : {}), user: options.user}
}

async function lastReverterLines(host: Host, n = 4): Promise<string[]> {
  const text = await host.readFile(REVERTER_LOG_PATH)
  return text === null ? [] : text.trimEnd().split('\n').slice(-n)
}

export async function confirmChange(host: Host, options: AuditOptions & {isLocalPidAlive?: (pid: number) => Promise<boolean>}): Promise<ConfirmResult> {
  const lock = await acquireHostLock(host, options.command, options.isLocalPidAlive ?? localPidAlive)
  try {
    const cancelled = await cancelRollback(host)
    if (!cancelled) {
      const log = await lastReverterLines(host)
      const fired = log.some((l) => /rollback done|deadline reached/.test(l))
      return {
        state: null,
        reverterStopped: false,
        reverterLog: log,
        auditWarnings: [],
        exitCode: ExitCode.failure,
        summary: fired
          ? `nothing to confirm: no rollback is pending, and the reverter's log says it already restored the previous target (${REVERTER_LOG_PATH})`
          : 'nothing to confirm: no rollback is pending on this host',
      }
    }
    const {state, reverterStopped} = cancelled
    if (cancelled.tooLate) {
      return {
        state,
        reverterStopped,
        reverterLog: await lastReverterLines(host),
        auditWarnings: [],
        exitCode: ExitCode.failure,
        summary: `too late to confirm: the deadline ${state.deadline} has passed and the reverter is already restoring domain ${state.domain.name} (${state.domain.id}) to ${formatKiB(state.previousKiB)}; run memguard mem-set again if you want ${formatKiB(state.newKiB)}`,
      }
    }
    const auditWarnings = await appendAudit(host, entry(state, options, 'confirmed', {token: state.token}), options.auditLogPath)
    return {
      state,
      reverterStopped,
      reverterLog: [],
      auditWarnings,
      exitCode: ExitCode.ok,
      summary: `confirmed: domain ${state.domain.name} (${state.domain.id}) keeps ${formatKiB(state.newKiB)}; the rollback to ${formatKiB(state.previousKiB)} due at ${state.deadline} is cancelled${reverterStopped ? '' : ` (the reverter, pid ${state.reverterPid}, had not exited yet; it exits within a second once it sees its state file gone)`}`,
    }
  } finally {
    await lock.release().catch(() => undefined)
  }
}

export interface RollbackNowResult {
  state: RollbackState | null
  reverterStopped: boolean
  restore: RestoreReport | null
  watch: WatchReport | null
  reverterLog: string[]
  auditWarnings: string[]
  exitCode: ExitCodeValue
  summary: string
}

export async function rollbackNow(
  host: Host,
  options: AuditOptions & {toolstackTimeoutMs: number; waitTimeoutMs: number | null; pollMs?: number; isLocalPidAlive?: (pid: number) => Promise<boolean>},
): Promise<RollbackNowResult> {
  const lock = await acquireHostLock(host, options.command, options.isLocalPidAlive ?? localPidAlive)
  try {
    const pending = await readRollbackState(host)
    if (!pending) {
      const log = await lastReverterLines(host)
      return {state: null, reverterStopped: false, restore: null, watch: null, reverterLog: log, auditWarnings: [], exitCode: ExitCode.failure, summary: 'nothing to roll back: no rollback is pending on this host'}
    }
    // Stop the reverter first, so it and memguard do not both write the target.
    const cancelled = await cancelRollback(host)
    const state = cancelled?.state ?? pending
    const restore = await restoreTarget(host, {toolstack: state.toolstack, domid: state.domain.id, balloon: state.balloon, restoreKiB: state.previousKiB}, options.toolstackTimeoutMs)
    const balloonOk = restore.balloon?.ok ?? false
    const toolstackOk = restore.toolstack?.exitCode === 0
    let watched: WatchReport | null = null
    if ((balloonOk || toolstackOk) && options.waitTimeoutMs !== null && (state.balloon !== 'none' || state.toolstack !== 'none')) {
      const subject: WatchSubject = {
        watch: {source: watchSourceOf(state.balloon), toleranceKiB: 1024},
        targetKiB: state.previousKiB,
        toolstack: state.toolstack === 'none' ? 'xl' : state.toolstack,
        domain: {id: state.domain.id, name: state.domain.name, isDom0: state.domain.id === 0, state: null},
        brake: null,
      }
      watched = (await watch(host, subject, null, {pollMs: options.pollMs, waitTimeoutMs: options.waitTimeoutMs, toolstackTimeoutMs: options.toolstackTimeoutMs})).report
    }
    const auditWarnings = await appendAudit(host, entry(state, options, 'rolled-back', {token: state.token, balloonOk, toolstackOk, converged: watched?.converged ?? null}), options.auditLogPath)
    let exitCode: ExitCodeValue = ExitCode.ok
    let summary = `rolled back: domain ${state.domain.name} (${state.domain.id}) set back to ${formatKiB(state.previousKiB)}`
    if (!balloonOk && !toolstackOk) {
      exitCode = ExitCode.failure
      summary = `rollback failed: neither the balloon nor ${state.toolstack} accepted ${formatKiB(state.previousKiB)}`
    } else if (watched && !watched.converged) {
      exitCode = ExitCode.notConverged
      summary += `, but it has not got there after ${formatDuration(watched.durationMs)}: it holds ${watched.last?.currentKiB != null ? formatKiB(watched.last.currentKiB) : 'an unknown amount'}`
    } else if (watched) summary += `; it holds ${formatKiB(watched.last?.currentKiB ?? state.previousKiB)} after ${formatDuration(watched.durationMs)}`
    return {state, reverterStopped: cancelled?.reverterStopped ?? false, restore, watch: watched, reverterLog: [], auditWarnings, exitCode, summary}
  } finally {
    await lock.release().catch(() => undefined)
  }
}
