import {randomBytes} from 'node:crypto'
import {z} from 'zod'
import type {Host} from '../host/host.js'
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
  deadlineEpoch: z.number().int(),
  domain: z.object({id: z.number().int(), name: z.string()}),
  previousKiB: z.number().int().positive(),
  newKiB: z.number().int().positive(),
  balloon: z.enum(['sysfs', 'proc', 'none']),
  toolstack: z.enum(['xl', 'xm', 'none']),
  reverterPid: z.number().int().nullable(),
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
  const tooLate = (await host.readFile(ROLLBACK_FIRING_PATH)) !== null
  if (tooLate) return {state, tooLate, reverterStopped: false}
  let reverterStopped = state.reverterPid === null
  const until = Date.now() + waitMs
  while (!reverterStopped && Date.now() < until) {
    reverterStopped = !(await host.processAlive(state.reverterPid as number))
    if (!reverterStopped) await new Promise((r) => setTimeout(r, 200))
  }
  return {state, tooLate, reverterStopped}
}
