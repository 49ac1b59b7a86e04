import {randomBytes} from 'node:crypto'
import * as z from 'zod/mini'
import {isProbeablePid, type Host, type ProcessProbe} from '../host/host.js'
import {formatDuration} from '../lib/duration.js'
import {formatKiB} from '../lib/size.js'
import {REVERTER_NAME, REVERTER_SCRIPT} from './reverter-script.js'
import {STATE_DIR_MODE} from './lock.js'

/** memguard's state on a host lives in /run/memguard (0700): never a world-writable place. */
export const STATE_DIR = '/run/memguard'
export const ROLLBACK_STATE_PATH = `${STATE_DIR}/rollback.json`
export const REVERTER_PATH = `${STATE_DIR}/${REVERTER_NAME}`
export const REVERTER_LOG_PATH = '/var/log/memguard/reverter.log'

export const rollbackStateSchema = z.object({
  token: z.string(),
  createdAt: z.string(),
  deadline: z.string(),
  deadlineEpoch: z.int(),
  domain: z.object({id: z.int(), name: z.string()}),
  previousKiB: z.int().check(z.positive()),
  newKiB: z.int().check(z.positive()),
  balloon: z.enum(['sysfs', 'proc', 'none']),
  toolstack: z.enum(['xl', 'xm', 'none']),
  reverterPid: z.nullable(z.int()),
  logPath: z.string(),
})
export type RollbackState = z.infer<typeof rollbackStateSchema>

export interface ArmRollbackInput {
  domain: {id: number; name: string}
  previousKiB: number
  newKiB: number
  balloon: RollbackState['balloon']
  toolstack: RollbackState['toolstack']
  confirmWithinMs: number
  now?: Date
}

/** Parse the pending-rollback state file text (from a gather or a read); null when absent. */
export function parseRollbackState(text: string | null): RollbackState | null {
  if (text === null) return null
  try {
    const parsed = rollbackStateSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/**
 * Arm the dead-man switch: write the reverter and its state, start it detached. Call it after the
 * new target was applied; the reverter restores `previousKiB` at the deadline unless confirmed.
 */
export async function armRollback(host: Host, input: ArmRollbackInput): Promise<RollbackState> {
  const now = input.now ?? new Date()
  const deadlineEpoch = Math.ceil((now.getTime() + input.confirmWithinMs) / 1000)
  const state: RollbackState = {
    token: `mg-${randomBytes(6).toString('hex')}`,
    createdAt: now.toISOString(),
    deadline: new Date(deadlineEpoch * 1000).toISOString(),
    deadlineEpoch,
    domain: input.domain,
    previousKiB: input.previousKiB,
    newKiB: input.newKiB,
    balloon: input.balloon,
    toolstack: input.toolstack,
    reverterPid: null,
    logPath: REVERTER_LOG_PATH,
  }
  await host.createExclusive(`${STATE_DIR}/.keep`, '', {dirMode: STATE_DIR_MODE}) // ensures the 0700 dir
  await host.writeFileAtomic(REVERTER_PATH, REVERTER_SCRIPT, {mode: 0o700, backup: false})
  await host.writeFileAtomic(ROLLBACK_STATE_PATH, `${JSON.stringify(state, null, 2)}\n`, {mode: 0o600, backup: false})
  const args = [ROLLBACK_STATE_PATH, String(deadlineEpoch), String(input.domain.id), String(input.previousKiB), input.balloon, input.toolstack, REVERTER_LOG_PATH, state.token]
  // `$0` is the script's host path; MEMGUARD_ROOT prefixes it for --root trees.
  let pid: number
  try {
    pid = await host.spawnDetached(['/bin/sh', '-c', 'exec /bin/sh "${MEMGUARD_ROOT:-}$0" "$@"', REVERTER_PATH, ...args])
  } catch (error) {
    // No reverter, no pending rollback: a state file left behind would block every later change.
    await host.removeFile(ROLLBACK_STATE_PATH).catch(() => undefined)
    throw error
  }
  const armed = {...state, reverterPid: pid}
  await host.writeFileAtomic(ROLLBACK_STATE_PATH, `${JSON.stringify(armed, null, 2)}\n`, {mode: 0o600, backup: false})
  return armed
}

export async function readRollbackState(host: Host): Promise<RollbackState | null> {
  return parseRollbackState(await host.readFile(ROLLBACK_STATE_PATH))
}

/** The reverter renames the state file to this once it has claimed the deadline. */
export const ROLLBACK_FIRING_PATH = `${ROLLBACK_STATE_PATH}.firing`

export interface CancelResult {
  state: RollbackState
  /** The reverter had already claimed the change (deadline passed): the old target is coming back. */
  tooLate: boolean
  reverterStopped: boolean
}

/**
 * Cancel the pending rollback (what `memguard confirm` does): removing the state file is the
 * signal the reverter polls every second. If the reverter claimed the change first (it renames
 * the file at the deadline), the cancel is too late and says so. Waits up to `waitMs` for the
 * reverter to exit.
 */
export async function cancelRollback(host: Host, waitMs = 3000): Promise<CancelResult | null> {
  const state = await readRollbackState(host)
  if (!state) {
    const firing = parseRollbackState(await host.readFile(ROLLBACK_FIRING_PATH))
    return firing ? {state: firing, tooLate: true, reverterStopped: false} : null
  }
  await host.removeFile(ROLLBACK_STATE_PATH)
  // Too late only if *this* change was claimed: a .firing left by an older, interrupted one is not.
  const tooLate = parseRollbackState(await host.readFile(ROLLBACK_FIRING_PATH))?.token === state.token
  if (tooLate) return {state, tooLate, reverterStopped: false}
  // Gone, or its pid now runs something else (reused): either way no reverter is left to wait for.
  let reverterStopped = (await checkReverter(host, state)).running !== true
  const until = Date.now() + waitMs
  while (!reverterStopped && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200))
    reverterStopped = (await checkReverter(host, state)).running !== true
  }
  return {state, tooLate, reverterStopped}
}

// ---------------------------------------------------------------- how a found rollback stands

/**
 * A rollback state file says "pending" for as long as it exists, but only its reverter ever
 * restores the previous target: if the reverter died (killed, OOM-killed, its session scope torn
 * down), the file stays and nothing will happen at the deadline. So a found state is judged by
 * whether its reverter still runs:
 *
 *   armed        rollback.json, the reverter runs, the deadline is ahead
 *   overdue      the reverter runs and the deadline has passed (or it renamed the state to
 *                rollback.json.firing): it is restoring the previous target, or about to
 *   orphaned     rollback.json and no reverter: the previous target will NOT come back by itself,
 *                not at the deadline, not ever
 *   interrupted  rollback.json.firing and no reverter: it died during the restore, which may be
 *                half done (the balloon back, the toolstack never told)
 *   unknown      the host has no live processes to ask (a snapshot)
 *
 * "The reverter runs" means its pid is alive and its /proc/<pid>/cmdline is the reverter's (the
 * script's name and this change's token in argv): a pid reused by another program is no reverter.
 */
export type RollbackCondition = 'armed' | 'overdue' | 'orphaned' | 'interrupted' | 'unknown'

export interface ReverterCheck {
  pid: number | null
  /** true: the pid runs this change's reverter; false: it does not (gone, or the pid was reused); null: cannot be told here. */
  running: boolean | null
  /** How that was decided, for the admin. */
  detail: string
}

export interface FoundRollback {
  /** ROLLBACK_STATE_PATH, or ROLLBACK_FIRING_PATH once the reverter claimed the deadline. */
  path: string
  /** The reverter renamed the state to `.firing`: it had started to restore. */
  claimed: boolean
  state: RollbackState
}

export interface RollbackFinding extends FoundRollback {
  condition: RollbackCondition
  reverter: ReverterCheck
  /** Seconds from `checkedAt` to the deadline; negative once it has passed. */
  secondsToDeadline: number
  checkedAt: string
}

/** Both files a rollback lives in on the host. */
export const ROLLBACK_FILES: readonly string[] = [ROLLBACK_STATE_PATH, ROLLBACK_FIRING_PATH]

/** The rollback states among gathered files: the pending one first, then one being (or left half) restored. */
export function findRollbacks(file: (path: string) => string | null): FoundRollback[] {
  const found: FoundRollback[] = []
  const pending = parseRollbackState(file(ROLLBACK_STATE_PATH))
  if (pending) found.push({path: ROLLBACK_STATE_PATH, claimed: false, state: pending})
  const firing = parseRollbackState(file(ROLLBACK_FIRING_PATH))
  if (firing) {
    // Both files with the same change: the reverter renamed one to the other between the two reads.
    if (pending?.token === firing.token) found.pop()
    found.push({path: ROLLBACK_FIRING_PATH, claimed: true, state: firing})
  }
  return found
}

/** Read both rollback files (one round trip). */
export async function readRollbacks(host: Host): Promise<FoundRollback[]> {
  const gathered = await host.gather({files: ROLLBACK_FILES, commands: []})
  return findRollbacks((path) => gathered.files.get(path) ?? null)
}

/**
 * Whether argv is the reverter of the change `token`, as armRollback starts it:
 * `/bin/sh [-c 'exec …'] [<root>]/run/memguard/memguard-reverter STATE DEADLINE … TOKEN`.
 */
export function isReverterArgv(argv: readonly string[], token: string): boolean {
  return argv.includes(token) && argv.some((arg) => arg === REVERTER_NAME || arg.endsWith(`/${REVERTER_NAME}`))
}

function shownArgv(argv: readonly string[]): string {
  // eslint-disable-next-line no-control-regex
  const text = argv.join(' ').replace(/[\u0000-\u001f\u007f]/g, '?')
  return `\`${text.length > 80 ? `${text.slice(0, 79)}…` : text}\``
}

/** Does the reverter of this state still run? Asks the host's live processes (never a --root tree's /proc). */
export async function checkReverter(host: Host, state: RollbackState): Promise<ReverterCheck> {
  const pid = state.reverterPid
  // armRollback writes the state, starts the reverter, then records its pid (the reverter exits if it
  // finds no state): a state without a pid means memguard stopped in between, so a reverter may well
  // be running and fire at the deadline. Unknown, not orphaned: nothing says it is gone.
  if (pid === null) return {pid, running: null, detail: 'the state records no reverter pid: memguard stopped while arming, so a reverter may or may not be running'}
  if (!isProbeablePid(pid)) return {pid, running: false, detail: `the state records an impossible reverter pid ${pid}`}
  let probe: ProcessProbe
  try {
    probe = await host.probeProcess(pid)
  } catch (error) {
    return {pid, running: null, detail: `whether reverter pid ${pid} still runs could not be checked: ${(error as Error).message}`}
  }
  if (probe.status === 'unknown') return {pid, running: null, detail: `whether reverter pid ${pid} still runs cannot be told: ${probe.reason}`}
  if (probe.status === 'gone') return {pid, running: false, detail: `reverter pid ${pid} is not running`}
  // hidepid=1/2 for a non-root user, or a busybox od without -t: alive, but whose it is cannot be told.
  if (probe.argv === null) return {pid, running: null, detail: `pid ${pid} is alive but its /proc/${pid}/cmdline cannot be read (hidepid, or not root?), so whether it is the reverter cannot be told`}
  if (probe.argv.length === 0) return {pid, running: false, detail: `pid ${pid} has exited: its /proc/${pid}/cmdline is empty (a zombie not yet reaped, or a kernel thread that took the pid)`}
  if (isReverterArgv(probe.argv, state.token)) return {pid, running: true, detail: `reverter pid ${pid} is running (its /proc/${pid}/cmdline names ${REVERTER_NAME} and change ${state.token})`}
  return {pid, running: false, detail: `pid ${pid} now runs ${shownArgv(probe.argv)}, not the reverter of change ${state.token}: the reverter is gone and its pid was reused`}
}

/** The judgement, from a found state and what is known of its reverter. Pure. */
export function classifyRollback(found: FoundRollback, reverter: ReverterCheck, nowMs: number): RollbackFinding {
  const secondsToDeadline = found.state.deadlineEpoch - Math.floor(nowMs / 1000)
  let condition: RollbackCondition
  if (reverter.running === null) condition = 'unknown'
  else if (!reverter.running) condition = found.claimed ? 'interrupted' : 'orphaned'
  else condition = found.claimed || secondsToDeadline <= 0 ? 'overdue' : 'armed'
  return {...found, condition, reverter, secondsToDeadline, checkedAt: new Date(nowMs).toISOString()}
}

/** Found states whose reverter has not been asked about yet (what a gather alone can say). */
export function uncheckedRollbacks(found: readonly FoundRollback[], nowMs: number): RollbackFinding[] {
  return found.map((f) => classifyRollback(f, {pid: f.state.reverterPid, running: null, detail: `reverter pid ${f.state.reverterPid ?? 'unknown'} was not checked`}, nowMs))
}

/**
 * Ask the host about the reverter of each found state (one probe each; nothing when none was found).
 * The states were read before the probe: a reverter that finished its restore (it removes the state,
 * then exits), or exited on a confirm, in between must not read as orphaned or interrupted. So a
 * state whose reverter is not running is read again (one more read, only then): gone or replaced,
 * it is dropped; given a reverter pid meanwhile (armRollback writes it just after the start), that
 * reverter is asked.
 */
export async function checkRollbacks(host: Host, found: readonly FoundRollback[], nowMs = Date.now()): Promise<RollbackFinding[]> {
  const findings: RollbackFinding[] = []
  for (const f of found) {
    let state = f.state
    let reverter = await checkReverter(host, state)
    // Unreadable now (a dropped connection): judged on the first read, as before.
    const again = reverter.running === false || state.reverterPid === null ? await host.readFile(f.path).catch(() => undefined) : undefined
    if (again !== undefined) {
      const now = parseRollbackState(again)
      if (now?.token !== state.token) continue
      if (now.reverterPid !== state.reverterPid) {
        state = now
        reverter = await checkReverter(host, state)
      }
    }
    findings.push(classifyRollback({path: f.path, claimed: f.claimed, state}, reverter, nowMs))
  }
  return findings
}

export interface RollbackDescription {
  /** Stable warning id: rollback-pending (armed, overdue, unknown), rollback-orphaned, rollback-interrupted. */
  id: 'rollback-pending' | 'rollback-orphaned' | 'rollback-interrupted'
  /** orphaned and interrupted are critical: the safety net is gone and only a person can act (docs/commands/mem-set.md). */
  severity: 'critical' | 'warning'
  /** Short, for the Nagios line. */
  summary: string
  /** The numbers: domain, previous and new target, deadline, reverter pid, and why. */
  message: string
  /** What to do. */
  advice: string
}

function relative(seconds: number): string {
  if (seconds === 0) return 'now'
  return seconds > 0 ? `in ${formatDuration(seconds * 1000)}` : `${formatDuration(-seconds * 1000)} ago`
}

/** What status, doctor and mem-set say about a finding. Pure. */
export function describeRollback(f: RollbackFinding): RollbackDescription {
  const {state, reverter} = f
  const domain = `domain ${state.domain.name} (${state.domain.id})`
  const change = `${domain} from ${formatKiB(state.newKiB)} back to ${formatKiB(state.previousKiB)}`
  const deadline = `${state.deadline} (${relative(f.secondsToDeadline)})`
  const pid = `reverter pid ${reverter.pid ?? 'unknown'}`
  const keep = `memguard confirm keeps ${formatKiB(state.newKiB)} and clears the state`
  const restore = `memguard rollback restores ${formatKiB(state.previousKiB)} now`
  switch (f.condition) {
    case 'armed':
      return {
        id: 'rollback-pending',
        severity: 'warning',
        summary: 'rollback armed',
        message: `a dead-man rollback is armed: ${change} at ${deadline} unless confirmed; ${pid} is running`,
        advice: `${keep}; ${restore}`,
      }
    case 'overdue':
      return {
        id: 'rollback-pending',
        severity: 'warning',
        summary: f.claimed ? 'rollback restoring' : 'rollback overdue',
        message: f.claimed
          ? `a dead-man rollback is restoring: ${pid} claimed it at the deadline ${deadline} and is setting ${change}`
          : `a dead-man rollback is overdue: its deadline ${deadline} has passed and ${pid} is still running – it is about to restore ${change}`,
        advice: `wait a moment: the reverter logs every step to ${state.logPath} and clears the state when done; ${restore} without waiting`,
      }
    case 'orphaned':
      return {
        id: 'rollback-orphaned',
        severity: 'critical',
        summary: 'rollback orphaned',
        message: `a dead-man rollback is orphaned: ${reverter.detail}, so nothing will restore ${change} – not at its deadline ${deadline}, not ever; the state only looks pending`,
        advice: `${restore}; ${keep}`,
      }
    case 'interrupted':
      return {
        id: 'rollback-interrupted',
        severity: 'critical',
        summary: 'rollback interrupted',
        message: `a dead-man rollback was interrupted: ${pid} claimed it at the deadline ${deadline} to restore ${change}, and died before finishing: ${reverter.detail}. The restore may be half done: the balloon may be back while the toolstack still says ${formatKiB(state.newKiB)}`,
        advice: `memguard rollback finishes the restore to ${formatKiB(state.previousKiB)}; memguard confirm keeps the target the domain has now and clears the state`,
      }
    case 'unknown':
      return {
        id: 'rollback-pending',
        severity: 'warning',
        summary: 'rollback state found',
        message: `a dead-man rollback ${f.claimed ? 'being restored (rollback.json.firing)' : 'pending (rollback.json)'} was found: ${change}, deadline ${state.deadline}, ${pid} – ${reverter.detail}`,
        advice: `on the live host, memguard status tells whether it is armed, orphaned or interrupted; there ${restore}, or ${keep}`,
      }
  }
}
