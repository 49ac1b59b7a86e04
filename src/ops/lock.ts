import {hostname} from 'node:os'
import * as z from 'zod/mini'
import type {Host} from '../host/host.js'
import {MemguardError} from '../lib/errors.js'

/** One change per host at a time. The lock lives next to the rollback state, in a 0700 dir. */
export const LOCK_PATH = '/run/memguard/lock'
export const STATE_DIR_MODE = 0o700

/** A lock older than this whose holder we cannot check is taken as stale. */
const STALE_AFTER_MS = 6 * 60 * 60 * 1000

const lockRecordSchema = z.object({pid: z.int(), holder: z.string(), startedAt: z.string(), command: z.string()})
export type LockRecord = z.infer<typeof lockRecordSchema>

export interface HostLock {
  record: LockRecord
  /** Set when a stale lock was broken to take this one. */
  brokeStale: LockRecord | null
  release(): Promise<void>
}

/**
 * Take the per-host change lock. A lock whose holder process is gone (on this machine), or that
 * is older than 6 hours when the holder is another machine, is stale and is broken with a note.
 */
export async function acquireHostLock(host: Host, command: string, isLocalPidAlive: (pid: number) => Promise<boolean> = localPidAlive): Promise<HostLock> {
  const record: LockRecord = {pid: process.pid, holder: hostname(), startedAt: new Date().toISOString(), command}
  const text = `${JSON.stringify(record)}\n`
  let brokeStale: LockRecord | null = null
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await host.createExclusive(LOCK_PATH, text, {mode: 0o600, dirMode: STATE_DIR_MODE})) {
      return {record, brokeStale, release: () => host.removeFile(LOCK_PATH)}
    }
    let existing = parseLock(await host.readFile(LOCK_PATH))
    if (existing === null) {
      // Created but not yet written by its holder (create and write are two steps): look again.
      await new Promise((r) => setTimeout(r, 300))
      existing = parseLock(await host.readFile(LOCK_PATH))
    }
    if (existing !== null && !(await isStale(existing, isLocalPidAlive))) {
      throw new MemguardError(
        `another memguard is changing ${host.label}: pid ${existing.pid} on ${existing.holder}, since ${existing.startedAt} (${existing.command})`,
        {hint: `wait for it to finish; if it is gone, remove ${LOCK_PATH} on the host`},
      )
    }
    brokeStale = existing
    await host.removeFile(LOCK_PATH)
  }
  throw new MemguardError(`could not take the lock ${LOCK_PATH} on ${host.label}`)
}

function parseLock(text: string | null): LockRecord | null {
  if (text === null) return null
  try {
    const parsed = lockRecordSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

async function isStale(lock: LockRecord, isLocalPidAlive: (pid: number) => Promise<boolean>): Promise<boolean> {
  if (lock.holder === hostname()) return !(await isLocalPidAlive(lock.pid))
  const age = Date.now() - Date.parse(lock.startedAt)
  return Number.isNaN(age) || age > STALE_AFTER_MS
}

/** Whether a PID exists on this machine (signal 0); EPERM means it exists under another user. */
export async function localPidAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** What a change says when it had to break a stale lock to take its own. */
export function staleLockNote(stale: LockRecord): string {
  return `broke a stale lock left by pid ${stale.pid} on ${stale.holder} (${stale.command}, ${stale.startedAt})`
}

/**
 * Run `change` holding the host lock, and release the lock however it ends (a held lock is
 * refused before `change` runs, by acquireHostLock's error).
 */
export async function withHostLock<T>(host: Host, command: string, change: (lock: HostLock) => Promise<T>, isLocalPidAlive: (pid: number) => Promise<boolean> = localPidAlive): Promise<T> {
  const lock = await acquireHostLock(host, command, isLocalPidAlive)
  try {
    return await change(lock)
  } finally {
    await lock.release().catch(() => undefined)
  }
}
