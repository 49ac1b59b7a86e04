import type {CommandResult, CommandSpec, GatherPlan, Gathered, Host} from '../host/host.js'
import {formatDuration} from '../lib/duration.js'
import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'
import {MemguardError} from '../lib/errors.js'
import {formatKiB} from '../lib/size.js'
import {MEMINFO_PATH, parseMeminfo} from '../linux/meminfo.js'
import {killsSince, oomCursor, scanOomLog, type OomCursor, type OomKill} from '../linux/oom-log.js'
import {VMSTAT_PATH, vmstatOomKills} from '../linux/vmstat.js'
import type {MemSetPreflight} from '../safety/mem-set.js'
import {BALLOON_SYSFS_PATHS, balloonTargetWrite, parseBalloonSysfs, parseProcXenBalloon, PROC_XEN_BALLOON, type BalloonState} from '../xen/balloon.js'
import {memSetArgv} from '../xen/toolstack.js'
import {explainXlError, type XlErrorExplanation} from '../xen/xl-errors.js'
import {findDomain, parseXlList} from '../xen/xl-list.js'
import {KERNEL_LOG_COMMAND} from '../state/plan.js'
import {appendAudit, commandLine, currentUser, type MemSetAuditEntry} from './audit.js'
import {acquireHostLock, localPidAlive, staleLockNote, type LockRecord} from './lock.js'
import {armRollback, cancelRollback, readRollbacks, type RollbackState} from './rollback.js'

/**
 * Applying a memory target through the real toolstack, watching the balloon converge, and the
 * emergency brake – everything through the Host port, so it works the same on this machine,
 * under `--root` with a fake toolstack, and over ssh.
 *
 * Order of events: lock → a baseline sample (OOM counters, so a kill from before the change is
 * never taken for a new one) → `xl mem-set` with a timeout → audit → dead-man reverter (when
 * `--confirm-within`) → watch until converged, stuck past the deadline, or braked → audit the
 * outcome → unlock.
 */

export type MemSetOutcome = 'converged' | 'applied' | 'not-converged' | 'braked' | 'superseded' | 'toolstack-failed' | 'toolstack-timed-out'

export interface ToolstackRun {
  argv: readonly string[]
  exitCode: number | null
  stdout: string
  stderr: string
  durationMs: number
  timedOut: boolean
  notFound: boolean
  /** Why it failed, from the real stderr (null when it succeeded). */
  explanation: XlErrorExplanation | null
}

export interface WatchSample {
  elapsedMs: number
  /** What the domain holds now. */
  currentKiB: number | null
  /** What its balloon is asked to reach now (dom0 balloon only). */
  balloonTargetKiB: number | null
  /** The observed kernel's MemAvailable, while a brake is armed. */
  memAvailableKiB: number | null
}

export interface WatchReport {
  source: MemSetPreflight['watch']['source']
  startKiB: number | null
  targetKiB: number
  samples: number
  durationMs: number
  converged: boolean
  last: WatchSample | null
  /** When the current allocation last moved (ms after the change). */
  lastMovedAtMs: number | null
  /** Problems reading the watched values (each once). */
  readProblems: string[]
  /** Lowest MemAvailable seen while the brake was armed. */
  lowestMemAvailableKiB: number | null
}

export interface BrakeReport {
  trigger: 'mem-available' | 'oom-kill'
  /** What memguard saw, in words. */
  seen: string[]
  atMs: number
  memAvailableKiB: number | null
  floorKiB: number
  kills: Array<Pick<OomKill, 'pid' | 'name' | 'rssKiB'> & {time: string | null}>
  restore: RestoreReport
}

export interface RestoreReport {
  restoreKiB: number
  balloon: {path: string; text: string; ok: boolean; error: string | null} | null
  toolstack: ToolstackRun | null
}

export interface MemSetResult {
  outcome: MemSetOutcome
  exitCode: ExitCodeValue
  toolstack: ToolstackRun
  watch: WatchReport | null
  brake: BrakeReport | null
  rollback: {armed: RollbackState | null; cancelled: boolean; error: string | null}
  lockBrokeStale: LockRecord | null
  audit: {path: string; warnings: string[]}
  /** Things worth saying that are not errors. */
  notes: string[]
  /** The final line: what happened and how long it took. */
  summary: string
}

export interface ExecuteOptions {
  /** The command line, for the lock and the audit log. */
  command: string
  user: string
  auditLogPath: string
  toolstackTimeoutMs: number
  /** null: `--no-wait`. */
  waitTimeoutMs: number | null
  /** `--confirm-within`: arm the dead-man reverter. */
  confirmWithinMs: number | null
  /** Where the brake reads memory when it observes a guest (`--guest`). */
  guestHost?: Host | null
  pollMs?: number
  onProgress?: (sample: WatchSample, subject: WatchSubject) => void
  /** Whether a PID is alive on the machine memguard runs on (stale-lock detection). */
  isLocalPidAlive?: (pid: number) => Promise<boolean>
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

/** What the watch needs to know: a mem-set preflight, or a rollback's restore. */
export type WatchSubject = Pick<MemSetPreflight, 'watch' | 'targetKiB' | 'toolstack' | 'domain' | 'brake'>

/** The kernel log the brake watches for new OOM kills: the same command `status` reads. */
export const KERNEL_LOG: CommandSpec = KERNEL_LOG_COMMAND

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

// Shared with protect and dom0-mem (they lock and audit the same way); kept importable from here.
export {commandLine, currentUser, localPidAlive}

export {memSetArgv}

export async function runToolstack(host: Host, argv: readonly [string, ...string[]], timeoutMs: number): Promise<ToolstackRun> {
  const r: CommandResult = await host.run({id: `${argv[0]}-${argv[1] ?? 'run'}`, argv, timeoutMs})
  const failed = r.exitCode !== 0 || r.timedOut || r.notFound
  return {
    argv: r.argv,
    exitCode: r.exitCode,
    stdout: r.stdout,
    stderr: r.stderr,
    durationMs: r.durationMs,
    timedOut: r.timedOut,
    notFound: r.notFound,
    explanation: failed && !r.timedOut ? explainXlError({stderr: r.stderr, exitCode: r.exitCode, stdout: r.stdout}) : null,
  }
}

/** Raise (or set) a domain's target at once: dom0's balloon directly, then the toolstack so xenstore agrees. */
export async function restoreTarget(
  host: Host,
  target: {toolstack: 'xl' | 'xm' | 'none'; domid: number; balloon: BalloonState['source'] | 'none'; restoreKiB: number},
  timeoutMs: number,
): Promise<RestoreReport> {
  let balloon: RestoreReport['balloon'] = null
  if (target.domid === 0 && target.balloon !== 'none') {
    const write = balloonTargetWrite(target.balloon, target.restoreKiB)
    try {
      await host.writeKernelFile(write.path, write.text)
      balloon = {path: write.path, text: write.text.trim(), ok: true, error: null}
    } catch (error) {
      balloon = {path: write.path, text: write.text.trim(), ok: false, error: (error as Error).message}
    }
  }
  const toolstack = target.toolstack === 'none' ? null : await runToolstack(host, memSetArgv(target.toolstack, target.domid, target.restoreKiB), timeoutMs)
  return {restoreKiB: target.restoreKiB, balloon, toolstack}
}

export async function executeMemSet(host: Host, preflight: MemSetPreflight, options: ExecuteOptions): Promise<MemSetResult> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? defaultSleep
  const lock = await acquireHostLock(host, options.command, options.isLocalPidAlive ?? localPidAlive)
  try {
    await assertUnchangedSincePreflight(host, preflight)
    return await executeLocked(host, preflight, options, now, sleep, lock.brokeStale)
  } finally {
    await lock.release().catch(() => undefined)
  }
}

/**
 * The preflight read the host before the lock was taken; another memguard may have changed it in
 * between. Under the lock, look again at what the preflight relied on: no rollback pending, and
 * dom0's balloon target where it was. Anything else is refused (exit 3): preflight again.
 */
async function assertUnchangedSincePreflight(host: Host, preflight: MemSetPreflight): Promise<void> {
  const again = (why: string) =>
    new MemguardError(`${host.label} changed since the preflight: ${why}`, {exitCode: ExitCode.refused, hint: 'another change ran meanwhile; run the command again to preflight against the host as it is now'})
  const [found] = await readRollbacks(host)
  if (found) throw again(`a dead-man rollback is now ${found.claimed ? 'being restored' : 'pending'} (domain ${found.state.domain.name}, back to ${formatKiB(found.state.previousKiB)} at ${found.state.deadline})`)
  if (!preflight.domain.isDom0 || preflight.current.targetKiB === null) return
  const source = preflight.watch.source
  if (source === 'toolstack-list') return
  const balloon = readBalloon(await host.gather({files: balloonFiles(source), commands: []}), source, () => undefined)
  const targetKiB = balloon?.targetKiB ?? null
  if (targetKiB !== null && Math.abs(targetKiB - preflight.current.targetKiB) > 1024) {
    throw again(`dom0's balloon target is ${formatKiB(targetKiB)}, not the ${formatKiB(preflight.current.targetKiB)} the preflight saw`)
  }
}

/** Record a refused change (the command does not take the lock for that: nothing changes). */
export async function auditRefusal(host: Host, preflight: MemSetPreflight, options: Pick<ExecuteOptions, 'command' | 'user' | 'auditLogPath'>): Promise<string[]> {
  return appendAudit(host, auditEntry(preflight, options, 'refused', {refusals: preflight.refusals.map((r) => ({code: r.code, hard: r.hard, message: r.message}))}), options.auditLogPath)
}

function auditEntry(preflight: MemSetPreflight, options: Pick<ExecuteOptions, 'command' | 'user'>, action: MemSetAuditEntry['action'], detail?: Record<string, unknown>): MemSetAuditEntry {
  return {
    time: new Date().toISOString(),
    kind: 'mem-set',
    action,
    command: options.command,
    domain: {id: preflight.domain.id, name: preflight.domain.name},
    fromKiB: preflight.previousTargetKiB,
    toKiB: preflight.targetKiB,
    ...(preflight.reason ? {reason: preflight.reason} : {}),
    ...(detail ? {detail} : {}),
    user: options.user,
  }
}

export interface Observer {
  host: Host
  /** dmesg cursor from the baseline; null until the log could be read. */
  cursor: OomCursor | null
  vmstatKills: number | null
  dmesgProblem: string | null
}

async function executeLocked(host: Host, preflight: MemSetPreflight, options: ExecuteOptions, now: () => number, sleep: (ms: number) => Promise<void>, brokeStale: LockRecord | null): Promise<MemSetResult> {
  const notes: string[] = []
  const auditWarnings: string[] = []
  const audit = async (action: MemSetAuditEntry['action'], detail?: Record<string, unknown>) => {
    auditWarnings.push(...(await appendAudit(host, auditEntry(preflight, options, action, detail), options.auditLogPath)))
  }
  if (brokeStale) notes.push(staleLockNote(brokeStale))

  // Baseline for the brake, taken right before the change.
  const brake = preflight.brake
  let observer: Observer | null = null
  if (brake) {
    observer = {host: brake.observes === 'guest' && options.guestHost ? options.guestHost : host, cursor: null, vmstatKills: null, dmesgProblem: null}
    const base = await observer.host.gather({files: [VMSTAT_PATH], commands: [KERNEL_LOG]})
    observer.vmstatKills = vmstatOomKills(base.files.get(VMSTAT_PATH) ?? null)
    const log = base.commands.get(KERNEL_LOG.id)
    if (log && log.exitCode === 0) observer.cursor = oomCursor(scanOomLog(log.stdout))
    else observer.dmesgProblem = dmesgProblem(log)
    if (observer.dmesgProblem) notes.push(`${observer.dmesgProblem}${observer.vmstatKills !== null ? '; OOM kills are still seen through /proc/vmstat oom_kill' : ''}`)
  }

  // Apply.
  const toolstack = await runToolstack(host, preflight.argv, options.toolstackTimeoutMs)
  const shown = preflight.argv.join(' ')
  const result = (outcome: MemSetOutcome, exitCode: ExitCodeValue, summary: string, rest: Partial<MemSetResult> = {}): MemSetResult => ({
    outcome,
    exitCode,
    toolstack,
    watch: null,
    brake: null,
    rollback: {armed: null, cancelled: false, error: null},
    lockBrokeStale: brokeStale,
    audit: {path: options.auditLogPath, warnings: auditWarnings},
    notes,
    summary,
    ...rest,
  })
  if (toolstack.timedOut) {
    await audit('failed', {toolstack: {argv: toolstack.argv, timedOut: true, timeoutMs: options.toolstackTimeoutMs}})
    return result('toolstack-timed-out', ExitCode.failure, `${shown} did not answer within ${formatDuration(options.toolstackTimeoutMs)} and was killed; the target may or may not have been set (check with \`memguard status\`): xenstored or the hypervisor may be wedged`)
  }
  if (toolstack.exitCode !== 0) {
    await audit('failed', {toolstack: {argv: toolstack.argv, exitCode: toolstack.exitCode, stderr: toolstack.stderr, kind: toolstack.explanation?.kind}})
    const why = toolstack.notFound ? `${preflight.toolstack} is not installed or not on PATH` : toolstack.explanation?.explanation ?? 'it failed'
    return result('toolstack-failed', ExitCode.failure, `${shown} failed (exit ${toolstack.exitCode ?? 'none'}): ${why}`)
  }
  await audit(preflight.decision === 'force' ? 'forced' : 'applied', preflight.decision === 'force' ? {overridden: preflight.refusals.map((r) => ({code: r.code, message: r.message}))} : undefined)

  // The dead-man switch goes on right after the change: if this session dies while watching, it still fires.
  const rollback: MemSetResult['rollback'] = {armed: null, cancelled: false, error: null}
  if (options.confirmWithinMs !== null) {
    try {
      rollback.armed = await armRollback(host, {
        domain: {id: preflight.domain.id, name: preflight.domain.name},
        previousKiB: preflight.previousTargetKiB,
        newKiB: preflight.targetKiB,
        balloon: balloonKindOf(preflight),
        toolstack: preflight.toolstack,
        confirmWithinMs: options.confirmWithinMs,
      })
    } catch (error) {
      rollback.error = (error as Error).message
      notes.push(`the dead-man rollback could not be armed: ${rollback.error}; nothing will undo this change automatically`)
    }
    if (rollback.armed?.reverterPid) {
      const protection = await reverterProtection(host, rollback.armed, now, sleep)
      if (protection === 'unprotected') {
        notes.push(`the reverter (pid ${rollback.armed.reverterPid}) could not lower its own oom_score_adj (the kernel needs CAP_SYS_RESOURCE for a negative value): it runs, but the OOM killer may take it (${rollback.armed.logPath})`)
      } else if (protection === 'unknown') notes.push(`the reverter (pid ${rollback.armed.reverterPid}) has not reported its OOM protection yet; see ${rollback.armed.logPath}`)
    }
  }

  if (options.waitTimeoutMs === null) {
    if (preflight.action === 'shrink') notes.push('--no-wait: the balloon is not watched, so the emergency brake is off; check with `memguard status`')
    return result('applied', ExitCode.ok, `${shown} accepted (${formatDuration(toolstack.durationMs)}); not waiting for the balloon (--no-wait)`, {rollback})
  }

  const watched = await watch(host, preflight, observer, options, now, sleep)
  const watch_ = watched.report
  if (watched.brake) {
    if (rollback.armed) {
      const cancelled = await cancelRollback(host).catch(() => null)
      rollback.cancelled = cancelled !== null
    }
    await audit('braked', {trigger: watched.brake.trigger, seen: watched.brake.seen, restoredKiB: watched.brake.restore.restoreKiB})
    const restored = describeRestore(watched.brake.restore)
    return result('braked', ExitCode.notConverged, `emergency brake after ${formatDuration(watched.brake.atMs)}: ${watched.brake.seen.join('; ')}; ${restored}`, {watch: watch_, brake: watched.brake, rollback})
  }
  if (watched.superseded !== null) {
    await audit('not-converged', {superseded: true, balloonTargetKiB: watched.superseded})
    return result('superseded', ExitCode.notConverged, `the balloon target changed to ${formatKiB(watched.superseded)} while memguard was watching: another tool (or the dead-man reverter) set it; memguard stopped watching`, {watch: watch_, rollback})
  }
  if (!watch_.converged) {
    const last = watch_.last
    const stuck = last?.currentKiB ?? null
    const moved = watch_.lastMovedAtMs === null ? 'it never moved' : `it last moved ${formatDuration(watch_.durationMs - watch_.lastMovedAtMs)} before the deadline`
    await audit('not-converged', {stuckAtKiB: stuck, targetKiB: preflight.targetKiB, waitedMs: watch_.durationMs})
    const where = stuck === null
      ? `the allocation could not be read (${watch_.readProblems[0] ?? 'no answer'})`
      : `stuck at ${formatKiB(stuck)}, ${formatKiB(Math.abs(stuck - preflight.targetKiB))} ${stuck > preflight.targetKiB ? 'above' : 'below'} the target of ${formatKiB(preflight.targetKiB)}; ${moved}`
    const balloonTarget = last?.balloonTargetKiB ?? null
    const extra = balloonTarget !== null && Math.abs(balloonTarget - preflight.targetKiB) > preflight.watch.toleranceKiB
      ? `; the balloon's own target is ${formatKiB(balloonTarget)}: the driver never received the new target`
      : ''
    return result('not-converged', ExitCode.notConverged, `not converged after ${formatDuration(watch_.durationMs)} (--wait-timeout): ${where}${extra}`, {watch: watch_, rollback})
  }
  return result('converged', ExitCode.ok, `converged: ${preflight.domain.isDom0 ? 'dom0' : preflight.domain.name} holds ${formatKiB(watch_.last?.currentKiB ?? preflight.targetKiB)} (target ${formatKiB(preflight.targetKiB)}) after ${formatDuration(toolstack.durationMs + watch_.durationMs)}`, {watch: watch_, rollback})
}

/** Whether the reverter managed to protect itself (it logs `protected:` or a WARNING within ms of starting). */
async function reverterProtection(host: Host, armed: RollbackState, now: () => number, sleep: (ms: number) => Promise<void>): Promise<'protected' | 'unprotected' | 'unknown'> {
  const until = now() + 1500
  const tag = `[${armed.reverterPid}]:`
  for (;;) {
    const lines = ((await host.readFile(armed.logPath)) ?? '').split('\n').filter((l) => l.includes(tag))
    if (lines.some((l) => /protected: /.test(l))) return 'protected'
    if (lines.some((l) => /could not protect itself/.test(l))) return 'unprotected'
    if (now() >= until) return 'unknown'
    await sleep(100)
  }
}

function describeRestore(r: RestoreReport): string {
  const parts: string[] = []
  if (r.balloon) parts.push(r.balloon.ok ? `balloon target set back to ${formatKiB(r.restoreKiB)} (${r.balloon.path})` : `the balloon write failed (${r.balloon.error})`)
  if (r.toolstack) {
    parts.push(r.toolstack.exitCode === 0 ? `${r.toolstack.argv.join(' ')} ok` : `${r.toolstack.argv.join(' ')} failed (exit ${r.toolstack.exitCode ?? 'none'}${r.toolstack.timedOut ? ', timed out' : ''}): ${r.toolstack.stderr.trim().split('\n')[0] ?? ''}`)
  }
  return parts.length ? `target raised back to ${formatKiB(r.restoreKiB)}: ${parts.join(', ')}` : 'nothing could restore the target'
}

function dmesgProblem(log: CommandResult | undefined): string {
  if (!log) return 'the kernel log was not read'
  if (log.notFound) return 'dmesg is not installed: new OOM kills cannot be read from the kernel log'
  if (log.timedOut) return 'dmesg timed out: new OOM kills cannot be read from the kernel log'
  return `dmesg failed (exit ${log.exitCode ?? 'none'}: ${log.stderr.trim().split('\n')[0] || 'no message'}): new OOM kills cannot be read from the kernel log`
}

export interface WatchOutcome {
  report: WatchReport
  brake: BrakeReport | null
  /** The balloon target someone else set, when they did. */
  superseded: number | null
}

export async function watch(host: Host, preflight: WatchSubject, observer: Observer | null, options: Pick<ExecuteOptions, 'pollMs' | 'waitTimeoutMs' | 'toolstackTimeoutMs' | 'onProgress'>, now: () => number = Date.now, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<WatchOutcome> {
  const pollMs = options.pollMs ?? 500
  const timeoutMs = options.waitTimeoutMs ?? 0
  const started = now()
  const target = preflight.targetKiB
  const tolerance = preflight.watch.toleranceKiB
  const brake = preflight.brake
  const readProblems: string[] = []
  const problem = (text: string) => {
    if (!readProblems.includes(text)) readProblems.push(text)
  }
  const sameHost = observer !== null && observer.host === host

  const watchFiles = preflight.watch.source === 'toolstack-list' ? [] : balloonFiles(preflight.watch.source)
  const listSpec: CommandSpec = {id: `${preflight.toolstack}-list`, argv: [preflight.toolstack, 'list'], timeoutMs: Math.min(options.toolstackTimeoutMs, 20_000)}
  const brakeFiles = brake ? [MEMINFO_PATH, VMSTAT_PATH] : []
  const brakeCommands = brake ? [KERNEL_LOG] : []
  const plan: GatherPlan = {
    files: [...watchFiles, ...(sameHost ? brakeFiles : [])],
    commands: [...(preflight.watch.source === 'toolstack-list' ? [listSpec] : []), ...(sameHost ? brakeCommands : [])],
  }
  const observerPlan: GatherPlan | null = observer && !sameHost ? {files: brakeFiles, commands: brakeCommands} : null

  let startKiB: number | null = null
  let previousCurrent: number | null = null
  let lastMovedAtMs: number | null = null
  let sawOurTarget = false
  let samples = 0
  let last: WatchSample | null = null
  let lowest: number | null = null

  for (;;) {
    const elapsedMs = now() - started
    const gathered = await host.gather(plan)
    const observed = observerPlan && observer ? await observer.host.gather(observerPlan) : gathered
    samples++

    // Where the domain is.
    let currentKiB: number | null = null
    let balloonTargetKiB: number | null = null
    if (preflight.watch.source === 'toolstack-list') {
      const listed = gathered.commands.get(listSpec.id)
      if (listed?.exitCode === 0) {
        try {
          const domain = findDomain(parseXlList(listed.stdout, {file: `${preflight.toolstack} list`}), preflight.domain.id)
          if (domain) currentKiB = domain.memMiB * 1024
          else problem(`${preflight.domain.name} (${preflight.domain.id}) is no longer in \`${preflight.toolstack} list\``)
        } catch (error) {
          problem(`\`${preflight.toolstack} list\` could not be read: ${(error as Error).message}`)
        }
      } else problem(`\`${preflight.toolstack} list\` failed: ${listed?.stderr.trim() || `exit ${listed?.exitCode ?? 'none'}`}`)
    } else {
      const balloon = readBalloon(gathered, preflight.watch.source, problem)
      if (balloon) [currentKiB, balloonTargetKiB] = [balloon.currentKiB, balloon.targetKiB]
    }
    if (currentKiB !== null) {
      startKiB ??= currentKiB
      if (previousCurrent !== null && currentKiB !== previousCurrent) lastMovedAtMs = elapsedMs
      previousCurrent = currentKiB
    }
    if (balloonTargetKiB !== null && Math.abs(balloonTargetKiB - target) <= tolerance) sawOurTarget = true

    // The brake.
    let memAvailableKiB: number | null = null
    let fired: BrakeReport | null = null
    if (brake && observer) {
      const meminfoText = observed.files.get(MEMINFO_PATH) ?? null
      if (meminfoText !== null) {
        try {
          memAvailableKiB = parseMeminfo(meminfoText).memAvailableKiB
          lowest = lowest === null ? memAvailableKiB : Math.min(lowest, memAvailableKiB)
        } catch (error) {
          problem(`${MEMINFO_PATH} could not be read: ${(error as Error).message}`)
        }
      } else problem(`${MEMINFO_PATH} could not be read`)
      const seen: string[] = []
      let trigger: BrakeReport['trigger'] | null = null
      const kills: BrakeReport['kills'] = []
      const log = observed.commands.get(KERNEL_LOG.id)
      if (log && log.exitCode === 0) {
        const scan = scanOomLog(log.stdout)
        if (observer.cursor === null) observer.cursor = oomCursor(scan) // the log became readable only now
        else {
          const fresh = killsSince(scan, observer.cursor).kills
          for (const k of fresh) kills.push({pid: k.pid, name: k.name, rssKiB: k.rssKiB, time: k.timestamp.text})
          if (fresh.length > 0) {
            trigger = 'oom-kill'
            seen.push(`the kernel OOM-killed ${fresh.map((k) => `${k.name} (pid ${k.pid}${k.rssKiB !== null ? `, ${formatKiB(k.rssKiB)}` : ''})`).join(', ')}`)
          }
        }
      }
      const vmstat = vmstatOomKills(observed.files.get(VMSTAT_PATH) ?? null)
      if (trigger === null && vmstat !== null && observer.vmstatKills !== null && vmstat > observer.vmstatKills) {
        trigger = 'oom-kill'
        seen.push(`/proc/vmstat oom_kill went from ${observer.vmstatKills} to ${vmstat}: the kernel OOM-killed ${vmstat - observer.vmstatKills} process(es)`)
      }
      if (memAvailableKiB !== null && memAvailableKiB < brake.memAvailableFloorKiB) {
        trigger ??= 'mem-available'
        seen.push(`MemAvailable fell to ${formatKiB(memAvailableKiB)}, under the brake floor of ${formatKiB(brake.memAvailableFloorKiB)} (reserve + half the headroom)${currentKiB !== null ? ` with ${brake.observes === 'dom0' ? 'dom0' : preflight.domain.name} at ${formatKiB(currentKiB)}` : ''}`)
      }
      if (trigger !== null) {
        const restore = await restoreTarget(host, {
          toolstack: preflight.toolstack,
          domid: preflight.domain.id,
          balloon: balloonKindOf(preflight),
          restoreKiB: brake.restoreKiB,
        }, options.toolstackTimeoutMs)
        fired = {trigger, seen, atMs: elapsedMs, memAvailableKiB, floorKiB: brake.memAvailableFloorKiB, kills, restore}
      }
    }

    last = {elapsedMs, currentKiB, balloonTargetKiB, memAvailableKiB}
    options.onProgress?.(last, preflight)
    const report = (converged: boolean): WatchReport => ({
      source: preflight.watch.source,
      startKiB,
      targetKiB: target,
      samples,
      durationMs: now() - started,
      converged,
      last,
      lastMovedAtMs,
      readProblems,
      lowestMemAvailableKiB: lowest,
    })
    if (fired) return {report: report(false), brake: fired, superseded: null}
    if (sawOurTarget && balloonTargetKiB !== null && Math.abs(balloonTargetKiB - target) > tolerance) {
      return {report: report(false), brake: null, superseded: balloonTargetKiB}
    }
    const targetOk = preflight.watch.source === 'toolstack-list' || (balloonTargetKiB !== null && Math.abs(balloonTargetKiB - target) <= tolerance)
    if (currentKiB !== null && targetOk && Math.abs(currentKiB - target) <= tolerance) return {report: report(true), brake: null, superseded: null}
    if (now() - started >= timeoutMs) return {report: report(false), brake: null, superseded: null}
    await sleep(Math.min(pollMs, Math.max(0, timeoutMs - (now() - started))))
  }
}

type BalloonSource = 'balloon-sysfs' | 'balloon-proc'

function balloonFiles(source: BalloonSource): string[] {
  return source === 'balloon-sysfs' ? [BALLOON_SYSFS_PATHS.targetKb, BALLOON_SYSFS_PATHS.currentKb] : [PROC_XEN_BALLOON]
}

/** The balloon interface the reverter and the brake write for this change ('none' for a domU). */
export function balloonKindOf(preflight: {domain: {isDom0: boolean}; watch: {source: BalloonSource | 'toolstack-list'}}): 'sysfs' | 'proc' | 'none' {
  if (!preflight.domain.isDom0) return 'none'
  return preflight.watch.source === 'balloon-sysfs' ? 'sysfs' : preflight.watch.source === 'balloon-proc' ? 'proc' : 'none'
}

/** The inverse, for a rollback: what to watch after restoring through that balloon interface. */
export function watchSourceOf(balloon: 'sysfs' | 'proc' | 'none'): BalloonSource | 'toolstack-list' {
  return balloon === 'sysfs' ? 'balloon-sysfs' : balloon === 'proc' ? 'balloon-proc' : 'toolstack-list'
}

function readBalloon(g: Gathered, source: BalloonSource, problem: (text: string) => void): BalloonState | null {
  try {
    if (source === 'balloon-sysfs') {
      return parseBalloonSysfs({targetKb: g.files.get(BALLOON_SYSFS_PATHS.targetKb) ?? null, currentKb: g.files.get(BALLOON_SYSFS_PATHS.currentKb) ?? null})
    }
    const text = g.files.get(PROC_XEN_BALLOON) ?? null
    if (text === null) {
      problem(`${PROC_XEN_BALLOON} could not be read`)
      return null
    }
    return parseProcXenBalloon(text)
  } catch (error) {
    problem(`the balloon could not be read: ${(error as Error).message}`)
    return null
  }
}

/** dom0's balloon now, through the interface a rollback restores through; null for 'none' (a domU) or when unreadable. */
export async function readBalloonNow(host: Host, balloon: 'sysfs' | 'proc' | 'none'): Promise<{balloon: BalloonState | null; problems: string[]}> {
  const source = watchSourceOf(balloon)
  if (source === 'toolstack-list') return {balloon: null, problems: []}
  const problems: string[] = []
  const state = readBalloon(await host.gather({files: balloonFiles(source), commands: []}), source, (p) => problems.push(p))
  return {balloon: state, problems}
}
