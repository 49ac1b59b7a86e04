import {MemguardError} from '../lib/errors.js'
import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'
import type {SshHostOptions} from './ssh.js'
import type {SshHost} from './ssh.js'
import type {SshTarget} from './ssh-target.js'

/**
 * Run one piece of work on many hosts with a concurrency bound. Each host's failure is captured as
 * its result, so one unreachable dom0 never hides the others; results come back in input order.
 */

export const DEFAULT_PARALLEL = 8

export type FleetResult<T, Target extends {label: string} = SshTarget> =
  | {target: Target; label: string; ok: true; value: T; durationMs: number}
  | {target: Target; label: string; ok: false; error: Error; message: string; exitCode: ExitCodeValue; durationMs: number}

export interface FleetProgress {
  total: number
  done: number
  failed: number
  /** Labels of the hosts being worked on right now. */
  running: string[]
}

export interface FleetOptions {
  /** At most this many hosts at once (default 8). */
  parallel?: number
  /** Called whenever a host starts or finishes. */
  onProgress?: (progress: FleetProgress) => void
  /** Where to draw the one-line progress display; default: stderr when it is a TTY. `false`: none. */
  progressStream?: NodeJS.WriteStream | false
}

/** "memguard: 3/10 hosts done, 1 failed – waiting for dom0-a, dom0-b" fitted to the terminal. */
export function progressLine(p: FleetProgress, columns = 80): string {
  const head = `memguard: ${p.done}/${p.total} hosts done${p.failed ? `, ${p.failed} failed` : ''}`
  const tail = p.running.length ? ` – waiting for ${p.running.join(', ')}` : ''
  const line = head + tail
  const width = Math.max(20, columns - 1)
  return line.length > width ? `${line.slice(0, width - 1)}…` : line
}

export async function runAcrossHosts<T, Target extends {label: string} = SshTarget>(
  targets: readonly Target[],
  fn: (target: Target, index: number) => Promise<T>,
  options: FleetOptions = {},
): Promise<Array<FleetResult<T, Target>>> {
  const parallel = Math.max(1, Math.floor(options.parallel ?? DEFAULT_PARALLEL))
  const stream = options.progressStream === undefined ? (process.stderr.isTTY ? process.stderr : false) : options.progressStream
  const results: Array<FleetResult<T, Target>> = new Array(targets.length)
  const running = new Set<number>()
  let done = 0
  let failed = 0
  let drawn = false

  const report = () => {
    const progress: FleetProgress = {total: targets.length, done, failed, running: [...running].map((i) => (targets[i] as Target).label)}
    options.onProgress?.(progress)
    if (stream && targets.length > 1) {
      stream.write(`\r\x1b[K${progressLine(progress, stream.columns || 80)}`)
      drawn = true
    }
  }

  let next = 0
  const worker = async () => {
    while (next < targets.length) {
      const index = next++
      const target = targets[index] as Target
      running.add(index)
      report()
      const started = Date.now()
      try {
        const value = await fn(target, index)
        results[index] = {target, label: target.label, ok: true, value, durationMs: Date.now() - started}
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error))
        failed++
        results[index] = {
          target,
          label: target.label,
          ok: false,
          error: err,
          message: err instanceof MemguardError ? err.located : err.message,
          exitCode: err instanceof MemguardError ? err.exitCode : ExitCode.failure,
          durationMs: Date.now() - started,
        }
      }
      running.delete(index)
      done++
      report()
    }
  }
  try {
    await Promise.all(Array.from({length: Math.min(parallel, targets.length)}, worker))
  } finally {
    if (stream && drawn) stream.write('\r\x1b[K')
  }
  return results
}

/** The fleet's exit code: 0 when every host succeeded, else the highest failure code. */
export function fleetExitCode(results: ReadonlyArray<FleetResult<unknown, {label: string}>>): ExitCodeValue {
  let code: ExitCodeValue = ExitCode.ok
  for (const r of results) if (!r.ok && r.exitCode > code) code = r.exitCode
  return code
}

/** Open an SshHost for `target`, run `fn`, and always close the connection. */
export async function withSshHost<T>(target: SshTarget, fn: (host: SshHost) => Promise<T>, options: SshHostOptions = {}): Promise<T> {
  const {SshHost} = await import('./ssh.js')
  const host = new SshHost(target, options)
  try {
    return await fn(host)
  } finally {
    await host.close().catch(() => undefined)
  }
}

export interface FleetSelection {
  /** `--host` values, `[user@]host[:port]`. */
  host?: readonly string[]
  /** `--inventory FILE`. */
  inventory?: string
  /** Limit an inventory to these groups/hosts (Ansible `--limit` syntax: a,b or a:b). */
  limit?: string
}

/** The targets named by `--host` (any number) and `--inventory`, duplicates removed, in order. */
export async function resolveFleetTargets(selection: FleetSelection): Promise<SshTarget[]> {
  const targets: SshTarget[] = []
  if (selection.host?.length) {
    const {parseSshTarget} = await import('./ssh-target.js')
    targets.push(...selection.host.map(parseSshTarget))
  }
  if (selection.inventory) {
    const {loadInventory} = await import('./inventory-load.js')
    targets.push(...(await loadInventory(selection.inventory, selection.limit)).map((h) => h.target))
  }
  if (targets.length === 0) throw new MemguardError('no hosts: give --host or --inventory', {exitCode: ExitCode.usage})
  const seen = new Set<string>()
  return targets.filter((t) => {
    const key = `${t.user ?? ''}@${t.host}:${t.port ?? ''}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
