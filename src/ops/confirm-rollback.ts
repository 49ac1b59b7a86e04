import type {Host} from '../host/host.js'
import {formatDuration} from '../lib/duration.js'
import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'
import {formatKiB} from '../lib/size.js'
import {appendAudit, type MemSetAuditEntry} from './audit.js'
import {acquireHostLock} from './lock.js'
import {localPidAlive, readBalloonNow, restoreTarget, watch, watchSourceOf, type RestoreReport, type WatchReport, type WatchSubject} from './mem-set.js'
import {cancelRollback, checkRollbacks, readRollbacks, REVERTER_LOG_PATH, ROLLBACK_FIRING_PATH, type ReverterCheck, type RollbackCondition, type RollbackFinding, type RollbackState} from './rollback.js'
import {findDomain, parseXlList} from '../xen/xl-list.js'

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
  /** How the rollback stood when it was confirmed (src/ops/rollback.ts); null: nothing was pending. */
  condition: RollbackCondition | null
  reverter: ReverterCheck | null
  /** What the domain has now, read for an interrupted rollback (its restore may be half done); null otherwise. */
  current: CurrentTarget | null
  reverterStopped: boolean
  /** The reverter's last log lines, when nothing was pending (did it already fire?). */
  reverterLog: string[]
  auditWarnings: string[]
  exitCode: ExitCodeValue
  summary: string
}

function entry(state: RollbackState, options: AuditOptions, action: MemSetAuditEntry['action'], detail?: Record<string, unknown>): MemSetAuditEntry {
  return {time: new Date().toISOString(), kind: 'mem-set', action, command: options.command, domain: state.domain, fromKiB: state.newKiB, toKiB: action === 'confirmed' ? state.newKiB : state.previousKiB, ...(detail ? {detail} : {}), user: options.user}
}

async function lastReverterLines(host: Host, n = 4): Promise<string[]> {
  const text = await host.readFile(REVERTER_LOG_PATH)
  return text === null ? [] : text.trimEnd().split('\n').slice(-n)
}

/** What a domain has now: dom0 through the balloon the rollback writes, a domU through `xl list`. */
export interface CurrentTarget {
  targetKiB: number | null
  allocationKiB: number | null
  source: string
  /** Why it could not be read. */
  problem: string | null
}

export async function readCurrentTarget(host: Host, state: RollbackState): Promise<CurrentTarget> {
  if (state.balloon !== 'none') {
    const {balloon, problems} = await readBalloonNow(host, state.balloon)
    const source = state.balloon === 'sysfs' ? 'balloon target_kb' : '/proc/xen/balloon'
    if (balloon) return {targetKiB: balloon.targetKiB, allocationKiB: balloon.currentKiB, source, problem: null}
    return {targetKiB: null, allocationKiB: null, source, problem: problems.join('; ') || 'the balloon could not be read'}
  }
  if (state.toolstack === 'none') return {targetKiB: null, allocationKiB: null, source: 'none', problem: 'the rollback recorded neither a balloon nor a toolstack'}
  const source = `${state.toolstack} list Mem`
  const listed = await host.run({id: `${state.toolstack}-list`, argv: [state.toolstack, 'list'], timeoutMs: 20_000})
  if (listed.exitCode !== 0) return {targetKiB: null, allocationKiB: null, source, problem: `${state.toolstack} list failed (exit ${listed.exitCode ?? 'none'}): ${listed.stderr.trim().split('\n')[0] ?? ''}`}
  try {
    const domain = findDomain(parseXlList(listed.stdout, {file: `${state.toolstack} list`}), state.domain.id)
    if (domain) return {targetKiB: null, allocationKiB: domain.memMiB * 1024, source, problem: null}
    return {targetKiB: null, allocationKiB: null, source, problem: `domain ${state.domain.id} is not in ${state.toolstack} list`}
  } catch (error) {
    return {targetKiB: null, allocationKiB: null, source, problem: (error as Error).message}
  }
}

function describeCurrent(state: RollbackState, current: CurrentTarget): string {
  const who = state.domain.id === 0 ? 'dom0' : `domain ${state.domain.name}`
  if (current.problem !== null) return `what ${who} has now could not be read (${current.problem}): check with memguard status`
  const parts: string[] = []
  if (current.targetKiB !== null) parts.push(`${who}'s target is now ${formatKiB(current.targetKiB)}`)
  if (current.allocationKiB !== null) parts.push(`${parts.length ? 'it' : who} holds ${formatKiB(current.allocationKiB)}`)
  return `${parts.join(' and ')} (${current.source})`
}

/** Rollback states left after the one acted on (a .firing behind a newer pending one): said, not hidden. */
function stillRecorded(rest: readonly RollbackFinding[]): string {
  return rest.map((f) => `; another rollback is still recorded (${f.path}, ${f.condition}: domain ${f.state.domain.name} back to ${formatKiB(f.state.previousKiB)}) – run this again for it`).join('')
}

/**
 * Confirm an interrupted rollback: its reverter died mid-restore, so the target may be anywhere
 * between the new and the previous one. Confirming keeps what the domain has now and clears the
 * state; the summary says what that is.
 */
async function confirmInterrupted(host: Host, f: RollbackFinding, options: AuditOptions): Promise<ConfirmResult> {
  const {state} = f
  const current = await readCurrentTarget(host, state)
  await host.removeFile(ROLLBACK_FIRING_PATH)
  const kept = current.targetKiB ?? current.allocationKiB
  const auditWarnings = await appendAudit(host, {...entry(state, options, 'confirmed', {token: state.token, condition: f.condition, current}), toKiB: kept ?? state.newKiB}, options.auditLogPath)
  const domain = `domain ${state.domain.name} (${state.domain.id})`
  return {
    state,
    condition: f.condition,
    reverter: f.reverter,
    current,
    reverterStopped: true,
    reverterLog: await lastReverterLines(host),
    auditWarnings,
    exitCode: ExitCode.ok,
    summary: `confirmed the interrupted rollback of ${domain}: its reverter died while restoring ${formatKiB(state.previousKiB)} (from ${formatKiB(state.newKiB)}; ${f.reverter.detail}), so the balloon may already be partly back – ${describeCurrent(state, current)}. That stays; the state (${ROLLBACK_FIRING_PATH}) is cleared. For ${formatKiB(state.newKiB)} or ${formatKiB(state.previousKiB)} exactly: memguard mem-set ${state.domain.id} SIZE`,
  }
}

export async function confirmChange(host: Host, options: AuditOptions & {isLocalPidAlive?: (pid: number) => Promise<boolean>}): Promise<ConfirmResult> {
  const lock = await acquireHostLock(host, options.command, options.isLocalPidAlive ?? localPidAlive)
  try {
    // How it stands decides what confirming means: an orphaned state is only cleared (nothing would
    // have restored it); an interrupted one is cleared with the target the domain has now.
    const findings = await checkRollbacks(host, await readRollbacks(host))
    const first = findings[0]
    if (first?.condition === 'interrupted') return await confirmInterrupted(host, first, options)
    const cancelled = await cancelRollback(host)
    if (!cancelled) {
      const log = await lastReverterLines(host)
      const fired = log.some((l) => /rollback done|deadline reached/.test(l))
      return {
        state: null,
        condition: null,
        reverter: null,
        current: null,
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
    const judged = first?.state.token === state.token ? first : undefined
    const how = {condition: judged?.condition ?? null, reverter: judged?.reverter ?? null, current: null}
    if (cancelled.tooLate) {
      return {
        state,
        ...how,
        reverterStopped,
        reverterLog: await lastReverterLines(host),
        auditWarnings: [],
        exitCode: ExitCode.failure,
        summary: `too late to confirm: the deadline ${state.deadline} has passed and the reverter is already restoring domain ${state.domain.name} (${state.domain.id}) to ${formatKiB(state.previousKiB)}; run memguard mem-set again if you want ${formatKiB(state.newKiB)}`,
      }
    }
    const auditWarnings = await appendAudit(host, entry(state, options, 'confirmed', {token: state.token, condition: how.condition}), options.auditLogPath)
    const cancelledText = judged?.condition === 'orphaned'
      ? `the orphaned rollback to ${formatKiB(state.previousKiB)} (due at ${state.deadline}) is cleared – ${judged.reverter.detail}: it would never have run`
      : `the rollback to ${formatKiB(state.previousKiB)} due at ${state.deadline} is cancelled${reverterStopped ? '' : ` (the reverter, pid ${state.reverterPid}, had not exited yet; it exits within a second once it sees its state file gone)`}`
    return {
      state,
      ...how,
      reverterStopped,
      reverterLog: [],
      auditWarnings,
      exitCode: ExitCode.ok,
      summary: `confirmed: domain ${state.domain.name} (${state.domain.id}) keeps ${formatKiB(state.newKiB)}; ${cancelledText}${stillRecorded(findings.slice(1))}`,
    }
  } finally {
    await lock.release().catch(() => undefined)
  }
}

export interface RollbackNowResult {
  state: RollbackState | null
  /** How the rollback stood before this (src/ops/rollback.ts); null: nothing was pending. */
  condition: RollbackCondition | null
  reverter: ReverterCheck | null
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
    const findings = await checkRollbacks(host, await readRollbacks(host))
    const first = findings[0]
    if (!first) {
      const log = await lastReverterLines(host)
      return {state: null, condition: null, reverter: null, reverterStopped: false, restore: null, watch: null, reverterLog: log, auditWarnings: [], exitCode: ExitCode.failure, summary: 'nothing to roll back: no rollback is pending on this host'}
    }
    // A pending one: stop its reverter first (if it still runs), so it and memguard do not both
    // write the target. A claimed one: its reverter is restoring the same target (memguard's
    // restore only makes sure), or it died half-way (interrupted) and memguard finishes it.
    const cancelled = first.claimed ? null : await cancelRollback(host)
    const state = cancelled?.state ?? first.state
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
    // An interrupted rollback is finished now: its state goes (a running reverter clears its own).
    if (first.claimed && first.reverter.running === false && (balloonOk || toolstackOk)) await host.removeFile(ROLLBACK_FIRING_PATH)
    const auditWarnings = await appendAudit(host, entry(state, options, 'rolled-back', {token: state.token, condition: first.condition, balloonOk, toolstackOk, converged: watched?.converged ?? null}), options.auditLogPath)
    let exitCode: ExitCodeValue = ExitCode.ok
    const lead = first.condition === 'interrupted'
      ? `finished the interrupted rollback (its reverter died half-way: ${first.reverter.detail})`
      : first.condition === 'orphaned' ? `rolled back the orphaned rollback (${first.reverter.detail})` : 'rolled back'
    let summary = `${lead}: domain ${state.domain.name} (${state.domain.id}) set back to ${formatKiB(state.previousKiB)}`
    if (!balloonOk && !toolstackOk) {
      exitCode = ExitCode.failure
      summary = `rollback failed: neither the balloon nor ${state.toolstack} accepted ${formatKiB(state.previousKiB)}`
    } else if (watched && !watched.converged) {
      exitCode = ExitCode.notConverged
      summary += `, but it has not got there after ${formatDuration(watched.durationMs)}: it holds ${watched.last?.currentKiB != null ? formatKiB(watched.last.currentKiB) : 'an unknown amount'}`
    } else if (watched) summary += `; it holds ${formatKiB(watched.last?.currentKiB ?? state.previousKiB)} after ${formatDuration(watched.durationMs)}`
    summary += stillRecorded(findings.slice(1))
    const reverterStopped = cancelled?.reverterStopped ?? first.reverter.running === false
    return {state, condition: first.condition, reverter: first.reverter, reverterStopped, restore, watch: watched, reverterLog: [], auditWarnings, exitCode, summary}
  } finally {
    await lock.release().catch(() => undefined)
  }
}
