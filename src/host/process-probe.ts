import {readFileSync} from 'node:fs'
import {isProbeablePid, type ProcessProbe} from './host.js'

/**
 * `Host.probeProcess` for this machine, and the pieces the other transports share: a process's
 * argv from its /proc/<pid>/cmdline.
 */

/** argv from /proc/<pid>/cmdline (NUL-separated, NUL-terminated); [] for a zombie or kernel thread. */
export function splitCmdline(text: string): string[] {
  const argv = text.split('\0')
  if (argv.at(-1) === '') argv.pop()
  return argv
}

/** argv from the hex dump of a cmdline (`od -An -v -tx1`, spaces and newlines removed). */
export function cmdlineFromHex(hex: string): string[] {
  return splitCmdline(Buffer.from(hex, 'hex').toString('utf8'))
}

/**
 * A process of this machine. The real /proc, also under --root: the reverter memguard starts is a
 * process of this machine, not of the tree (as `processAlive`, which uses kill(pid, 0)).
 */
export async function probeLocalProcess(pid: number, alive: (pid: number) => Promise<boolean>): Promise<ProcessProbe> {
  if (!isProbeablePid(pid) || !(await alive(pid))) return {status: 'gone'}
  try {
    return {status: 'alive', argv: splitCmdline(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))}
  } catch {
    // Exited since the kill(0), or its /proc entry is hidden from us (hidepid).
    return (await alive(pid)) ? {status: 'alive', argv: null} : {status: 'gone'}
  }
}
