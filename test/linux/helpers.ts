import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {ProcessFiles} from '../../src/host/host.js'
import type {ProcessInfo} from '../../src/linux/processes.js'

/** Text of a file under test/fixtures/linux (copied from the xenlab captures and the corpus). */
export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/linux/${name}`, import.meta.url)), 'utf8')
}

export function processFilesFixture(name: string): ProcessFiles[] {
  return JSON.parse(fixture(name)) as ProcessFiles[]
}

/** A process with defaults, for policy tests. */
export function proc(overrides: Partial<ProcessInfo> & {pid: number}): ProcessInfo {
  return {
    ppid: 1,
    comm: `p${overrides.pid}`,
    cmdline: [`/usr/bin/p${overrides.pid}`],
    state: 'S',
    uid: 0,
    euid: 0,
    rssKiB: 1024,
    swapKiB: 0,
    swapKnown: true,
    vmSizeKiB: 8192,
    pageTablesKiB: 64,
    hasMm: true,
    isKernelThread: false,
    oomScore: null,
    oomScoreAdj: 0,
    oomAdj: 0,
    utimeTicks: 0,
    stimeTicks: 0,
    starttimeTicks: 1000,
    nice: 0,
    threads: 1,
    tty: null,
    capSysAdmin: null,
    capSysRawio: null,
    ...overrides,
  }
}

/**
 * The lab's process captures (`ps-oom-proc`, `01-ps-oom-hogs`) are a table, not /proc files:
 * `PID COMMAND RSS_KB OOM_SCORE OOM_SCORE_ADJ`, read from /proc/<pid>/{comm,status VmRSS,oom_score,
 * oom_score_adj}. Rows without RSS are kernel threads. What the table lacks is filled in from what
 * the lab README and kernel logs say about that dom0:
 * - the sshd with oom_score_adj −1000 is the listener (OpenSSH 9.2 title, parent systemd); any other
 *   sshd is the capture's own ssh session, a child of the listener, and the bash/sort processes are
 *   the capture pipeline below that session;
 * - systemd-networkd runs as uid 998 (`UID:998` in its kill line); daemons get their Debian argv;
 * - `hvc0GettyPid`: the agetty on the Xen console (pid 256 in the OOM runs, from the journal's
 *   `task_memcg=…serial-getty@hvc0.service,task=login,pid=256`); unknown for the baseline boot.
 * Everything else defaults to "a root process with an mm the size of its RSS".
 */
export function xenlabProcesses(text: string, options: {hvc0GettyPid?: number} = {}): ProcessInfo[] {
  const rows = text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((t) => t.length >= 4)
  const listener = rows.find((t) => t[1] === 'sshd' && t[4] === '-1000')
  const listenerPid = listener ? Number(listener[0]) : 1
  const session = rows.find((t) => t[1] === 'sshd' && t !== listener)
  const sessionPid = session ? Number(session[0]) : listenerPid
  const firstBash = rows.find((t) => t[1] === 'bash')
  const firstBashPid = firstBash ? Number(firstBash[0]) : sessionPid
  const argv: Record<string, string[]> = {
    'systemd-journal': ['/lib/systemd/systemd-journald'],
    'systemd-network': ['/lib/systemd/systemd-networkd'],
    'systemd-logind': ['/lib/systemd/systemd-logind'],
    'systemd-udevd': ['/lib/systemd/systemd-udevd'],
    cron: ['/usr/sbin/cron', '-f'],
    oxenstored: ['/usr/sbin/oxenstored', '--pid-file', '/var/run/xenstored.pid'],
    xenconsoled: ['/usr/sbin/xenconsoled', '--pid-file=/var/run/xenconsoled.pid'],
    agetty: ['/sbin/agetty', '-o', '-p -- \\u', '--noclear', '-', 'linux'],
    'dbus-daemon': ['/usr/bin/dbus-daemon', '--system'],
    systemd: ['/sbin/init'],
  }
  const out: ProcessInfo[] = []
  for (const t of rows) {
    const pid = Number(t[0])
    const comm = t[1] as string
    const kernelThread = t.length < 5
    const rssKiB = kernelThread ? 0 : Number(t[2])
    const oomScore = Number(t[kernelThread ? 2 : 3])
    const oomScoreAdj = Number(t[kernelThread ? 3 : 4])
    let ppid = pid === 1 ? 0 : kernelThread ? 2 : 1
    let cmdline = kernelThread ? [] : argv[comm] ?? [comm]
    if (comm === 'sshd') {
      if (pid === listenerPid) cmdline = ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups']
      else {
        ppid = listenerPid
        cmdline = ['sshd: root@notty']
      }
    } else if (comm === 'bash' || comm === 'sort') {
      ppid = pid === firstBashPid ? sessionPid : firstBashPid
      cmdline = comm === 'sort' ? ['sort', '-n'] : ['bash', '-c', '…']
    }
    const uid = comm === 'systemd-network' ? 998 : 0
    out.push(proc({
      pid, ppid, comm, cmdline, uid, euid: uid, rssKiB,
      vmSizeKiB: kernelThread ? null : rssKiB,
      pageTablesKiB: 0,
      hasMm: !kernelThread,
      isKernelThread: kernelThread,
      oomScore, oomScoreAdj, oomAdj: null,
      tty: pid === options.hvc0GettyPid ? {major: 229, minor: 0} : null,
      starttimeTicks: pid,
    }))
  }
  return out
}
