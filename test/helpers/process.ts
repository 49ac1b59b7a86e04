/** Facts about the test process and small waits shared by the tests that start real processes. */
import {readFileSync} from 'node:fs'

/** CAP_SYS_RESOURCE (bit 24) is needed to lower oom_score_adj below 0. */
export function hasCapSysResource(): boolean {
  const capEff = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'
  return (BigInt(`0x${capEff}`) & (1n << 24n)) !== 0n
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Wait until `done()` or `ms` pass; polls every 100 ms. */
export async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (done()) return true
    await sleep(100)
  }
  return done()
}

/**
 * A process is gone, or a zombie nobody has reaped yet (a reverter killed after its memguard exited
 * is reparented, and not every PID 1 reaps): either way it no longer runs.
 */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return true
  }
}
