import * as z from 'zod/mini'
import {programName, type ProcessInfo} from './processes.js'

/**
 * The processes a Xen dom0 must not lose, each with the reason an admin will read.
 *
 * The incident this tool exists for: the OOM killer took sshd and cron (and with cron the watchdog
 * job), and the host could only answer ping. The lab (xenlab idle-128m) lost sshd sessions, the
 * sshd listener, cron ×4, login/agetty on the console and xenconsoled the same way.
 *
 * "Listener vs. session" matters: OpenSSH protects only the listening sshd (oom_score_adj −1000)
 * and resets the value in every session child (openssh-portable `platform_post_fork_child()` →
 * `oom_adjust_restore()`), so a session child is an ordinary process. Likewise cron's per-job
 * children (Debian `/usr/sbin/CRON -f`, comm `cron`) are not the daemon.
 */

export const CriticalClassSchema = z.object({
  /** false: a known service process that is not itself critical (an sshd session, a cron job). */
  critical: z.boolean(),
  /** Stable id for JSON and rules: `sshd`, `cron`, `xenstored`, … */
  service: z.string(),
  reason: z.string(),
})
export type CriticalClass = z.infer<typeof CriticalClassSchema>

type Lookup = ReadonlyMap<number, ProcessInfo>
type AllProcesses = readonly ProcessInfo[] | Lookup

const lookupCache = new WeakMap<readonly ProcessInfo[], Lookup>()

function toLookup(all: AllProcesses): Lookup {
  if (all instanceof Map) return all
  const list = all as readonly ProcessInfo[]
  let map = lookupCache.get(list)
  if (!map) {
    const m = new Map<number, ProcessInfo>()
    for (const p of list) m.set(p.pid, p)
    map = m
    lookupCache.set(list, map)
  }
  return map
}

/** Does argv mention `word` as (the base name of) any argument? */
function cmdlineMentions(p: ProcessInfo, word: string): boolean {
  for (const arg of p.cmdline) if (arg.includes(word)) return true
  return false
}

/** comm is truncated to 15 bytes (TASK_COMM_LEN 16), so compare on both comm and argv[0]. */
function isProgram(p: ProcessInfo, ...names: string[]): boolean {
  const prog = programName(p)
  for (const n of names) {
    if (p.comm === n || prog === n || (n.length > 15 && p.comm === n.slice(0, 15))) return true
  }
  return false
}

const CONSOLE_TTYS = ['hvc0', 'xvc0', 'console', 'ttyS0', 'ttyS1']

/**
 * Is the terminal a console a Xen admin reaches without the network? hvc0 (major 229, pvops),
 * xvc0 (204:191, XenLinux), a serial port (4:64+), /dev/console (5:1). Devices:
 * Documentation/admin-guide/devices.txt.
 */
function isConsoleTty(tty: ProcessInfo['tty']): boolean {
  if (tty === null) return false
  return tty.major === 229 || (tty.major === 204 && tty.minor === 191) || (tty.major === 4 && tty.minor >= 64) || (tty.major === 5 && tty.minor === 1)
}

/**
 * Classify one process. `all` is the whole table (an array or a pid map), used to look at the
 * parent. Returns null for a process memguard has no opinion about.
 */
export function classifyCritical(p: ProcessInfo, all: AllProcesses): CriticalClass | null {
  if (p.isKernelThread) return null
  const byPid = toLookup(all)
  const parent = byPid.get(p.ppid)

  if (p.pid === 1) {
    return {critical: true, service: 'init', reason: 'init (pid 1): the system itself; the kernel never picks it, and if it dies the kernel panics'}
  }

  // The dead-man switch that restores the balloon target if the admin loses the box.
  if (cmdlineMentions(p, 'memguard-reverter') || p.comm.startsWith('memguard-revert')) {
    return {critical: true, service: 'memguard-reverter', reason: 'memguard reverter: restores the old dom0 memory target if this change cuts you off'}
  }

  if (isProgram(p, 'sshd', 'sshd-session', 'sshd-auth')) {
    const title = p.cmdline.join(' ')
    // OpenSSH ≥ 9.8 runs sessions as sshd-session; older ones retitle the child "sshd: user@pts/0",
    // "sshd: user [priv]", "sshd: user [net]", "sshd: [accepted]" …
    const sessionTitle = title.startsWith('sshd: ') && !title.includes('[listener]') && !title.startsWith('sshd: /')
    const parentIsSshd = parent !== undefined && isProgram(parent, 'sshd', 'sshd-session')
    if (p.comm === 'sshd-session' || programName(p) === 'sshd-session' || p.comm === 'sshd-auth' || parentIsSshd || sessionTitle) {
      return {critical: false, service: 'sshd-session', reason: `an ssh session (${title || p.comm}); losing it ends one login, the listener stays`}
    }
    return {critical: true, service: 'sshd', reason: 'the sshd listener: without it nobody can log in to fix the host'}
  }

  if (isProgram(p, 'cron', 'crond', 'CRON', 'fcron', 'cronie')) {
    const parentIsCron = parent !== undefined && isProgram(parent, 'cron', 'crond', 'fcron')
    if (parentIsCron || programName(p) === 'CRON') {
      return {critical: false, service: 'cron-job', reason: 'a cron job runner; the cron daemon is its parent'}
    }
    return {critical: true, service: 'cron', reason: 'cron: runs the watchdog and recovery jobs; in the incident its death meant nothing rebooted the host'}
  }

  if (isProgram(p, 'oxenstored', 'xenstored')) {
    return {critical: true, service: 'xenstored', reason: 'xenstored: the Xen configuration database; without it no toolstack command works and backends stall'}
  }
  if (isProgram(p, 'xenconsoled')) {
    return {critical: true, service: 'xenconsoled', reason: 'xenconsoled: the guest consoles (xl console); the lab lost it at a 128m target'}
  }
  if (isProgram(p, 'xenwatchdogd')) {
    return {critical: true, service: 'xenwatchdogd', reason: 'xenwatchdogd: if it stops petting the Xen watchdog, Xen reboots the host'}
  }
  if (isProgram(p, 'systemd-journald')) {
    return {critical: true, service: 'journald', reason: 'systemd-journald: the log of what happened; services block when it is gone'}
  }

  // Device models: one per HVM guest (qemu-dm on Xen ≤ 4.x traditional, qemu-system-i386 upstream).
  const prog = programName(p)
  if (p.comm === 'qemu-dm' || prog === 'qemu-dm' || p.comm.startsWith('qemu-system-') || prog.startsWith('qemu-system-')) {
    const domid = deviceModelDomid(p)
    return {
      critical: true,
      service: 'qemu-dm',
      reason: `Xen device model${domid === null ? '' : ` of domain ${domid}`}: killing it kills the guest`,
    }
  }

  // xend (Xen ≤ 4.4): the xm toolstack; a python process running /usr/sbin/xend.
  if (cmdlineMentions(p, '/usr/sbin/xend') || prog === 'xend') {
    return {critical: true, service: 'xend', reason: 'xend: the xm toolstack daemon; without it xm cannot restore the memory target'}
  }

  // A login on the Xen console is the way back in when ssh is gone (the lab needed it).
  if (isProgram(p, 'agetty', 'getty', 'mingetty', 'login') &&
    (isConsoleTty(p.tty) || p.cmdline.some((a) => CONSOLE_TTYS.some((t) => a === t || a.endsWith(`/${t}`))))) {
    return {critical: true, service: 'console-getty', reason: 'the console login (hvc0/serial): the last way in when ssh is dead'}
  }

  return null
}

function deviceModelDomid(p: ProcessInfo): number | null {
  for (let i = 0; i < p.cmdline.length - 1; i++) {
    const a = p.cmdline[i]
    if (a === '-xen-domid' || a === '-d') {
      const n = Number(p.cmdline[i + 1])
      if (Number.isInteger(n)) return n
    }
  }
  return null
}

/**
 * Is the process exempt from the OOM killer? oom_score_adj −1000 (OOM_SCORE_ADJ_MIN, ≥ 2.6.36) or
 * oom_adj −17 (OOM_DISABLE, the only knob before; on newer kernels −17 reads back for −1000).
 * Documentation/filesystems/proc.rst §3.1.
 */
export function isProtected(p: Pick<ProcessInfo, 'oomScoreAdj' | 'oomAdj'>): boolean {
  return p.oomScoreAdj === -1000 || p.oomAdj === -17
}
