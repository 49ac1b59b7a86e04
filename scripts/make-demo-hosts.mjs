#!/usr/bin/env node
// Build the two SYNTHETIC example hosts (memguard snapshot format, src/host/snapshot.ts):
//
//   examples/hosts/seed-incident/  the RHEL5-era Xen 3.1 host of the founding incident, minutes
//                                  before `xm mem-set 0 256` (xm/xend, XenLinux 2.6.18 dom0)
//   examples/hosts/healthy-xl/     a healthy modern host (Xen 4.17, xl, Debian 12 dom0, 6.1)
//
//   node scripts/make-demo-hosts.mjs [<out-dir>]      (default: examples/hosts of this repository)
//
// Plain Node ESM (esbuild only to read src/state/plan.ts), deterministic: the same script always writes the same bytes
// (no clock, no randomness other than a fixed-seed PRNG for incidental numbers such as page-fault
// counts). Only the two directories above are replaced. The output is committed; tests read the
// committed copy.
//
// Nothing here was captured from a real machine. File formats follow the kernels' and tools' own
// printf formats (2.6.18: fs/proc/array.c, fs/proc/proc_misc.c, XenLinux drivers/xen/balloon;
// 6.1: fs/proc/array.c, fs/proc/meminfo.c; xm/xl output as in test/fixtures/tool-output and
// examples/hosts/xenlab). The numbers are invented but kept consistent with each other: meminfo
// is built from the process table plus the kernel's own share, oom_score is computed with each
// kernel's own formula, and the generator refuses to write a host whose story does not add up
// (see the `must` checks). What is assumed rather than sourced is listed in examples/hosts/README.md.
import {join, resolve} from 'node:path'
import {checkPlanCommands, loadStatusPlan, REPO, writeSnapshot} from './lib/snapshot-writer.mjs'

const outRoot = resolve(process.argv[2] ?? join(REPO, 'examples/hosts'))

// What memguard reads: src/state/plan.ts statusPlan(), so the manifests' `missing` lists follow it.
const PLAN = await loadStatusPlan()
const XENSTORE_ARGV = ['xenstore-read', '/local/domain/0/memory/target', '/local/domain/0/memory/static-max']
const PLAN_COMMANDS = [
  ['xl-info', ['xl', 'info']],
  ['xl-list', ['xl', 'list']],
  ['xl-list-long', ['xl', 'list', '-l']],
  ['xl-dmesg', ['xl', 'dmesg']],
  ['xm-info', ['xm', 'info']],
  ['xm-list', ['xm', 'list']],
  ['xm-list-long', ['xm', 'list', '--long']],
  ['xm-dmesg', ['xm', 'dmesg']],
  ['xenstore-dom0-memory', XENSTORE_ARGV],
  ['dmesg', ['dmesg']],
]
checkPlanCommands('make-demo-hosts', PLAN_COMMANDS, PLAN)
const SYSFS = '/sys/devices/system/xen_memory/xen_memory0'
const PAGE_KiB = 4
const MiB = 1024

// ------------------------------------------------------------------------------------- helpers

function must(condition, message) {
  if (!condition) {
    console.error(`make-demo-hosts: ${message}`)
    process.exit(1)
  }
}

/** A fixed-seed PRNG (mulberry32): incidental numbers only, identical on every run. */
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const between = (rand, lo, hi) => lo + Math.floor(rand() * (hi - lo + 1))

const pad = (value, width) => String(value).padStart(width, ' ')
const hex = (n, width) => n.toString(16).padStart(width, '0')
const isqrt = (n) => (n <= 0 ? 0 : Math.floor(Math.sqrt(n)))
const sum = (list, f) => list.reduce((acc, x) => acc + f(x), 0)

/** yajl's beautified JSON, as `xl list -l` prints it: 4-space indent, `{` blank line `}` for {}. */
function yajl(value, indent = '') {
  const inner = indent + '    '
  if (Array.isArray(value)) {
    if (value.length === 0) return `[\n\n${indent}]`
    return `[\n${value.map((v) => inner + yajl(v, inner)).join(',\n')}\n${indent}]`
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
    if (keys.length === 0) return `{\n\n${indent}}`
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${yajl(value[k], inner)}`).join(',\n')}\n${indent}}`
  }
  return JSON.stringify(value)
}

// =====================================================================================
// Linux 2.6.18 (RHEL5 kernel-xen): /proc/<pid>/{status,stat,cmdline,oom_score,oom_adj}
// =====================================================================================

/**
 * Legacy `badness()` (mm/oom_kill.c, 2.6.18), what /proc/<pid>/oom_score shows on that kernel
 * (proc_oom_score calls it with the monotonic uptime in seconds). HZ 1000: cpu_time is jiffies
 * >> (SHIFT_HZ + 3), i.e. units of 8.192 s; run_time is seconds >> 10.
 */
function badness2618(p, all, uptimeSeconds) {
  if (p.kthread) return 0
  let points = Math.floor(p.vmSize / PAGE_KiB)
  for (const c of all) {
    if (c.ppid === p.pid && !c.kthread) points += Math.floor(Math.floor(c.vmSize / PAGE_KiB) / 2) + 1
  }
  const cpuTime = Math.floor(((p.utime + p.stime) * 10) / 8192) // ticks (USER_HZ 100) → jiffies (HZ 1000) >> 13
  const startSec = Math.floor(p.start)
  const runTime = uptimeSeconds >= startSec ? Math.floor((uptimeSeconds - startSec) / 1024) : 0
  let s = isqrt(cpuTime)
  if (s) points = Math.floor(points / s)
  s = isqrt(isqrt(runTime))
  if (s) points = Math.floor(points / s)
  if (p.nice > 0) points *= 2
  const root = p.uid === 0
  if (root) points = Math.floor(points / 4) // CAP_SYS_ADMIN or uid 0
  if (root) points = Math.floor(points / 4) // CAP_SYS_RAWIO (root's CapEff fffffeff has it)
  if (p.oomAdj > 0) points = points * 2 ** p.oomAdj
  else if (p.oomAdj < 0) points = Math.floor(points / 2 ** -p.oomAdj)
  return points
}

const STATE_2618 = {R: 'R (running)', S: 'S (sleeping)', D: 'D (disk sleep)'}

/** 2.6.18 proc_pid_status: task_name, task_state, task_mem (RHEL5 adds StaBrk/Brk/StaStk), task_sig, task_cap, cpuset. */
function status2618(p, host) {
  const u = p.uid
  const g = p.gid
  const lines = [
    `Name:\t${p.comm}`,
    `State:\t${STATE_2618[p.state]}`,
    `SleepAVG:\t${p.sleepAvg}%`,
    `Tgid:\t${p.pid}`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid}`,
    `TracerPid:\t0`,
    `Uid:\t${u}\t${u}\t${u}\t${u}`,
    `Gid:\t${g}\t${g}\t${g}\t${g}`,
    `FDSize:\t${p.fdSize}`,
    `Groups:\t${p.groups.map((x) => `${x} `).join('')}`,
  ]
  if (!p.kthread) {
    const m = p.mem
    lines.push(
      `VmPeak:\t${pad(m.peak, 8)} kB`,
      `VmSize:\t${pad(p.vmSize, 8)} kB`,
      `VmLck:\t${pad(0, 8)} kB`,
      `VmHWM:\t${pad(m.hwm, 8)} kB`,
      `VmRSS:\t${pad(p.rss, 8)} kB`,
      `VmData:\t${pad(m.data, 8)} kB`,
      `VmStk:\t${pad(m.stk, 8)} kB`,
      `VmExe:\t${pad(m.exe, 8)} kB`,
      `VmLib:\t${pad(m.lib, 8)} kB`,
      `VmPTE:\t${pad(p.pte, 8)} kB`,
      `StaBrk:\t${hex(m.staBrk, 8)} kB`,
      `Brk:\t${hex(m.brk, 8)} kB`,
      `StaStk:\t${hex(m.staStk, 8)} kB`,
    )
  }
  lines.push(
    `Threads:\t${p.threads}`,
    `SigQ:\t0/${host.sigqLimit}`,
    `SigPnd:\t0000000000000000`,
    `ShdPnd:\t0000000000000000`,
    `SigBlk:\t${p.sig.blk}`,
    `SigIgn:\t${p.sig.ign}`,
    `SigCgt:\t${p.sig.cgt}`,
    `CapInh:\t0000000000000000`,
    `CapPrm:\t${p.uid === 0 ? '00000000fffffeff' : '0000000000000000'}`,
    `CapEff:\t${p.uid === 0 ? '00000000fffffeff' : '0000000000000000'}`,
    `Cpus_allowed:\t${hex(p.cpuMask, 8)}`,
    `Mems_allowed:\t00000000,00000001`,
  )
  return lines.join('\n') + '\n'
}

/**
 * 2.6.18 do_task_stat: 42 fields, plus guest_time and cguest_time (43, 44), which upstream added
 * in 2.6.24 and which this reconstruction assumes RHEL5 carries (see README).
 */
function stat2618(p) {
  const m = p.mem
  const f = [
    p.pid, `(${p.comm})`, p.state, p.ppid, p.pgid, p.sid, p.ttyNr, p.tpgid,
    p.flags,
    p.minflt, 0, p.majflt, 0,
    p.utime, p.stime, 0, 0,
    p.priority, p.nice, p.threads, 0,
    p.starttime,
    p.kthread ? 0 : p.vmSize * 1024,
    p.kthread ? 0 : Math.round(p.rss / PAGE_KiB),
    '18446744073709551615',
    p.kthread ? 0 : m.startCode, p.kthread ? 0 : m.endCode, p.kthread ? 0 : m.startStack, p.kthread ? 0 : m.esp, p.kthread ? 0 : m.eip,
    0, p.sig.blkLow, p.sig.ignLow, p.sig.cgtLow,
    p.wchan, 0, 0,
    17, p.cpu, p.rtPriority, p.policy, 0,
    0, 0,
  ]
  must(f.length === 44, `stat of ${p.pid} has ${f.length} fields`)
  return f.join(' ') + '\n'
}

// =====================================================================================
// Linux 6.1 (Debian 12): /proc/<pid>/{status,stat,cmdline,oom_score,oom_score_adj}
// =====================================================================================

const STATE_61 = {R: 'R (running)', S: 'S (sleeping)', D: 'D (disk sleep)', I: 'I (idle)'}

/** 6.1 oom_badness() and proc_oom_score(): (1000 + badness × 1000 / totalpages) × 2/3, 0 for the unkillable. */
function oomScore61(p, totalPages) {
  if (p.kthread || p.pid === 1 || p.adj === -1000) return 0
  const badness = Math.floor(p.rss / PAGE_KiB) + Math.floor(p.pte / PAGE_KiB) + p.adj * Math.floor(totalPages / 1000)
  return Math.floor(((1000 + Math.trunc((badness * 1000) / totalPages)) * 2) / 3)
}

/** 6.1 proc_pid_status, every line in the kernel's order (no Kthread: line, that came in 6.4). */
function status61(p, host) {
  const u = p.uid
  const g = p.gid
  const lines = [
    `Name:\t${p.comm}`,
    `Umask:\t${p.kthread ? '0000' : '0022'}`,
    `State:\t${STATE_61[p.state]}`,
    `Tgid:\t${p.pid}`,
    `Ngid:\t0`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid}`,
    `TracerPid:\t0`,
    `Uid:\t${u}\t${u}\t${u}\t${u}`,
    `Gid:\t${g}\t${g}\t${g}\t${g}`,
    `FDSize:\t${p.fdSize}`,
    `Groups:\t${p.groups.join(' ')} `,
    `NStgid:\t${p.pid}`,
    `NSpid:\t${p.pid}`,
    `NSpgid:\t${p.pgid}`,
    `NSsid:\t${p.sid}`,
  ]
  if (!p.kthread) {
    const m = p.mem
    lines.push(
      `VmPeak:\t${pad(m.peak, 8)} kB`,
      `VmSize:\t${pad(p.vmSize, 8)} kB`,
      `VmLck:\t${pad(0, 8)} kB`,
      `VmPin:\t${pad(0, 8)} kB`,
      `VmHWM:\t${pad(m.hwm, 8)} kB`,
      `VmRSS:\t${pad(p.rss, 8)} kB`,
      `RssAnon:\t${pad(p.rss - p.rssFile - p.rssShmem, 8)} kB`,
      `RssFile:\t${pad(p.rssFile, 8)} kB`,
      `RssShmem:\t${pad(p.rssShmem, 8)} kB`,
      `VmData:\t${pad(m.data, 8)} kB`,
      `VmStk:\t${pad(m.stk, 8)} kB`,
      `VmExe:\t${pad(m.exe, 8)} kB`,
      `VmLib:\t${pad(m.lib, 8)} kB`,
      `VmPTE:\t${pad(p.pte, 8)} kB`,
      `VmSwap:\t${pad(0, 8)} kB`,
      `HugetlbPages:\t${pad(0, 8)} kB`,
      `CoreDumping:\t0`,
      `THP_enabled:\t1`,
    )
  }
  const caps = p.uid === 0 ? '000001ffffffffff' : '0000000000000000'
  lines.push(
    `Threads:\t${p.threads}`,
    `SigQ:\t0/${host.sigqLimit}`,
    `SigPnd:\t0000000000000000`,
    `ShdPnd:\t0000000000000000`,
    `SigBlk:\t${p.sig.blk}`,
    `SigIgn:\t${p.sig.ign}`,
    `SigCgt:\t${p.sig.cgt}`,
    `CapInh:\t0000000000000000`,
    `CapPrm:\t${caps}`,
    `CapEff:\t${caps}`,
    `CapBnd:\t000001ffffffffff`,
    `CapAmb:\t0000000000000000`,
    `NoNewPrivs:\t0`,
    `Seccomp:\t0`,
    `Seccomp_filters:\t0`,
    `Speculation_Store_Bypass:\tthread vulnerable`,
    `SpeculationIndirectBranch:\tconditional enabled`,
    `Cpus_allowed:\t${p.cpuMask.toString(16)}`,
    `Cpus_allowed_list:\t${cpuList(p.cpuMask)}`,
    `Mems_allowed:\t${Array(31).fill('00000000').join(',')},00000001`,
    `Mems_allowed_list:\t0`,
    `voluntary_ctxt_switches:\t${p.vcsw}`,
    `nonvoluntary_ctxt_switches:\t${p.nvcsw}`,
  )
  return lines.join('\n') + '\n'
}

function cpuList(mask) {
  const cpus = []
  for (let i = 0; i < 32; i++) if ((mask >>> i) & 1) cpus.push(i)
  if (cpus.length > 1 && cpus.at(-1) - cpus[0] === cpus.length - 1) return `${cpus[0]}-${cpus.at(-1)}`
  return cpus.join(',')
}

/** 6.1 do_task_stat: 52 fields. wchan is shown as 0/1 and kstkesp/kstkeip as 0 (since 4.x/5.x). */
function stat61(p) {
  const m = p.mem
  const user = !p.kthread
  const f = [
    p.pid, `(${p.comm})`, p.state, p.ppid, p.pgid, p.sid, p.ttyNr, p.tpgid,
    p.flags,
    p.minflt, 0, p.majflt, 0,
    p.utime, p.stime, 0, 0,
    p.priority, p.nice, p.threads, 0,
    p.starttime,
    user ? p.vmSize * 1024 : 0,
    user ? Math.round(p.rss / PAGE_KiB) : 0,
    '18446744073709551615',
    user ? m.startCode : 0, user ? m.endCode : 0, user ? m.startStack : 0, 0, 0,
    0, p.sig.blkLow, p.sig.ignLow, p.sig.cgtLow,
    p.state === 'R' ? 0 : 1, 0, 0,
    17, p.cpu, p.rtPriority, p.policy, 0,
    0, 0,
    user ? m.startData : 0, user ? m.endData : 0, user ? m.startBrk : 0,
    user ? m.argStart : 0, user ? m.argEnd : 0, user ? m.envStart : 0, user ? m.envEnd : 0,
    0,
  ]
  must(f.length === 52, `stat of ${p.pid} has ${f.length} fields`)
  return f.join(' ') + '\n'
}

// =====================================================================================
// Process model shared by both hosts
// =====================================================================================

const SIG_DEFAULT = {blk: '0000000000000000', ign: '0000000000000000', cgt: '0000000000000000'}
const SIG_DAEMON = {blk: '0000000000000000', ign: '0000000000001000', cgt: '0000000180014a03'}
const SIG_SHELL = {blk: '0000000000010000', ign: '0000000000384004', cgt: '000000004b813efb'}
// Kernel threads: 2.6.18's daemonize() blocks every signal; 6.1's kthreads ignore them all (ignore_signals()).
const SIG_KTHREAD = {'2.6.18': {blk: 'ffffffffffffffff', ign: '0000000000000000', cgt: '0000000000000000'}, '6.1': {blk: '0000000000000000', ign: 'ffffffffffffffff', cgt: '0000000000000000'}}

function lowSig(s) {
  // stat fields 31-34 show the low word & 0x7fffffff as decimal.
  const low = (h) => Number(BigInt('0x' + h) & 0x7fffffffn)
  return {...s, blkLow: low(s.blk), ignLow: low(s.ign), cgtLow: low(s.cgt)}
}

/**
 * Fill in everything a process needs from a compact spec. `spec.start` is seconds after boot,
 * `spec.cpu` seconds of CPU; `kernel` is '2.6.18' or '6.1'.
 */
function makeProcess(spec, kernel, rand) {
  const kthread = spec.argv === null
  const p = {
    pid: spec.pid,
    ppid: spec.ppid ?? (kthread ? (kernel === '6.1' ? 2 : 1) : 1),
    comm: spec.comm,
    argv: spec.argv,
    kthread,
    uid: spec.uid ?? 0,
    gid: spec.gid ?? spec.uid ?? 0,
    groups: spec.groups ?? [],
    state: spec.state ?? (kthread && kernel === '6.1' ? 'I' : 'S'),
    vmSize: spec.vm ?? 0,
    rss: spec.rss ?? 0,
    rssFile: spec.file ?? 0,
    rssShmem: spec.shmem ?? 0,
    pte: spec.pte ?? 0,
    threads: spec.threads ?? 1,
    nice: spec.nice ?? 0,
    start: spec.start,
    oomAdj: spec.oomAdj ?? 0,
    adj: spec.adj ?? 0,
    ttyNr: spec.tty ?? 0,
    fdSize: spec.fdSize ?? (kthread ? (kernel === '6.1' ? 64 : 32) : between(rand, 0, 3) === 0 ? 256 : 64),
    cpuMask: spec.cpuMask ?? 0xf,
    cpu: spec.cpuNo ?? between(rand, 0, 3),
    rtPriority: spec.rt ?? 0,
    policy: spec.rt ? 1 : 0,
  }
  p.pgid = spec.pgid ?? (kthread ? (kernel === '6.1' ? 0 : 1) : p.pid)
  p.sid = spec.sid ?? p.pgid
  p.tpgid = spec.tpgid ?? -1
  const cpuTicks = Math.round((spec.cpu ?? 0) * 100)
  p.utime = kthread ? 0 : Math.round(cpuTicks * (spec.userShare ?? 0.7))
  p.stime = cpuTicks - p.utime
  p.starttime = Math.round(p.start * 100)
  // priority: task_prio() = prio − MAX_RT_PRIO: 20 at nice 0, −1 − rt_priority for SCHED_FIFO.
  // 2.6.18's O(1) scheduler adds a ±5 interactivity bonus to normal tasks.
  p.priority = spec.rt ? -1 - spec.rt : 20 + p.nice + (kernel === '2.6.18' && !kthread ? -between(rand, 0, 5) : 0)
  p.minflt = kthread ? 0 : between(rand, 200, 4000) + Math.floor((spec.rss ?? 0) / 2)
  p.majflt = kthread ? 0 : between(rand, 0, 60) + (kernel === '2.6.18' ? Math.floor((spec.vm ?? 0) / 40) : 0)
  p.sleepAvg = kthread ? between(rand, 85, 99) : between(rand, 70, 99)
  p.sig = lowSig(kthread ? SIG_KTHREAD[kernel] : (spec.sig ?? SIG_DAEMON))
  p.wchan = kthread || p.state === 'R' ? 0 : 18446744071562067968n + BigInt(between(rand, 0x200000, 0x3fffff))
  p.flags = spec.flags ?? (kthread ? (kernel === '6.1' ? 0x00208040 : 0x00008140) : p.uid === 0 ? 0x00400100 : 0x00400000)
  p.vcsw = between(rand, 10, 90000)
  p.nvcsw = between(rand, 0, 900)
  if (!kthread) {
    const exe = spec.exe ?? between(rand, 24, 700)
    const lib = spec.lib ?? Math.min(Math.floor(p.vmSize * 0.45), between(rand, 1500, 9000))
    const stk = spec.stk ?? (kernel === '6.1' ? 132 : 88)
    const data = Math.max(96, p.vmSize - exe - lib - stk - Math.floor(p.vmSize * 0.05))
    const code = 0x400000
    const staBrk = code + exe * 1024 + 0x200000 + between(rand, 0, 0xffff) * 0x1000
    p.mem = {
      peak: p.vmSize + between(rand, 0, 12) * 4,
      hwm: p.rss + between(rand, 0, Math.max(1, Math.floor(p.rss / 20))) * 4,
      data, stk, exe, lib,
      staBrk,
      brk: staBrk + data * 256,
      staStk: 0x7fff00000000 + between(rand, 0x100000, 0xfffffff) * 16,
      startCode: code,
      endCode: code + exe * 1024 - between(rand, 1, 4000),
      startStack: 140733193388032 + between(rand, 0, 0x7fffff) * 16,
      esp: 140733193388032 + between(rand, 0, 0x7fffff) * 16 - 512,
      eip: 0x3a4c0c9000 + between(rand, 0, 0xfffff),
      startData: code + exe * 1024 + 0x1f0000,
      endData: code + exe * 1024 + 0x1f0000 + between(rand, 0x400, 0x8000),
      startBrk: staBrk,
      argStart: 0,
      argEnd: 0,
      envStart: 0,
      envEnd: 0,
    }
    p.mem.argStart = p.mem.startStack + 0x1c00
    p.mem.argEnd = p.mem.argStart + (spec.argv ?? []).join(' ').length + 1
    p.mem.envStart = p.mem.argEnd
    p.mem.envEnd = p.mem.envStart + 1900
  }
  return p
}

function cmdlineText(p) {
  if (p.kthread) return '' // kernel threads: an empty file
  return p.argv.map((s) => `${s}\0`).join('')
}

// =====================================================================================
// seed-incident: CentOS 5 / Xen 3.1.2 / XenLinux 2.6.18, 2009-06-12 02:14 UTC
// =====================================================================================

function buildSeedIncident() {
  const rand = prng(0x5eed1)
  const UPTIME = 3553218.47 // 41 d 3 h: booted 2009-05-01 23:13 UTC
  const captureAgo = (seconds) => UPTIME - seconds

  // dom0 booted WITHOUT dom0_mem: Xen 3.1 gave it all memory minus its 128 MiB reserve
  // (min(1/16, 128 MiB)); xend later ballooned it down to 1536 MiB as guests started.
  const bootPages = 2064128 // 8063 MiB
  const bootKiB = bootPages * PAGE_KiB
  const allocationKiB = 1536 * MiB
  const lowMemBalloonKiB = bootKiB - allocationKiB
  // XenLinux sets totalram_pages = current_pages (drivers/xen/balloon/balloon.c balloon_init and
  // every (in|de)crease_reservation), so MemTotal IS the allocation: no kernel gap is visible. What
  // the kernel reserved at boot for ~8 GiB (mem_map 56 B/page, the p2m array 8 B/page, 64 MiB of
  // swiotlb, the kernel image) stays inside MemTotal as memory that is neither free nor cache.
  const memTotal = allocationKiB
  const bootReserved = Math.floor((bootPages * 56) / 1024) + Math.floor((bootPages * 8) / 1024) + 65536 + 4063
  const minFree = 11245 // int_sqrt(lowmem_kbytes × 16) at boot, when dom0 held ~7.9 GiB
  const sigqLimit = Math.floor(bootPages / 16 / 2) // RLIMIT_SIGPENDING = max_threads / 2, sized at boot

  const SH = SIG_SHELL
  // ---- kernel threads (2.6.18: the early ones are children of init, later ones of `kthread`)
  const K = []
  let pid = 2
  const kt = (comm, extra = {}) => K.push({pid: extra.pid ?? pid++, comm, argv: null, start: extra.start ?? 0.08, ...extra})
  for (let cpu = 0; cpu < 4; cpu++) {
    kt(`migration/${cpu}`, {rt: 99, cpuMask: 1 << cpu, cpuNo: cpu})
    kt(`ksoftirqd/${cpu}`, {nice: 19, cpuMask: 1 << cpu, cpuNo: cpu})
    kt(`watchdog/${cpu}`, {rt: 99, cpuMask: 1 << cpu, cpuNo: cpu})
  }
  for (let cpu = 0; cpu < 4; cpu++) kt(`events/${cpu}`, {nice: -5, cpuMask: 1 << cpu, cpuNo: cpu})
  kt('khelper', {nice: -5})
  kt('kthread', {nice: -5}) // pid 19
  const KTHREAD = 19
  const kc = (p, comm, extra = {}) => kt(comm, {pid: p, ppid: KTHREAD, start: 0.4, ...extra})
  kc(23, 'xenwatch', {nice: -5})
  kc(24, 'xenbus', {nice: -5})
  for (let cpu = 0; cpu < 4; cpu++) kc(32 + cpu, `kblockd/${cpu}`, {nice: -5, cpuMask: 1 << cpu, cpuNo: cpu})
  kc(36, 'kacpid', {nice: -5})
  for (let cpu = 0; cpu < 4; cpu++) kc(37 + cpu, `cqueue/${cpu}`, {nice: -5, cpuMask: 1 << cpu, cpuNo: cpu})
  kc(41, 'khubd')
  kc(43, 'kseriod')
  kc(127, 'pdflush')
  kc(128, 'pdflush')
  kc(129, 'kswapd0', {state: 'D'}) // busy: dom0 is swapping hard
  for (let cpu = 0; cpu < 4; cpu++) kc(130 + cpu, `aio/${cpu}`, {nice: -5, cpuMask: 1 << cpu, cpuNo: cpu})
  kc(290, 'kpsmoused', {nice: -5})
  for (let cpu = 0; cpu < 4; cpu++) kc(320 + cpu, `ata/${cpu}`, {nice: -5, cpuMask: 1 << cpu, cpuNo: cpu})
  kc(324, 'ata_aux', {nice: -5})
  kc(327, 'scsi_eh_0')
  kc(328, 'scsi_eh_1')
  kc(341, 'kstriped', {nice: -5})
  for (let cpu = 0; cpu < 4; cpu++) kc(350 + cpu, `kmpathd/${cpu}`, {nice: -5, cpuMask: 1 << cpu, cpuNo: cpu})
  kc(354, 'kmpath_handlerd', {nice: -5})
  kc(357, 'ksnapd', {nice: -5})
  kc(380, 'kjournald', {start: 3.1})
  kc(409, 'kauditd', {start: 3.4})
  kc(1425, 'kjournald', {start: 7.9})
  // blkback threads, one per PV guest disk (phy: LVM volumes), created when xendomains started them.
  kc(3961, 'blkback.1.xvda', {start: 61.2})
  kc(4118, 'blkback.2.xvda', {start: 68.0})
  kc(4119, 'blkback.2.xvdb', {start: 68.0})
  kc(4297, 'blkback.3.xvda', {start: 74.5})

  // ---- user space. rss = VmRSS; file = its file-backed part (shared libraries, mapped jars).
  const U = [
    {pid: 1, ppid: 0, comm: 'init', argv: ['init [3]', '', '', '', '', '', '', '', ''], vm: 10344, rss: 684, file: 540, pte: 36, cpu: 19.8, start: 0.01, exe: 36, lib: 1536, sig: {blk: '0000000000000000', ign: '0000000000000000', cgt: '00000000280b2603'}},
    {pid: 486, comm: 'udevd', argv: ['/sbin/udevd', '-d'], vm: 12880, rss: 1096, file: 640, pte: 40, cpu: 4.1, start: 9.7, nice: -4, exe: 68, lib: 1800},
    {pid: 2418, comm: 'auditd', argv: ['auditd'], vm: 90124, rss: 760, file: 560, pte: 44, threads: 2, cpu: 38.2, start: 31.2, nice: -4, exe: 76, lib: 2300},
    {pid: 2451, comm: 'syslogd', argv: ['syslogd', '-m', '0'], vm: 5912, rss: 704, file: 520, pte: 28, cpu: 71.5, start: 31.6, exe: 32, lib: 1560},
    {pid: 2454, comm: 'klogd', argv: ['klogd', '-x'], vm: 3804, rss: 452, file: 340, pte: 24, cpu: 12.9, start: 31.7, exe: 20, lib: 1480},
    {pid: 2478, comm: 'irqbalance', argv: ['irqbalance'], vm: 10180, rss: 364, file: 280, pte: 28, cpu: 210.3, start: 32.0, exe: 24, lib: 1500},
    {pid: 2631, comm: 'dbus-daemon', argv: ['dbus-daemon', '--system'], uid: 81, vm: 21264, rss: 1036, file: 720, pte: 32, cpu: 2.0, start: 33.5, exe: 340, lib: 2900},
    {pid: 2702, comm: 'hald', argv: ['hald'], uid: 68, vm: 30412, rss: 4128, file: 1720, pte: 56, cpu: 680.4, start: 34.4, exe: 292, lib: 4900},
    {pid: 2703, ppid: 2702, comm: 'hald-runner', argv: ['hald-runner'], vm: 21684, rss: 1012, file: 700, pte: 40, cpu: 9.8, start: 34.6, exe: 24, lib: 3300},
    {pid: 2752, comm: 'acpid', argv: ['acpid'], vm: 3824, rss: 560, file: 380, pte: 24, cpu: 0.7, start: 34.7, exe: 24, lib: 1480},
    {pid: 2856, comm: 'sshd', argv: ['/usr/sbin/sshd'], vm: 62632, rss: 1204, file: 900, pte: 52, cpu: 11.3, start: 35.1, exe: 404, lib: 5700},
    {pid: 2871, comm: 'ntpd', argv: ['ntpd', '-u', 'ntp:ntp', '-p', '/var/run/ntpd.pid', '-g'], uid: 38, vm: 19124, rss: 4740, file: 1400, pte: 36, cpu: 96.2, start: 35.3, exe: 400, lib: 3800},
    {pid: 2893, comm: 'sendmail', argv: ['sendmail: accepting connections', '', '', '', ''], vm: 80160, rss: 1872, file: 1200, pte: 72, cpu: 23.6, start: 35.9, exe: 752, lib: 6400},
    {pid: 2901, comm: 'sendmail', argv: ['sendmail: Queue runner@01:00:00 for /var/spool/clientmqueue', '', ''], uid: 51, vm: 70896, rss: 1556, file: 1100, pte: 64, cpu: 3.0, start: 36.0, exe: 752, lib: 6400},
    {pid: 2925, comm: 'crond', argv: ['crond'], vm: 72636, rss: 1212, file: 880, pte: 56, cpu: 141.7, start: 36.4, exe: 48, lib: 6100},
    {pid: 2960, comm: 'mysqld_safe', argv: ['/bin/sh', '/usr/bin/mysqld_safe', '--datadir=/var/lib/mysql', '--socket=/var/lib/mysql/mysql.sock', '--pid-file=/var/run/mysqld/mysqld.pid', '--basedir=/usr', '--user=mysql'], vm: 63860, rss: 1236, file: 860, pte: 48, cpu: 0.4, start: 37.0, exe: 700, lib: 1700, sig: SH},
    {pid: 3012, ppid: 2960, comm: 'mysqld', argv: ['/usr/libexec/mysqld', '--basedir=/usr', '--datadir=/var/lib/mysql', '--user=mysql', '--pid-file=/var/run/mysqld/mysqld.pid', '--skip-external-locking', '--socket=/var/lib/mysql/mysql.sock'], uid: 27, vm: 716812, rss: 339748, file: 7900, pte: 1020, threads: 22, cpu: 50400, start: 37.6, exe: 6020, lib: 5600},
    {pid: 3055, comm: 'httpd', argv: ['/usr/sbin/httpd'], vm: 302148, rss: 9184, file: 5600, pte: 188, cpu: 2730, start: 39.0, exe: 316, lib: 22000},
    {pid: 3140, comm: 'java', argv: ['/usr/java/jdk1.6.0_14/bin/java', '-server', '-Xms512m', '-Xmx1536m', '-XX:MaxPermSize=192m', '-Djava.awt.headless=true', '-jar', '/opt/billing/billing-server.jar'], uid: 500, groups: [500], vm: 1992864, rss: 598212, file: 28400, pte: 2360, threads: 87, cpu: 108540, start: 41.3, exe: 52, lib: 38000},
    {pid: 3571, comm: 'xenstored', argv: ['xenstored', '--pid-file', '/var/run/xenstore.pid'], vm: 9676, rss: 1520, file: 560, pte: 32, cpu: 1840, start: 42.0, exe: 88, lib: 1600},
    {pid: 3576, comm: 'xenconsoled', argv: ['xenconsoled'], vm: 13704, rss: 716, file: 520, pte: 28, cpu: 40.1, start: 42.2, exe: 36, lib: 2300},
    {pid: 3580, comm: 'blktapctrl', argv: ['blktapctrl'], vm: 12340, rss: 548, file: 420, pte: 28, cpu: 0.5, start: 42.3, exe: 48, lib: 2300},
    {pid: 3583, comm: 'python', argv: ['python', '/usr/sbin/xend', 'start'], vm: 112784, rss: 4968, file: 3100, pte: 96, cpu: 0.8, start: 42.5, exe: 4, lib: 9800},
    {pid: 3584, ppid: 3583, comm: 'python', argv: ['python', '/usr/sbin/xend', 'start'], vm: 211464, rss: 31212, file: 4800, pte: 240, threads: 24, cpu: 32400, start: 42.9, exe: 4, lib: 14900},
    ...[1, 2, 3, 4, 5, 6].map((n) => ({pid: 3700 + n, comm: 'mingetty', argv: ['/sbin/mingetty', `tty${n}`], vm: 3808, rss: 460, file: 360, pte: 24, cpu: 0, start: 44 + n / 10, exe: 16, lib: 1480, tty: 1024 + n, tpgid: 3700 + n, sig: SIG_DEFAULT})),
    // qemu-dm of the HVM guest: started by xend when win2k3-hvm (re)booted 9 days ago as domain 5.
    {pid: 30113, ppid: 3584, comm: 'qemu-dm', argv: ['/usr/lib64/xen/bin/qemu-dm', '-d', '5', '-m', '512', '-boot', 'c', '-serial', 'pty', '-vcpus', '1', '-acpi', '-usb', '-usbdevice', 'tablet', '-domain-name', 'win2k3-hvm', '-net', 'nic,vlan=1,macaddr=00:16:3e:5a:21:07,model=rtl8139', '-net', 'tap,vlan=1,bridge=xenbr0', '-vnc', '127.0.0.1:0', '-vncunused'], vm: 103016, rss: 20388, file: 2400, pte: 148, threads: 3, cpu: 79200, start: captureAgo(777600), exe: 1900, lib: 6900},
    // Six apache workers, recycled by MaxRequestsPerChild over the last hours.
    ...[[19004, 14210, 402], [21377, 9873, 270], [22810, 6120, 188], [24031, 3982, 121], [25518, 1811, 57], [26106, 604, 19]].map(([p, ago, cpu], i) => ({
      pid: p, ppid: 3055, comm: 'httpd', argv: ['/usr/sbin/httpd'], uid: 48, groups: [48], vm: 302512 + i * 264, rss: 23468 + [412, -236, 88, 1020, -604, -980][i], file: 5600, pte: 260, cpu, start: captureAgo(ago), exe: 316, lib: 22000,
    })),
    // The admin's ssh login at 01:58, to look into the "Memory squeeze" messages.
    {pid: 20871, ppid: 2856, comm: 'sshd', argv: ['sshd: root@pts/0', '', '', '', '', '', '', ''], vm: 90108, rss: 3316, file: 1600, pte: 88, cpu: 0.3, start: captureAgo(960), exe: 404, lib: 7900},
    {pid: 20873, ppid: 20871, comm: 'bash', argv: ['-bash'], vm: 66068, rss: 1676, file: 1100, pte: 48, cpu: 0.1, start: captureAgo(958), exe: 700, lib: 1700, groups: [0, 1, 2, 3, 4, 6, 10], tty: 34816, tpgid: 20873, sig: SH, state: 'R'},
    // cron: the nightly backup (02:00) and the */5 watchdog job (02:10), each under vixie-cron's
    // own per-job crond child.
    {pid: 22094, ppid: 2925, comm: 'crond', argv: ['crond'], vm: 72636, rss: 820, file: 600, pte: 56, cpu: 0, start: captureAgo(839), exe: 48, lib: 6100},
    {pid: 22096, ppid: 22094, comm: 'sh', argv: ['/bin/sh', '-c', '/usr/local/bin/backup.sh'], vm: 63860, rss: 1184, file: 860, pte: 44, cpu: 0.1, start: captureAgo(839), exe: 700, lib: 1700, sig: SH},
    {pid: 22101, ppid: 22096, comm: 'rsync', argv: ['rsync', '-aHx', '--delete', '--numeric-ids', '/srv/', '/etc/xen/', 'backup@backup01.example.org:/backup/xen07/'], vm: 104492, rss: 41236, file: 1100, pte: 120, cpu: 92, start: captureAgo(838), exe: 380, lib: 2900, state: 'D'},
    {pid: 22102, ppid: 22101, comm: 'ssh', argv: ['ssh', '-l', 'backup', 'backup01.example.org', 'rsync', '--server', '-logDtprxHe.is', '--delete', '--numeric-ids', '.', '/backup/xen07/'], vm: 58652, rss: 2152, file: 1300, pte: 56, cpu: 61, start: captureAgo(838), exe: 400, lib: 5800},
    {pid: 22987, ppid: 2925, comm: 'crond', argv: ['crond'], vm: 72636, rss: 812, file: 600, pte: 56, cpu: 0, start: captureAgo(239), exe: 48, lib: 6100},
    {pid: 22989, ppid: 22987, comm: 'sh', argv: ['/bin/sh', '-c', '/usr/local/bin/watchdog.sh'], vm: 63860, rss: 1236, file: 860, pte: 44, cpu: 0.1, start: captureAgo(239), exe: 700, lib: 1700, sig: SH},
  ]
  const host = {sigqLimit}
  const specs = [...K, ...U].sort((a, b) => a.pid - b.pid)
  const procs = specs.map((s) => makeProcess(s, '2.6.18', rand))
  // Sessions: a forked child keeps its parent's process group and session unless it set its own.
  const byPid = new Map(procs.map((p) => [p.pid, p]))
  for (const p of procs) {
    if (p.kthread || p.ppid <= 1) continue
    const parent = byPid.get(p.ppid)
    if (['sshd', 'crond'].includes(parent.comm) && p.comm !== 'crond') continue // setsid() in the child
    p.pgid = p.comm === 'bash' ? p.pid : parent.pgid
    p.sid = parent.comm === 'sshd' ? p.sid : parent.sid
  }
  for (const p of procs) {
    p.files = {
      status: status2618(p, host),
      stat: stat2618(p),
      cmdline: cmdlineText(p),
      oom_score: `${badness2618(p, procs, Math.floor(UPTIME))}\n`,
      oom_adj: `${p.oomAdj}\n`,
    }
  }

  // ---- /proc/meminfo (2.6.18 meminfo_read_proc), built from the process table.
  const user = procs.filter((p) => !p.kthread)
  const rssTotal = sum(user, (p) => p.rss)
  const fileMappedTotal = sum(user, (p) => p.rssFile)
  const anonPages = rssTotal - fileMappedTotal
  const pageTables = sum(user, (p) => p.pte) + 212
  const memFree = 19732
  const buffers = 2948
  const cached = 68516 // squeezed: swap is nearly full and kswapd has taken most of the page cache
  const swapCached = 9412
  const kernelOther = 36860 // kernel stacks, vmalloc'd and driver pages, netback/blkback rings, skbs queued by the squeeze
  const slab = memTotal - memFree - buffers - cached - swapCached - anonPages - pageTables - bootReserved - kernelOther
  must(slab >= 60 * MiB && slab <= 140 * MiB, `seed-incident: slab comes out at ${slab} kB; adjust the process table`)
  const swapTotal = 1048568
  const swapFree = 71612
  const mapped = 38920
  const meminfo2618 = [
    ['MemTotal', memTotal], ['MemFree', memFree], ['Buffers', buffers], ['Cached', cached], ['SwapCached', swapCached],
    ['Active', anonPages + Math.floor(cached * 0.62) + swapCached - 184212], ['Inactive', 184212 + cached - Math.floor(cached * 0.62) + buffers],
    ['HighTotal', 0], ['HighFree', 0], ['LowTotal', memTotal], ['LowFree', memFree],
    ['SwapTotal', swapTotal], ['SwapFree', swapFree], ['Dirty', 1284], ['Writeback', 0], ['AnonPages', anonPages], ['Mapped', mapped],
    ['Slab', slab], ['PageTables', pageTables], ['NFS_Unstable', 0], ['Bounce', 0],
    ['CommitLimit', Math.floor(memTotal / 2) + swapTotal], ['Committed_AS', 3872544],
    ['VmallocTotal', 34359738367], ['VmallocUsed', 12328], ['VmallocChunk', 34359725559],
  ].map(([k, v]) => `${`${k}:`.padEnd(14)}${pad(v, 8)} kB\n`).join('')

  // The MemAvailable estimate memguard makes on this kernel (src/linux/meminfo.ts), to check the
  // story: `xm mem-set 0 256` must need more than every process's RSS together.
  const estimate = memFree - (Math.floor((minFree * 3) / 2) + Math.floor(memTotal / 256)) + (buffers + cached) - Math.min(Math.floor((buffers + cached) / 2), Math.floor((minFree * 5) / 4))
  const oomDeficit = (allocationKiB - 256 * MiB) - (estimate - minFree)
  const killable = sum(user.filter((p) => p.pid !== 1), (p) => p.rss)
  must(estimate <= 150 * MiB, `seed-incident: MemAvailable estimate ${estimate} kB is too large for the story`)
  must(killable + 24 * MiB < oomDeficit, `seed-incident: killing every process frees ${killable} kB, not less than the ${oomDeficit} kB the balloon needs`)

  // ---- Xen: domains (MiB). total_memory 8191 = domains + Xen's own (frame table, m2p, heaps) + free.
  const domains = [
    {id: 0, name: 'Domain-0', mem: 1536, vcpus: 4, state: 'r-----', time: 312845.6},
    {id: 1, name: 'web01', mem: 2048, vcpus: 2, state: '-b----', time: 91234.7, mac: '00:16:3e:1d:06:15', disks: ['xvda'], start: 61.0},
    {id: 2, name: 'db01', mem: 3072, vcpus: 2, state: '-b----', time: 187302.2, mac: '00:16:3e:33:a8:02', disks: ['xvda', 'xvdb'], start: 67.8},
    {id: 3, name: 'mail', mem: 896, vcpus: 1, state: '-b----', time: 20377.9, mac: '00:16:3e:6e:11:4c', disks: ['xvda'], start: 74.3},
    {id: 5, name: 'win2k3-hvm', mem: 512, vcpus: 1, state: '-b----', time: 48911.3, mac: '00:16:3e:5a:21:07', hvm: true, start: UPTIME - 777600},
  ]
  const xenOwnMiB = 104
  const freeMiB = 8191 - sum(domains, (d) => d.mem) - xenOwnMiB
  must(freeMiB > 0 && freeMiB < 64, `seed-incident: ${freeMiB} MiB free in Xen`)
  const xmList = [
    `${'Name'.padEnd(40)} ${'ID'.padStart(3)} ${'Mem(MiB)'.padStart(8)} ${'VCPUs'.padStart(5)} ${'State'.padEnd(6)} ${'Time(s)'.padStart(8)}`,
    ...domains.map((d) => `${d.name.padEnd(40)} ${pad(d.id, 3)} ${pad(d.mem, 8)} ${pad(d.vcpus, 5)} ${d.state} ${pad(d.time.toFixed(1), 8)}`),
  ].join('\n') + '\n'
  const bootEpoch = Date.UTC(2009, 5, 12, 2, 14, 0) / 1000 - UPTIME
  const uuid = (n) => `${hex(0x6c1d1b4e + n * 0x1111, 8)}-${hex(0x3a2f + n, 4)}-${hex(0x4e1b + n, 4)}-${hex(0x9c07 + n, 4)}-00163e${hex(0x1d0615 + n * 0x101, 6)}`
  const sxpDom0 = [
    '(domain',
    '    (domid 0)',
    '    (on_crash restart)',
    '    (uuid 00000000-0000-0000-0000-000000000000)',
    '    (bootloader_args )',
    '    (vcpus 4)',
    '    (name Domain-0)',
    '    (on_poweroff destroy)',
    '    (on_reboot restart)',
    '    (bootloader )',
    '    (maxmem 16777215)',
    '    (memory 1536)',
    '    (shadow_memory 0)',
    '    (cpu_weight 256)',
    '    (cpu_cap 0)',
    '    (features )',
    '    (on_xend_start ignore)',
    '    (on_xend_stop ignore)',
    '    (cpu_time 312845.582963)',
    '    (online_vcpus 4)',
    '    (image (linux (kernel )))',
    '    (status 2)',
    '    (state r-----)',
    ')',
  ]
  const sxpDomU = (d) => {
    const image = d.hvm
      ? [
          '    (image',
          '        (hvm',
          '            (kernel /usr/lib/xen/boot/hvmloader)',
          '            (device_model /usr/lib64/xen/bin/qemu-dm)',
          '            (pae 1)',
          '            (vcpus 1)',
          '            (boot c)',
          '            (serial pty)',
          '            (acpi 1)',
          '            (apic 1)',
          '            (usb 1)',
          '            (usbdevice tablet)',
          '            (vnc 1)',
          '            (vncunused 1)',
          "            (vnclisten 127.0.0.1)",
          '            (display localhost:10.0)',
          '        )',
          '    )',
        ]
      : [
          '    (image',
          '        (linux',
          `            (ramdisk /var/lib/xen/boot_ramdisk.${hex(0x4f2a + d.id * 7, 6)})`,
          `            (kernel /var/lib/xen/boot_kernel.${hex(0x4f2b + d.id * 7, 6)})`,
          "            (args 'ro root=/dev/VolGroup00/LogVol00 console=xvc0')",
          '        )',
          '    )',
        ]
    const devices = d.hvm
      ? [
          '    (device',
          '        (vif',
          '            (backend 0)',
          '            (script vif-bridge)',
          '            (bridge xenbr0)',
          `            (mac ${d.mac})`,
          '            (type ioemu)',
          '        )',
          '    )',
          '    (device',
          '        (vbd',
          '            (backend 0)',
          '            (dev hda:disk)',
          `            (uname phy:/dev/vg_guests/${d.name})`,
          '            (mode w)',
          '        )',
          '    )',
        ]
      : [
          '    (device',
          '        (vif',
          '            (backend 0)',
          '            (script vif-bridge)',
          '            (bridge xenbr0)',
          `            (mac ${d.mac})`,
          '        )',
          '    )',
          ...d.disks.flatMap((disk) => [
            '    (device',
            '        (vbd',
            '            (backend 0)',
            `            (dev ${disk}:disk)`,
            `            (uname phy:/dev/vg_guests/${d.name}${disk === 'xvda' ? '' : `-${disk}`})`,
            '            (mode w)',
            '        )',
            '    )',
          ]),
        ]
    return [
      '(domain',
      `    (domid ${d.id})`,
      `    (uuid ${uuid(d.id)})`,
      `    (vcpus ${d.vcpus})`,
      '    (cpu_weight 256)',
      `    (memory ${d.mem})`,
      `    (shadow_memory ${d.hvm ? 5 : 0})`,
      `    (maxmem ${d.mem})`,
      d.hvm ? '    (bootloader )' : '    (bootloader /usr/bin/pygrub)',
      '    (features )',
      `    (name ${d.name})`,
      '    (on_poweroff destroy)',
      '    (on_reboot restart)',
      '    (on_crash restart)',
      ...image,
      ...devices,
      '    (state -b----)',
      '    (shutdown_reason poweroff)',
      `    (cpu_time ${d.time.toFixed(6)})`,
      `    (online_vcpus ${d.vcpus})`,
      `    (up_time ${(UPTIME - d.start).toFixed(4)})`,
      `    (start_time ${(bootEpoch + d.start).toFixed(2)})`,
      `    (store_mfn ${1960000 + d.id * 1023})`,
      `    (console_mfn ${1960000 + d.id * 1023 - 1})`,
      ')',
    ]
  }
  const xmListLong = [...sxpDom0, ...domains.slice(1).flatMap(sxpDomU)].join('\n') + '\n'

  const xmInfo = [
    ['host', 'xen07.example.org'],
    ['release', '2.6.18-348.el5xen'],
    ['version', '#1 SMP Tue Jan 8 18:35:36 EST 2013'],
    ['machine', 'x86_64'],
    ['nr_cpus', '4'],
    ['nr_nodes', '1'],
    ['sockets_per_node', '1'],
    ['cores_per_socket', '4'],
    ['threads_per_core', '1'],
    ['cpu_mhz', '2394'],
    ['hw_caps', 'bfebfbff:20100800:00000000:00000140:0000e3bd:00000000:00000001'],
    ['total_memory', '8191'],
    ['free_memory', String(freeMiB)],
    ['node_to_cpu', 'node0:0-3'],
    ['xen_major', '3'],
    ['xen_minor', '1'],
    ['xen_extra', '.2-348.el5'],
    ['xen_caps', 'xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 '],
    ['xen_pagesize', '4096'],
    ['platform_params', 'virt_start=0xffff800000000000'],
    ['xen_changeset', 'unavailable'],
    ['cc_compiler', 'gcc version 4.1.2 20080704 (Red Hat 4.1.2-54)'],
    ['cc_compile_by', 'mockbuild'],
    ['cc_compile_domain', 'centos.org'],
    ['cc_compile_date', 'Tue Jan  8 18:14:48 EST 2013'],
    ['xend_config_format', '2'],
  ].map(([k, v]) => `${k.padEnd(23)}: ${v}`).join('\n') + '\n'

  const physMachBytes = bootPages * 8
  const pmStart = 0xffffffff80a90000n
  const pmEnd = pmStart + BigInt(physMachBytes)
  const xmDmesg = [
    '(XEN) Xen version 3.1.2-348.el5 (mockbuild@centos.org) (gcc version 4.1.2 20080704 (Red Hat 4.1.2-54)) Tue Jan  8 18:14:48 EST 2013',
    '(XEN) Latest ChangeSet: unavailable',
    '(XEN) Command line: /xen.gz-2.6.18-348.el5',
    '(XEN) Video information:',
    '(XEN)  VGA is text mode 80x25, font 8x16',
    '(XEN)  VBE/DDC methods: V2; EDID transfer time: 1 seconds',
    '(XEN) Disc information:',
    '(XEN)  Found 1 MBR signatures',
    '(XEN)  Found 1 EDD information structures',
    '(XEN) Xen-e820 RAM map:',
    '(XEN)  0000000000000000 - 000000000009f800 (usable)',
    '(XEN)  000000000009f800 - 00000000000a0000 (reserved)',
    '(XEN)  00000000000e0000 - 0000000000100000 (reserved)',
    '(XEN)  0000000000100000 - 00000000cff80000 (usable)',
    '(XEN)  00000000cff80000 - 00000000cff8e000 (ACPI data)',
    '(XEN)  00000000cff8e000 - 00000000cffe0000 (ACPI NVS)',
    '(XEN)  00000000cffe0000 - 00000000d0000000 (reserved)',
    '(XEN)  00000000fee00000 - 00000000fee01000 (reserved)',
    '(XEN)  00000000ffe00000 - 0000000100000000 (reserved)',
    '(XEN)  0000000100000000 - 0000000230000000 (usable)',
    '(XEN) System RAM: 8191MB (8388092kB)',
    '(XEN) Xen heap: 13MB (13724kB)',
    '(XEN) Domain heap initialised: DMA width 32 bits',
    '(XEN) Processor #0 7:15 APIC version 20',
    '(XEN) Processor #1 7:15 APIC version 20',
    '(XEN) Processor #2 7:15 APIC version 20',
    '(XEN) Processor #3 7:15 APIC version 20',
    '(XEN) IOAPIC[0]: apic_id 4, version 32, address 0xfec00000, GSI 0-23',
    '(XEN) Enabling APIC mode:  Flat.  Using 1 I/O APICs',
    '(XEN) Using scheduler: SMP Credit Scheduler (credit)',
    '(XEN) Detected 2394.050 MHz processor.',
    '(XEN) HVM: VMX enabled',
    '(XEN) CPU0: Intel(R) Xeon(R) CPU           X3220  @ 2.40GHz stepping 0b',
    '(XEN) Booting processor 1/1 eip 90000',
    '(XEN) CPU1: Intel(R) Xeon(R) CPU           X3220  @ 2.40GHz stepping 0b',
    '(XEN) Booting processor 2/2 eip 90000',
    '(XEN) CPU2: Intel(R) Xeon(R) CPU           X3220  @ 2.40GHz stepping 0b',
    '(XEN) Booting processor 3/3 eip 90000',
    '(XEN) CPU3: Intel(R) Xeon(R) CPU           X3220  @ 2.40GHz stepping 0b',
    '(XEN) Total of 4 processors activated.',
    '(XEN) ENABLING IO-APIC IRQs',
    '(XEN)  -> Using new ACK method',
    '(XEN) Platform timer overflows in 14998 jiffies.',
    '(XEN) Platform timer is 14.318MHz HPET',
    '(XEN) Brought up 4 CPUs',
    '(XEN) *** LOADING DOMAIN 0 ***',
    '(XEN)  Xen  kernel: 64-bit, lsb, compat32',
    '(XEN)  Dom0 kernel: 64-bit, lsb, paddr 0xffffffff80200000 -> 0xffffffff8056a9a8',
    '(XEN) PHYSICAL MEMORY ARRANGEMENT:',
    `(XEN)  Dom0 alloc.:   0000000218000000->000000021c000000 (${bootPages} pages to be allocated)`,
    '(XEN) VIRTUAL MEMORY ARRANGEMENT:',
    '(XEN)  Loaded kernel: ffffffff80200000->ffffffff8056a9a8',
    '(XEN)  Init. ramdisk: ffffffff8056b000->ffffffff80a8fa00',
    `(XEN)  Phys-Mach map: ${pmStart.toString(16)}->${pmEnd.toString(16)}`,
    `(XEN)  Start info:    ${pmEnd.toString(16)}->${(pmEnd + 0x49cn).toString(16)}`,
    `(XEN)  Page tables:   ${(pmEnd + 0x1000n).toString(16)}->${(pmEnd + 0x14000n).toString(16)}`,
    `(XEN)  Boot stack:    ${(pmEnd + 0x14000n).toString(16)}->${(pmEnd + 0x15000n).toString(16)}`,
    '(XEN)  TOTAL:         ffffffff80000000->ffffffff81c00000',
    '(XEN)  ENTRY ADDRESS: ffffffff80200000',
    '(XEN) Dom0 has maximum 4 VCPUs',
    '(XEN) Scrubbing Free RAM: .done.',
    '(XEN) Xen trace buffers: disabled',
    '(XEN) Std. Loglevel: Errors and warnings',
    '(XEN) Guest Loglevel: Nothing (Rate-limited: Errors and warnings)',
    '(XEN) Xen is relinquishing VGA console.',
    "(XEN) *** Serial input -> DOM0 (type 'CTRL-a' three times to switch input to Xen).",
    '(XEN) Freed 104kB init memory.',
    '(XEN) HVM5: HVM Loader',
    '(XEN) HVM5: Detected Xen v3.1.2-348.el5',
    '(XEN) HVM5: Writing SMBIOS tables ...',
    '(XEN) HVM5: Loading ROMBIOS ...',
    '(XEN) HVM5: Creating MP tables ...',
    '(XEN) HVM5: Loading Cirrus VGABIOS ...',
    '(XEN) HVM5: Loading ACPI ...',
    '(XEN) HVM5: Invoking ROMBIOS ...',
  ].join('\n') + '\n'

  // dom0's ring buffer: no timestamps (CONFIG_PRINTK_TIME is off in RHEL5). The boot head, the
  // guests' backends coming up, then weeks later the netback squeeze. No OOM yet.
  const vifLines = (dom, port) => [
    `device vif${dom}.0 entered promiscuous mode`,
    `ADDRCONF(NETDEV_UP): vif${dom}.0: link is not ready`,
    `ADDRCONF(NETDEV_CHANGE): vif${dom}.0: link becomes ready`,
    `xenbr0: port ${port}(vif${dom}.0) entering learning state`,
    'xenbr0: topology change detected, propagating',
    `xenbr0: port ${port}(vif${dom}.0) entering forwarding state`,
  ]
  const squeeze = []
  for (const suppressed of [7, 12, 4, 31, 18, 9, 44, 27, 15, 38]) squeeze.push('xen_net: Memory squeeze in netback driver.', `printk: ${suppressed} messages suppressed.`)
  squeeze.push('xen_net: Memory squeeze in netback driver.')
  const dmesg2618 = [
    'Bootdata ok (command line is ro root=/dev/VolGroup00/LogVol00 rhgb quiet)',
    'Linux version 2.6.18-348.el5xen (mockbuild@builder10.centos.org) (gcc version 4.1.2 20080704 (Red Hat 4.1.2-54)) #1 SMP Tue Jan 8 18:35:36 EST 2013',
    'BIOS-provided physical RAM map:',
    ` Xen: 0000000000000000 - ${hex(bootKiB * 1024, 16)} (usable)`,
    'DMI 2.5 present.',
    'ACPI: LAPIC (acpi_id[0x01] lapic_id[0x00] enabled)',
    'ACPI: LAPIC (acpi_id[0x02] lapic_id[0x01] enabled)',
    'ACPI: LAPIC (acpi_id[0x03] lapic_id[0x02] enabled)',
    'ACPI: LAPIC (acpi_id[0x04] lapic_id[0x03] enabled)',
    'ACPI: IOAPIC (id[0x04] address[0xfec00000] gsi_base[0])',
    'IOAPIC[0]: apic_id 4, version 32, address 0xfec00000, GSI 0-23',
    'Setting APIC routing to xen',
    'Using ACPI (MADT) for SMP configuration information',
    'Allocating PCI resources starting at d4000000 (gap: d0000000:2ee00000)',
    `Built 1 zonelists.  Total pages: ${bootPages}`,
    'Kernel command line: ro root=/dev/VolGroup00/LogVol00 rhgb quiet',
    'Initializing CPU#0',
    'PID hash table entries: 4096 (order: 12, 32768 bytes)',
    'Xen reported: 2394.050 MHz processor.',
    'Console: colour VGA+ 80x25',
    'Dentry cache hash table entries: 1048576 (order: 11, 8388608 bytes)',
    'Inode-cache hash table entries: 524288 (order: 10, 4194304 bytes)',
    'Software IO TLB enabled: ',
    ' Aperture:     64 megabytes',
    ' Kernel range: ffff880001e80000 - ffff880005e80000',
    ' Address size: 30 bits',
    'PCI-DMA: Using software bounce buffering for IO (SWIOTLB)',
    `Memory: ${bootKiB - bootReserved}k/${bootKiB}k available (2511k kernel code, ${bootReserved - 4063}k reserved, 1348k data, 204k init)`,
    'Calibrating delay using timer specific routine.. 5988.95 BogoMIPS (lpj=11977904)',
    'Security Framework v1.0.0 initialized',
    'SELinux:  Initializing.',
    'Mount-cache hash table entries: 256',
    'CPU: L1 I cache: 32K, L1 D cache: 32K',
    'CPU: L2 cache: 4096K',
    'Brought up 4 CPUs',
    'NET: Registered protocol family 16',
    'ACPI: bus type pci registered',
    'PCI: Using configuration type 1',
    'ACPI: Interpreter enabled',
    'xen_mem: Initialising balloon driver.',
    'usbcore: registered new driver usbfs',
    'PCI: Using ACPI for IRQ routing',
    'NET: Registered protocol family 2',
    'IP route cache hash table entries: 262144 (order: 9, 2097152 bytes)',
    'TCP established hash table entries: 524288 (order: 11, 8388608 bytes)',
    'TCP: Hash tables configured (established 524288 bind 65536)',
    'audit: initializing netlink socket (disabled)',
    'Total HugeTLB memory allocated, 0',
    'Serial: 8250/16550 driver $Revision: 1.90 $ 4 ports, IRQ sharing enabled',
    'Xen virtual console successfully installed as ttyS0',
    'Event-channel device installed.',
    'blktap_device_init: blktap device major 253',
    'blktap_ring_init: blktap ring major: 252',
    'netfront: Initialising virtual ethernet driver.',
    'Intel(R) PRO/1000 Network Driver - version 7.3.21-k8-NAPI',
    'ahci 0000:00:1f.2: AHCI 0001.0100 32 slots 6 ports 3 Gbps 0x3f impl SATA mode',
    'ata1: SATA link up 3.0 Gbps (SStatus 123 SControl 300)',
    'ata1.00: ATA-7: ST3500320NS, SN05, max UDMA/133',
    'ata1.00: 976773168 sectors, multi 0: LBA48 NCQ (depth 31/32)',
    'scsi 0:0:0:0: Direct-Access     ATA      ST3500320NS      SN05 PQ: 0 ANSI: 5',
    'SCSI device sda: 976773168 512-byte hdwr sectors (500108 MB)',
    ' sda: sda1 sda2',
    'device-mapper: ioctl: 4.11.6-ioctl (2011-02-18) initialised: dm-devel@redhat.com',
    'kjournald starting.  Commit interval 5 seconds',
    'EXT3-fs: mounted filesystem with ordered data mode.',
    'SELinux:  Disabled at runtime.',
    'type=1404 audit(1241219632.411:2): selinux=0 auid=4294967295 ses=4294967295',
    'Adding 1048568k swap on /dev/VolGroup00/LogVol01.  Priority:-1 extents:1 across:1048568k',
    'e1000: eth0: e1000_watchdog: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None',
    'Bridge firewalling registered',
    'device peth0 entered promiscuous mode',
    'xenbr0: port 1(peth0) entering learning state',
    'xenbr0: topology change detected, propagating',
    'xenbr0: port 1(peth0) entering forwarding state',
    ...vifLines(1, 2),
    'blkback: ring-ref 8, event-channel 9, protocol 1 (x86_64-abi)',
    ...vifLines(2, 3),
    'blkback: ring-ref 8, event-channel 9, protocol 1 (x86_64-abi)',
    'blkback: ring-ref 9, event-channel 10, protocol 1 (x86_64-abi)',
    ...vifLines(3, 4),
    'blkback: ring-ref 8, event-channel 9, protocol 1 (x86_64-abi)',
    'tap4.0: no IPv6 routers present',
    'xenbr0: port 5(tap4.0) entering disabled state',
    'device tap4.0 left promiscuous mode',
    'xenbr0: port 5(tap4.0) entering disabled state',
    'device tap5.0 entered promiscuous mode',
    'xenbr0: port 5(tap5.0) entering learning state',
    'xenbr0: topology change detected, propagating',
    'xenbr0: port 5(tap5.0) entering forwarding state',
    ...squeeze,
  ].join('\n') + '\n'

  const balloon = [
    `Current allocation: ${pad(allocationKiB, 8)} kB`,
    `Requested target:   ${pad(allocationKiB, 8)} kB`,
    `Low-mem balloon:    ${pad(lowMemBalloonKiB, 8)} kB`,
    `High-mem balloon:   ${pad(0, 8)} kB`,
    `Driver pages:       ${pad(0, 8)} kB`,
    'Xen hard limit:          ??? kB',
  ].join('\n') + '\n'

  const grubConf = `# grub.conf generated by anaconda
#
# Note that you do not have to rerun grub after making changes to this file
# NOTICE:  You have a /boot partition.  This means that
#          all kernel and initrd paths are relative to /boot/, eg.
#          root (hd0,0)
#          kernel /vmlinuz-version ro root=/dev/VolGroup00/LogVol00
#          initrd /initrd-version.img
#boot=/dev/sda
default=0
timeout=5
splashimage=(hd0,0)/grub/splash.xpm.gz
hiddenmenu
title CentOS (2.6.18-348.el5xen)
	root (hd0,0)
	kernel /xen.gz-2.6.18-348.el5
	module /vmlinuz-2.6.18-348.el5xen ro root=/dev/VolGroup00/LogVol00 rhgb quiet
	module /initrd-2.6.18-348.el5xen.img
title CentOS (2.6.18-348.el5)
	root (hd0,0)
	kernel /vmlinuz-2.6.18-348.el5 ro root=/dev/VolGroup00/LogVol00 rhgb quiet
	initrd /initrd-2.6.18-348.el5.img
`
  const xendConfig = `# -*- sh -*-

#
# Xend configuration file.
#

# This example configuration is appropriate for an installation that 
# utilizes a bridged network configuration. Access to xend via http
# is disabled.  

# Commented out entries show the default for that entry, unless otherwise
# specified.

#(logfile /var/log/xen/xend.log)
#(loglevel DEBUG)

#(xend-http-server no)
(xend-unix-server yes)
#(xend-tcp-xmlrpc-server no)
#(xend-unix-xmlrpc-server yes)
#(xend-relocation-server no)
(xend-relocation-server yes)

#(xend-unix-path /var/lib/xend/xend-socket)

#(xend-port            8000)
#(xend-relocation-port 8002)

#(xend-address localhost)
(xend-relocation-hosts-allow '^localhost$ ^localhost\\\\.localdomain$')

##
# To bridge network traffic, like this:
#
# dom0: ----------------- bridge -> real eth0 -> the network
#                            |
# domU: fake eth0 -> vifN.0 -+
#
(network-script network-bridge)
(vif-script vif-bridge)

# Dom0 will balloon out when needed to free memory for domU.
# dom0-min-mem is the lowest memory level (in MB) dom0 will get down to.
# If dom0-min-mem=0, dom0 will never balloon out.
(dom0-min-mem 256)

# In SMP system, dom0 will use dom0-cpus # of CPUS
# If dom0-cpus = 0, dom0 will take all cpus available
(dom0-cpus 0)

# Whether to enable core-dumps when domains crash.
#(enable-dump no)

# The tool used for initiating virtual TPM migration
#(external-migration-tool '')

# The interface for VNC servers to listen on. Defaults
# to 127.0.0.1  To restore old 'listen everywhere' behaviour
# set this to 0.0.0.0
#(vnc-listen '127.0.0.1')

# The default password for VNC console on HVM domain.
# Empty string is no authentication.
(vncpasswd '')
`

  const sysctls = {
    '/proc/sys/vm/overcommit_memory': '0\n',
    '/proc/sys/vm/overcommit_ratio': '50\n',
    '/proc/sys/vm/min_free_kbytes': `${minFree}\n`,
    '/proc/sys/vm/panic_on_oom': '0\n',
    '/proc/sys/vm/swappiness': '60\n',
    '/proc/sys/kernel/panic': '0\n',
    '/proc/sys/kernel/panic_on_oops': '1\n',
  }
  const files = {
    '/proc/meminfo': meminfo2618,
    '/proc/swaps': `Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n${'/dev/mapper/VolGroup00-LogVol01'.padEnd(40)}partition\t${swapTotal}\t${swapTotal - swapFree}\t-1\n`,
    '/proc/cmdline': 'ro root=/dev/VolGroup00/LogVol00 rhgb quiet\n',
    '/proc/version': 'Linux version 2.6.18-348.el5xen (mockbuild@builder10.centos.org) (gcc version 4.1.2 20080704 (Red Hat 4.1.2-54)) #1 SMP Tue Jan 8 18:35:36 EST 2013\n',
    '/proc/sys/kernel/osrelease': '2.6.18-348.el5xen\n',
    '/proc/uptime': `${UPTIME.toFixed(2)} 13192716.45\n`,
    '/proc/sys/kernel/hostname': 'xen07.example.org\n',
    ...sysctls,
    '/etc/redhat-release': 'CentOS release 5.11 (Final)\n',
    '/proc/xen/capabilities': 'control_d\n',
    '/proc/xen/balloon': balloon,
    '/sys/hypervisor/type': 'xen\n',
    '/etc/xen/xend-config.sxp': xendConfig,
    '/boot/grub/grub.conf': grubConf,
  }
  const commands = {
    'xl-info': {notFound: true},
    'xl-list': {notFound: true},
    'xl-list-long': {notFound: true},
    'xl-dmesg': {notFound: true},
    'xm-info': {stdout: xmInfo},
    'xm-list': {stdout: xmList},
    'xm-list-long': {stdout: xmListLong},
    'xm-dmesg': {stdout: xmDmesg},
    // xend 3.1 keeps only memory/target for dom0; static-max is libxl's (Xen 4.x). xenstore-read
    // aborts at the first path it cannot read: exit 1, the values read so far on stdout.
    'xenstore-dom0-memory': {stdout: `${allocationKiB}\n`, stderr: 'xenstore-read: couldn\'t read path /local/domain/0/memory/static-max\n', exitCode: 1},
    'dmesg': {stdout: dmesg2618},
  }
  const manifest = {
    capturedAt: '2009-06-12T02:14:00Z',
    hostname: 'xen07.example.org',
    source: 'synthetic: written by scripts/make-demo-hosts.mjs (no real capture)',
    toolstack: 'xm',
    description:
      'A reconstruction (synthetic, modelled on RHEL5 formats) of the incident host of memguard\'s README minutes before `xm mem-set 0 256`: ' +
      'CentOS 5 dom0 (XenLinux 2.6.18-348.el5xen) on Xen 3.1.2 with the xm/xend toolstack, 8 GiB, four guests, Xen booted without dom0_mem so dom0 ' +
      'started with ~7.9 GiB and xend ballooned it down to 1536 MiB. dom0 runs a java application, mysqld, httpd, a nightly rsync backup and a cron ' +
      'watchdog job; 1 GiB of swap is nearly full, netback logs "Memory squeeze", sshd and crond have oom_adj 0. Every number is invented but kept ' +
      'consistent: /proc/meminfo is built from the process table plus the kernel\'s share (MemTotal equals the balloon\'s current allocation, as XenLinux ' +
      'keeps it), oom_score is the 2.6.18 badness() of each process. The process files use 2.6.18 formats (status with SleepAVG and RHEL5\'s StaBrk/Brk/StaStk, ' +
      'no VmSwap; stat with 44 fields; oom_adj, no oom_score_adj). Files 2.6.18 does not have are missing (MemAvailable, sysfs xen_memory0, ' +
      'oom_kill_allocating_task and later sysctls, /etc/os-release). Version strings are the last CentOS 5 ones, newer than the 2009 date. ' +
      'See examples/hosts/README.md.',
  }
  return {name: 'seed-incident', manifest, files, commands, processes: procs, summary: {memTotal, estimate, oomDeficit, killable, slab, anonPages, freeMiB, bootReserved}}
}

// =====================================================================================
// healthy-xl: Debian 12 dom0 (6.1.0-56-amd64) on Xen 4.17.7, 2026-11-20 10:00 UTC
// =====================================================================================

function buildHealthyXl() {
  const rand = prng(0x4ea1)
  const UPTIME = 2001337.61 // 23 d 3 h
  const captureAgo = (seconds) => UPTIME - seconds
  const allocationKiB = 4096 * MiB
  // The lab measured a constant 148288 KiB between the allocation and MemTotal for a 1536M dom0
  // on this kernel; mem_map (64 B per 4 KiB page) grows with the boot allocation, +40 MiB for
  // 2560 MiB more.
  const gap = 148288 + Math.floor(((4096 - 1536) * MiB * 64) / 4096)
  const memTotal = allocationKiB - gap
  const totalPages = Math.floor(memTotal / PAGE_KiB) // no swap
  const minFree = 7929 // int_sqrt(lowmem_kbytes × 16); THP is unavailable in a PV dom0, so khugepaged does not raise it
  const sigqLimit = Math.floor(memTotal / 128 / 2)

  // ---- kernel threads: children of kthreadd (2), as in the lab's real 6.1 dom0, for 4 vCPUs.
  const K = []
  let next = 3
  const kt = (comm, extra = {}) => K.push({pid: extra.pid ?? next++, ppid: 2, comm, argv: null, start: extra.start ?? 0.02, ...extra})
  K.push({pid: 2, ppid: 0, comm: 'kthreadd', argv: null, start: 0, state: 'S', pgid: 0})
  for (const name of ['rcu_gp', 'rcu_par_gp', 'slub_flushwq', 'netns']) kt(name, {nice: -20})
  next = 8
  kt('kworker/0:0H-events_highpri', {nice: -20, cpuMask: 1})
  next = 10
  kt('mm_percpu_wq', {nice: -20})
  kt('rcu_tasks_kthread')
  kt('rcu_tasks_rude_kthread')
  kt('rcu_tasks_trace_kthread')
  kt('ksoftirqd/0', {state: 'S', cpuMask: 1, cpuNo: 0})
  kt('rcu_preempt')
  kt('migration/0', {state: 'S', rt: 99, cpuMask: 1, cpuNo: 0})
  next = 18
  kt('cpuhp/0', {state: 'S', cpuMask: 1, cpuNo: 0})
  for (let cpu = 1; cpu < 4; cpu++) {
    kt(`cpuhp/${cpu}`, {state: 'S', cpuMask: 1 << cpu, cpuNo: cpu})
    kt(`migration/${cpu}`, {state: 'S', rt: 99, cpuMask: 1 << cpu, cpuNo: cpu})
    kt(`ksoftirqd/${cpu}`, {state: 'S', cpuMask: 1 << cpu, cpuNo: cpu})
    next++
    kt(`kworker/${cpu}:0H-events_highpri`, {nice: -20, cpuMask: 1 << cpu, cpuNo: cpu})
  }
  next = 36
  for (const [name, extra] of [
    ['kdevtmpfs', {state: 'S'}], ['inet_frag_wq', {nice: -20}], ['kauditd', {state: 'S'}], ['xenbus', {state: 'S'}], ['xenwatch', {state: 'S'}],
    ['khungtaskd', {state: 'S'}], ['oom_reaper', {state: 'S'}], ['writeback', {nice: -20}], ['kcompactd0', {state: 'S'}], ['ksmd', {state: 'S', nice: 5}],
    ['kintegrityd', {nice: -20}], ['kblockd', {nice: -20}], ['blkcg_punt_bio', {nice: -20}], ['xen-balloon', {state: 'S'}], ['tpm_dev_wq', {nice: -20}],
    ['edac-poller', {nice: -20}], ['devfreq_wq', {nice: -20}], ['watchdogd', {state: 'S', rt: 99}], ['kswapd0', {state: 'S'}], ['kthrotld', {nice: -20}],
    ['acpi_thermal_pm', {nice: -20}], ['khvcd', {state: 'S'}], ['mld', {nice: -20}], ['ipv6_addrconf', {nice: -20}], ['kstrp', {nice: -20}],
    ['zswap-shrink', {nice: -20}], ['kworker/u9:0', {nice: -20}],
  ]) kt(name, {start: 0.3, ...extra})
  next = 118
  for (const [name, extra] of [
    ['scsi_eh_0', {state: 'S'}], ['scsi_tmf_0', {nice: -20}], ['scsi_eh_1', {state: 'S'}], ['scsi_tmf_1', {nice: -20}],
    ['kworker/0:1H-kblockd', {nice: -20, cpuMask: 1}], ['kworker/1:1H-kblockd', {nice: -20, cpuMask: 2, cpuNo: 1}],
    ['kworker/2:1H-kblockd', {nice: -20, cpuMask: 4, cpuNo: 2}], ['kworker/3:1H-kblockd', {nice: -20, cpuMask: 8, cpuNo: 3}],
    ['md0_raid1', {state: 'S'}], ['kdmflush/253:0', {nice: -20}], ['kdmflush/253:1', {nice: -20}], ['jbd2/dm-0-8', {state: 'S'}], ['ext4-rsv-conver', {nice: -20}],
  ]) kt(name, {start: 2.1, ...extra})
  // Current kworkers (pids from the last hours; the names show their last work queue).
  for (const [p, name, cpu] of [[412907, 'kworker/0:2-events', 0], [430118, 'kworker/1:1-events', 1], [441260, 'kworker/2:0-mm_percpu_wq', 2],
    [447731, 'kworker/3:2-events', 3], [451002, 'kworker/u8:1-events_unbound', null], [452388, 'kworker/u8:3-flush-253:0', null],
    [453120, 'kworker/1:2', 1], [453877, 'kworker/u8:0-xen-balloon', null]]) {
    K.push({pid: p, ppid: 2, comm: name, argv: null, start: captureAgo(between(rand, 60, 7000)), ...(cpu === null ? {} : {cpuMask: 1 << cpu, cpuNo: cpu})})
  }

  // ---- guests (MiB) and their backends.
  const domains = [
    {id: 0, name: 'Domain-0', mem: 4096, vcpus: 4, state: 'r-----', time: 201877.4},
    {id: 1, name: 'web01', mem: 4096, vcpus: 2, type: 'pv', time: 48213.9},
    {id: 2, name: 'web02', mem: 4096, vcpus: 2, type: 'pv', time: 47102.3},
    {id: 3, name: 'db01', mem: 12288, vcpus: 4, type: 'pv', time: 162387.1, disks: ['xvda', 'xvdb']},
    {id: 4, name: 'build01', mem: 8192, vcpus: 4, type: 'pv', time: 99012.6},
    {id: 5, name: 'mail01', mem: 2048, vcpus: 1, type: 'pv', time: 10210.4},
    {id: 6, name: 'mon01', mem: 1024, vcpus: 1, type: 'pv', time: 15523.8},
    {id: 9, name: 'win2019', mem: 8192, vcpus: 4, type: 'hvm', time: 61734.2, started: captureAgo(518400), qemuPid: 301442},
    {id: 10, name: 'pfsense01', mem: 1024, vcpus: 2, type: 'hvm', time: 9911.5, started: captureAgo(518100), qemuPid: 301755},
  ]
  const xenOwnMiB = 700 // frame table (32 B per 4 KiB page of 64 GiB), m2p tables, heaps
  const freeMiB = 65491 - sum(domains, (d) => d.mem) - xenOwnMiB
  must(freeMiB > 18000 && freeMiB < 22000, `healthy-xl: ${freeMiB} MiB free in Xen`)
  // Backend threads per guest (xen-blkback ring, xen-netback queue 0), created when it started.
  let bpid = 2410
  for (const d of domains.slice(1)) {
    const start = d.started ?? 40 + d.id * 3
    let p = d.started ? d.qemuPid + 5 : bpid
    for (const disk of d.disks ?? [d.type === 'hvm' ? 'hda' : 'xvda']) K.push({pid: p++, ppid: 2, comm: `blkback.${d.id}.${disk}`.slice(0, 15), argv: null, start, state: 'S'})
    K.push({pid: p++, ppid: 2, comm: `vif${d.id}.0-q0-guest-rx`.slice(0, 15), argv: null, start, state: 'S'})
    K.push({pid: p++, ppid: 2, comm: `vif${d.id}.0-q0-dealloc`.slice(0, 15), argv: null, start, state: 'S'})
    if (!d.started) bpid = p
  }

  const qemuArgs = (d, mac) => [
    '/usr/bin/qemu-system-i386', '-xen-domid', String(d.id), '-no-shutdown',
    '-chardev', `socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-${d.id},server=on,wait=off`, '-mon', 'chardev=libxl-cmd,mode=control',
    '-chardev', `socket,id=libxenstat-cmd,path=/var/run/xen/qmp-libxenstat-${d.id},server=on,wait=off`, '-mon', 'chardev=libxenstat-cmd,mode=control',
    '-nodefaults', '-no-user-config', '-name', d.name, '-vnc', `127.0.0.1:${d.id - 9},to=99`, '-display', 'none', '-serial', 'pty',
    '-device', 'VGA,vgamem_mb=16', '-boot', 'order=c', '-usb', '-usbdevice', 'tablet', '-smp', `${d.vcpus},maxcpus=${d.vcpus}`,
    '-device', `rtl8139,id=nic0,netdev=net0,mac=${mac}`, '-netdev', `type=tap,id=net0,ifname=vif${d.id}.0-emu,br=xenbr0,script=no,downscript=no`,
    '-machine', 'xenfv,suppress-vmdesc=on', '-m', String(d.mem - 8),
    '-drive', `file=/dev/vg0/${d.name},if=ide,index=0,media=disk,format=raw,cache=writeback`,
  ]
  const agettyOpts = ['-o', '-p -- \\u']
  const U = [
    {pid: 1, ppid: 0, comm: 'systemd', argv: ['/sbin/init'], vm: 168712, rss: 13204, file: 8992, pte: 96, cpu: 612, start: 0.9, exe: 56, lib: 11200},
    {pid: 402, comm: 'systemd-journal', argv: ['/lib/systemd/systemd-journald'], vm: 57124, rss: 24612, file: 15012, shmem: 8400, pte: 120, cpu: 980, start: 2.6, adj: -250, exe: 80, lib: 9600},
    {pid: 431, comm: 'systemd-udevd', argv: ['/lib/systemd/systemd-udevd'], vm: 26452, rss: 7188, file: 5028, pte: 80, cpu: 41, start: 2.9, adj: -1000, exe: 168, lib: 10200},
    {pid: 688, comm: 'mdadm', argv: ['/sbin/mdadm', '--monitor', '--scan'], vm: 2984, rss: 1812, file: 1496, pte: 48, cpu: 3.1, start: 5.0, exe: 420, lib: 1900},
    {pid: 701, comm: 'cron', argv: ['/usr/sbin/cron', '-f'], vm: 6688, rss: 2716, file: 2356, pte: 56, cpu: 48, start: 5.4, exe: 40, lib: 2368},
    {pid: 702, comm: 'dbus-daemon', argv: ['/usr/bin/dbus-daemon', '--system', '--address=systemd:', '--nofork', '--nopidfile', '--systemd-activation', '--syslog-only'], uid: 100, gid: 106, vm: 9268, rss: 4964, file: 3924, pte: 60, cpu: 22, start: 5.4, adj: -900, exe: 148, lib: 4400},
    {pid: 706, comm: 'rsyslogd', argv: ['/usr/sbin/rsyslogd', '-n', '-iNONE'], vm: 222104, rss: 6480, file: 4656, pte: 84, threads: 4, cpu: 310, start: 5.5, exe: 568, lib: 5400},
    {pid: 709, comm: 'smartd', argv: ['/usr/sbin/smartd', '-n'], vm: 11504, rss: 6200, file: 4740, pte: 64, cpu: 9, start: 5.5, exe: 588, lib: 4100},
    {pid: 711, comm: 'systemd-logind', argv: ['/lib/systemd/systemd-logind'], vm: 17524, rss: 8156, file: 6988, pte: 76, cpu: 31, start: 5.6, exe: 268, lib: 9800},
    {pid: 718, comm: 'chronyd', argv: ['/usr/sbin/chronyd', '-F', '1'], uid: 104, gid: 111, vm: 84240, rss: 3412, file: 2792, pte: 64, cpu: 88, start: 5.8, exe: 276, lib: 5100},
    {pid: 720, ppid: 718, comm: 'chronyd', argv: ['/usr/sbin/chronyd', '-F', '1'], vm: 10264, rss: 1660, file: 1392, pte: 52, cpu: 0.4, start: 5.8, exe: 276, lib: 5100},
    {pid: 760, comm: 'sshd', argv: ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'], vm: 15428, rss: 9248, file: 7932, pte: 64, cpu: 14, start: 6.2, adj: -1000, exe: 904, lib: 7300},
    {pid: 772, comm: 'oxenstored', argv: ['/usr/lib/xen-4.17/bin/oxenstored', '--pid-file', '/run/xenstore.pid'], vm: 28740, rss: 11760, file: 2840, pte: 72, cpu: 2210, start: 6.5, adj: -1000, exe: 1320, lib: 3300},
    {pid: 781, comm: 'xenconsoled', argv: ['/usr/lib/xen-4.17/bin/xenconsoled', '--pid-file', '/run/xenconsoled.pid'], vm: 73080, rss: 2212, file: 1704, pte: 52, threads: 2, cpu: 132, start: 6.7, adj: -1000, exe: 40, lib: 4900},
    {pid: 790, comm: 'agetty', argv: ['/sbin/agetty', ...agettyOpts, '--keep-baud', '115200,57600,38400,9600', '-', 'vt220'], vm: 5936, rss: 1092, file: 988, pte: 44, cpu: 0.1, start: 7.0, tty: 229 << 8, tpgid: 790, sig: SIG_DEFAULT, exe: 56, lib: 2300},
    {pid: 791, comm: 'agetty', argv: ['/sbin/agetty', ...agettyOpts, '--noclear', '-', 'linux'], vm: 5936, rss: 1064, file: 960, pte: 48, cpu: 0.1, start: 7.0, tty: (4 << 8) | 1, tpgid: 791, sig: SIG_DEFAULT, exe: 56, lib: 2300},
    {pid: 798, comm: 'unattended-upgr', argv: ['/usr/bin/python3', '/usr/share/unattended-upgrades/unattended-upgrade-shutdown', '--wait-for-signal'], vm: 109384, rss: 21412, file: 8612, pte: 120, threads: 2, cpu: 1.9, start: 7.4, exe: 2820, lib: 9100},
    {pid: 803, comm: 'prometheus-node', argv: ['/usr/bin/prometheus-node-exporter'], uid: 107, gid: 114, vm: 1245480, rss: 19840, file: 7740, pte: 112, threads: 9, cpu: 4410, start: 7.5, exe: 8200, lib: 0},
    {pid: 812, comm: 'puppet', argv: ['/usr/bin/ruby', '/usr/bin/puppet', 'agent', '--no-daemonize'], vm: 389120, rss: 96428, file: 12380, pte: 312, threads: 3, cpu: 6120, start: 7.9, exe: 8, lib: 21400},
    // Device models of the two HVM guests, started with them 6 days ago.
    {pid: domains[7].qemuPid, comm: 'qemu-system-i38', argv: qemuArgs(domains[7], '00:16:3e:4c:1a:09'), vm: 1153860, rss: 41264, file: 15820, pte: 204, threads: 7, cpu: 20310, start: domains[7].started + 0.4, exe: 9800, lib: 31000},
    {pid: domains[8].qemuPid, comm: 'qemu-system-i38', argv: qemuArgs(domains[8], '00:16:3e:7f:30:0a'), vm: 641608, rss: 38632, file: 15804, pte: 172, threads: 6, cpu: 4120, start: domains[8].started + 0.4, exe: 9800, lib: 31000},
    // An admin logged in over ssh (OpenSSH 9.2: a privileged monitor and the user's session child).
    {pid: 455102, ppid: 760, comm: 'sshd', argv: ['sshd: admin [priv]'], vm: 17468, rss: 10756, file: 8304, pte: 68, cpu: 0.1, start: captureAgo(1260), exe: 904, lib: 7300},
    {pid: 455108, comm: 'systemd', argv: ['/lib/systemd/systemd', '--user'], uid: 1000, gid: 1000, groups: [4, 24, 27, 1000], vm: 18980, rss: 10412, file: 8860, pte: 80, cpu: 0.3, start: captureAgo(1259), adj: 100, exe: 56, lib: 11200},
    {pid: 455109, ppid: 455108, comm: '(sd-pam)', argv: ['(sd-pam)'], uid: 1000, gid: 1000, groups: [4, 24, 27, 1000], vm: 169960, rss: 3508, file: 1632, pte: 72, cpu: 0, start: captureAgo(1259), adj: 100, exe: 56, lib: 11200},
    {pid: 455127, ppid: 455102, comm: 'sshd', argv: ['sshd: admin@pts/0'], uid: 1000, gid: 1000, groups: [4, 24, 27, 1000], vm: 17468, rss: 6856, file: 5480, pte: 68, cpu: 0.4, start: captureAgo(1258), exe: 904, lib: 7300},
    {pid: 455128, ppid: 455127, comm: 'bash', argv: ['-bash'], uid: 1000, gid: 1000, groups: [4, 24, 27, 1000], vm: 8212, rss: 5120, file: 3328, pte: 56, cpu: 0.2, start: captureAgo(1258), exe: 896, lib: 2400, tty: 136 << 8, tpgid: 455128, sig: SIG_SHELL, state: 'R'},
  ]
  const host = {sigqLimit}
  const specs = [...K, ...U].sort((a, b) => a.pid - b.pid)
  const procs = specs.map((s) => makeProcess(s, '6.1', rand))
  const byPid = new Map(procs.map((p) => [p.pid, p]))
  for (const p of procs) {
    if (p.kthread || p.ppid <= 1) continue
    const parent = byPid.get(p.ppid)
    if (p.comm === 'bash') {
      p.pgid = p.pid
      p.sid = p.pid
    } else if (!(parent.comm === 'sshd' && parent.adj === -1000)) {
      p.pgid = parent.pgid
      p.sid = parent.sid
    }
  }
  for (const p of procs) {
    p.files = {
      status: status61(p, host),
      stat: stat61(p),
      cmdline: cmdlineText(p),
      oom_score: `${oomScore61(p, totalPages)}\n`,
      oom_score_adj: `${p.adj}\n`,
    }
  }

  // ---- /proc/meminfo (6.1): from the process table plus the kernel's own share.
  const user = procs.filter((p) => !p.kthread)
  const shmem = sum(user, (p) => p.rssShmem) + 1236
  const anon = sum(user, (p) => p.rss - p.rssFile - p.rssShmem) + 3208
  const pageTables = sum(user, (p) => p.pte) + 96
  const threads = sum(procs, (p) => p.threads)
  const kernelStack = threads * 16
  const percpu = 4352
  const buffers = 92412
  const fileLru = 640944 // page cache other than Shmem (Active(file) + Inactive(file))
  const cached = fileLru + shmem
  const sReclaimable = 71284
  const sUnreclaim = 98736
  const unaccounted = 118604 // vmalloc'd and driver memory (netback/blkback, grant tables) not in any counter
  const memFree = memTotal - buffers - cached - anon - sReclaimable - sUnreclaim - kernelStack - pageTables - percpu - unaccounted
  // si_mem_available(): watermarks from min_free_kbytes and watermark_scale_factor 10.
  const wmarkLow = minFree + Math.max(Math.floor(minFree / 4), Math.floor(memTotal / 1000))
  const wmarkHigh = minFree + 2 * Math.max(Math.floor(minFree / 4), Math.floor(memTotal / 1000))
  const totalReserve = wmarkHigh + Math.floor(memTotal / 256)
  const pagecache = fileLru + buffers
  const memAvailable = memFree - totalReserve + pagecache - Math.min(Math.floor(pagecache / 2), wmarkLow) + sReclaimable - Math.min(Math.floor(sReclaimable / 2), wmarkLow)
  const inUse = memTotal - memAvailable
  must(inUse > 440 * MiB && inUse < 560 * MiB, `healthy-xl: ${inUse} kB in use; expected about 500 MiB`)
  const activeFile = Math.floor(pagecache * 0.58)
  const meminfo61 = [
    ['MemTotal', memTotal], ['MemFree', memFree], ['MemAvailable', memAvailable], ['Buffers', buffers], ['Cached', cached], ['SwapCached', 0],
    ['Active', activeFile + 9316], ['Inactive', pagecache - activeFile + anon + shmem - 9316],
    ['Active(anon)', 9316], ['Inactive(anon)', anon + shmem - 9316], ['Active(file)', activeFile], ['Inactive(file)', pagecache - activeFile],
    ['Unevictable', 0], ['Mlocked', 0], ['SwapTotal', 0], ['SwapFree', 0], ['Zswap', 0], ['Zswapped', 0],
    ['Dirty', 732], ['Writeback', 0], ['AnonPages', anon], ['Mapped', 118240], ['Shmem', shmem],
    ['KReclaimable', sReclaimable], ['Slab', sReclaimable + sUnreclaim], ['SReclaimable', sReclaimable], ['SUnreclaim', sUnreclaim],
    ['KernelStack', kernelStack], ['PageTables', pageTables], ['SecPageTables', 0], ['NFS_Unstable', 0], ['Bounce', 0], ['WritebackTmp', 0],
    ['CommitLimit', Math.floor(memTotal / 2)], ['Committed_AS', 1873652],
    ['VmallocTotal', 34359738367], ['VmallocUsed', 46832], ['VmallocChunk', 0], ['Percpu', percpu], ['HardwareCorrupted', 0],
    ['AnonHugePages', 0], ['ShmemHugePages', 0], ['ShmemPmdMapped', 0], ['FileHugePages', 0], ['FilePmdMapped', 0],
    ['DirectMap4k', allocationKiB + 1412], ['DirectMap2M', 0],
  ].map(([k, v]) => (k === 'HardwareCorrupted' ? `HardwareCorrupted: ${pad(v, 5)} kB\n` : `${`${k}:`.padEnd(16)}${pad(v, 8)} kB\n`)).join('')

  const xlInfo = [
    ['host', 'xen-prod-03'],
    ['release', '6.1.0-56-amd64'],
    ['version', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)'],
    ['machine', 'x86_64'],
    ['nr_cpus', '32'],
    ['max_cpu_id', '31'],
    ['nr_nodes', '2'],
    ['cores_per_socket', '8'],
    ['threads_per_core', '2'],
    ['cpu_mhz', '2095.078'],
    ['hw_caps', 'bfebfbff:77fef3ff:2c100800:00000121:0000000f:d19ffffb:00000008:00000100'],
    ['virt_caps', 'pv hvm hvm_directio pv_directio hap shadow iommu_hap_pt_share gnttab-v1 gnttab-v2'],
    ['total_memory', '65491'],
    ['free_memory', String(freeMiB)],
    ['sharing_freed_memory', '0'],
    ['sharing_used_memory', '0'],
    ['outstanding_claims', '0'],
    ['free_cpus', '0'],
    ['xen_major', '4'],
    ['xen_minor', '17'],
    ['xen_extra', '.7'],
    ['xen_version', '4.17.7'],
    ['xen_caps', 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 '],
    ['xen_scheduler', 'credit2'],
    ['xen_pagesize', '4096'],
    ['platform_params', 'virt_start=0xffff800000000000'],
    ['xen_changeset', ''],
    ['xen_commandline', 'placeholder dom0_mem=4096M,max:4096M dom0_max_vcpus=4 dom0_vcpus_pin loglvl=all'],
    ['cc_compiler', 'x86_64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0'],
    ['cc_compile_by', 'pkg-xen-devel'],
    ['cc_compile_domain', 'lists.alioth.debian.org'],
    ['cc_compile_date', 'Wed Nov  4 16:52:28 UTC 2026'],
    ['build_id', '151b373fd64b321593bf987fd923cd10dabadac4'],
    ['xend_config_format', '4'],
  ].map(([k, v]) => `${k.padEnd(23)}:${v === '' ? ' ' : ` ${v}`}`).join('\n') + '\n'

  const xlList = [
    'Name                                        ID   Mem VCPUs\tState\tTime(s)',
    ...domains.map((d) => `${d.name.padEnd(40)} ${pad(d.id, 5)} ${pad(d.mem, 5)} ${pad(d.vcpus, 5)}     ${d.state ?? '-b----'}  ${pad(d.time.toFixed(1), 8)}`),
  ].join('\n') + '\n'

  const uuid = (n) => `${hex(0x8f3a52c1 + n * 0x10203, 8)}-${hex(0x1b2c + n, 4)}-${hex(0x4d5e + n, 4)}-${hex(0xa6b7 + n, 4)}-${hex(0x5254001a2b00 + n, 12)}`
  const listLong = domains.map((d) => {
    if (d.id === 0) {
      return {domid: 0, config: {c_info: {type: 'pv', name: 'Domain-0'}, b_info: {max_memkb: allocationKiB, target_memkb: allocationKiB - 1, sched_params: {sched: 'credit2', weight: 256, cap: 0}, 'type.pv': {}, arch_arm: {}, arch_x86: {}}}}
    }
    const kib = d.mem * MiB
    const mac = `00:16:3e:${hex(0x10 + d.id, 2)}:${hex(0x2a + d.id * 3, 2)}:${hex(d.id, 2)}`
    const cInfo = {type: d.type, name: d.name, uuid: uuid(d.id), run_hotplug_scripts: 'True'}
    const bInfo = d.type === 'hvm'
      ? {max_vcpus: d.vcpus, avail_vcpus: Array.from({length: d.vcpus}, (_, i) => i), max_memkb: kib, target_memkb: kib, video_memkb: 8192, shadow_memkb: 69632, device_model_version: 'qemu_xen', sched_params: {sched: 'credit2', weight: 256, cap: 0}, 'type.hvm': {pae: 'True', apic: 'True', acpi: 'True', nx: 'True', viridian: ['defaults'], hpet: 'True', vga: {kind: 'std'}, vnc: {enable: 'True', listen: '127.0.0.1', findunused: 'False'}, boot: 'c', usb: 'True', usbdevice_list: ['tablet'], serial_list: ['pty']}, arch_arm: {}, arch_x86: {}}
      : {max_vcpus: d.vcpus, avail_vcpus: Array.from({length: d.vcpus}, (_, i) => i), max_memkb: kib, target_memkb: kib, sched_params: {sched: 'credit2', weight: 256, cap: 0}, 'type.pv': {bootloader: 'pygrub'}, arch_arm: {}, arch_x86: {}}
    const disks = (d.disks ?? ['xvda']).map((disk) => ({pdev_path: `/dev/vg0/${d.name}${disk === 'xvda' ? '' : `-${disk.slice(3)}`}`, vdev: d.type === 'hvm' ? 'hda' : disk, format: 'raw', readwrite: 1}))
    return {domid: d.id, config: {c_info: cInfo, b_info: bInfo, disks, nics: [{devid: 0, mac, bridge: 'xenbr0', script: 'vif-bridge', nictype: d.type === 'hvm' ? 'vif_ioemu' : undefined}].map((n) => Object.fromEntries(Object.entries(n).filter(([, v]) => v !== undefined))), on_reboot: 'restart', on_soft_reset: 'soft_reset'}}
  })
  const xlListLong = yajl(listLong) + '\n\n'

  const xlDmesg = [
    ' Xen 4.17.7',
    '(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) (pkg-xen-devel@lists.alioth.debian.org) (x86_64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0) debug=n Wed Nov  4 16:52:28 UTC 2026',
    '(XEN) build-id: 151b373fd64b321593bf987fd923cd10dabadac4',
    '(XEN) Bootloader: GRUB 2.06-13+deb12u1',
    '(XEN) Command line: placeholder dom0_mem=4096M,max:4096M dom0_max_vcpus=4 dom0_vcpus_pin loglvl=all',
    '(XEN) Xen image load base address: 0x6f400000',
    '(XEN) Video information:',
    '(XEN)  VGA is text mode 80x25, font 8x16',
    '(XEN)  VBE/DDC methods: V2; EDID transfer time: 1 seconds',
    '(XEN) Disc information:',
    '(XEN)  Found 2 MBR signatures',
    '(XEN)  Found 2 EDD information structures',
    '(XEN) CPU Vendor: Intel, Family 6 (0x6), Model 85 (0x55), Stepping 7 (raw 00050657)',
    '(XEN) Xen-e820 RAM map:',
    '(XEN)  [0000000000000000, 000000000009ffff] (usable)',
    '(XEN)  [0000000000100000, 000000006d5d7fff] (usable)',
    '(XEN)  [000000006d5d8000, 000000006f7d7fff] (reserved)',
    '(XEN)  [000000006f7d8000, 000000006fffffff] (ACPI NVS)',
    '(XEN)  [0000000070000000, 000000008fffffff] (reserved)',
    '(XEN)  [00000000fed1c000, 00000000fed44fff] (reserved)',
    '(XEN)  [00000000ff000000, 00000000ffffffff] (reserved)',
    '(XEN)  [0000000100000000, 000000107fffffff] (usable)',
    '(XEN) ACPI: RSDP 000FE320, 0024 (r2 DELL  )',
    '(XEN) System RAM: 65491MB (67063396kB)',
    '(XEN) SRAT: PXM 0 -> APIC 00 -> Node 0',
    '(XEN) SRAT: PXM 1 -> APIC 20 -> Node 1',
    '(XEN) NUMA: Using 19 for the hash shift',
    '(XEN) Domain heap initialised DMA width 32 bits',
    '(XEN) Using APIC driver x2apic_cluster',
    '(XEN) SMP: Allowing 32 CPUs (0 hotplug CPUs)',
    '(XEN) IRQ limits: 120 GSI, 6072 MSI/MSI-X',
    '(XEN) CPU0: Intel machine check reporting enabled',
    '(XEN) Speculative mitigation facilities:',
    '(XEN)   Hardware hints: RDCL_NO IBRS_ALL RSBA SKIP_L1DFL MDS_NO TAA_NO',
    '(XEN)   Hardware features: IBPB IBRS STIBP SSBD L1D_FLUSH MD_CLEAR',
    '(XEN) Initializing Credit2 scheduler',
    '(XEN) Platform timer is 24.000MHz HPET',
    '(XEN) Detected 2095.078 MHz processor.',
    '(XEN) Intel VT-d iommu 0 supported page sizes: 4kB, 2MB, 1GB',
    '(XEN) Intel VT-d Snoop Control enabled.',
    '(XEN) Intel VT-d Queued Invalidation enabled.',
    '(XEN) Intel VT-d Interrupt Remapping enabled.',
    '(XEN) I/O virtualisation enabled',
    '(XEN) HVM: ASIDs enabled.',
    '(XEN) VMX: Supported advanced features:',
    '(XEN)  - APIC MMIO access virtualisation',
    '(XEN)  - Extended Page Tables (EPT)',
    '(XEN) HVM: Hardware Assisted Paging (HAP) detected',
    '(XEN) Brought up 32 CPUs',
    '(XEN) Scheduling granularity: cpu, 1 CPU per sched-resource',
    '(XEN) Dom0 has maximum 856 PIRQs',
    '(XEN) *** Building a PV Dom0 ***',
    '(XEN)  Xen  kernel: 64-bit, lsb',
    '(XEN)  Dom0 kernel: 64-bit, PAE, lsb, paddr 0x1000000 -> 0x3a2c000',
    '(XEN) PHYSICAL MEMORY ARRANGEMENT:',
    '(XEN)  Dom0 alloc.:   0000001048000000->000000104c000000 (1033219 pages to be allocated)',
    '(XEN)  Init. ramdisk: 000000107d2ff000->000000107fdff8f4',
    '(XEN) VIRTUAL MEMORY ARRANGEMENT:',
    '(XEN)  Loaded kernel: ffffffff81000000->ffffffff83a2c000',
    '(XEN)  Phys-Mach map: 0000008000000000->0000008000800000',
    '(XEN)  Start info:    ffffffff83a2c000->ffffffff83a2c4b8',
    '(XEN)  Page tables:   ffffffff83a2d000->ffffffff83a4e000',
    '(XEN)  Boot stack:    ffffffff83a4e000->ffffffff83a4f000',
    '(XEN)  TOTAL:         ffffffff80000000->ffffffff83c00000',
    '(XEN)  ENTRY ADDRESS: ffffffff82a2e1c0',
    '(XEN) Dom0 has maximum 4 VCPUs',
    '(XEN) Initial low memory virq threshold set at 0x4000 pages.',
    '(XEN) Scrubbing Free RAM in background',
    '(XEN) Std. Loglevel: All',
    '(XEN) Guest Loglevel: Nothing (Rate-limited: Errors and warnings)',
    '(XEN) ***************************************************',
    '(XEN) Booted on L1TF-vulnerable hardware with SMT/Hyperthreading',
    '(XEN) enabled.  Please assess your configuration and choose an',
    '(XEN) explicit \'smt=<bool>\' setting.  See XSA-273.',
    '(XEN) ***************************************************',
    '(XEN) 3... 2... 1...',
    "(XEN) Xen is relinquishing VGA console.",
    "(XEN) *** Serial input to DOM0 (type 'CTRL-a' three times to switch input)",
    '(XEN) Freed 644kB init memory',
  ].join('\n') + '\n'

  const ts = (s) => `[${s.toFixed(6).padStart(12)}]`
  let t = 0
  const at = (dt, text) => `${ts((t += dt))} ${text}`
  const dmesgLines = [
    `${ts(0)} Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)`,
    `${ts(0)} Command line: placeholder root=/dev/mapper/vg0-root ro quiet`,
    `${ts(0)} Released 0 page(s)`,
    `${ts(0)} BIOS-provided physical RAM map:`,
    `${ts(0)} Xen: [mem 0x0000000000000000-0x000000000009ffff] usable`,
    `${ts(0)} Xen: [mem 0x0000000000100000-0x00000001047fffff] usable`,
    `${ts(0)} Xen: [mem 0x000000006d5d8000-0x000000006f7d7fff] reserved`,
    `${ts(0)} Xen: [mem 0x000000006f7d8000-0x000000006fffffff] ACPI NVS`,
    `${ts(0)} Xen: [mem 0x0000000070000000-0x000000008fffffff] reserved`,
    `${ts(0)} NX (Execute Disable) protection: active`,
    `${ts(0)} SMBIOS 3.2.0 present.`,
    `${ts(0)} DMI: Dell Inc. PowerEdge R640/0H28RR, BIOS 2.21.2 02/19/2024`,
    `${ts(0)} Hypervisor detected: Xen PV`,
    at(0.001204, 'tsc: Detected 2095.078 MHz processor'),
    at(0.2701, 'Setting APIC routing to Xen PV.'),
    at(0.4012, 'smpboot: Allowing 4 CPUs, 0 hotplug CPUs'),
    at(0.0121, 'Booting kernel on Xen'),
    at(0.0001, 'Xen version: 4.17.7 (preserve-AD)'),
    at(0.0228, 'xen: PV spinlocks enabled'),
    at(0.0012, `Built 1 zonelists, mobility grouping on.  Total pages: ${Math.floor(allocationKiB / 4) - 12480}`),
    at(0.0001, 'Kernel command line: placeholder root=/dev/mapper/vg0-root ro quiet'),
    at(0.0042, 'software IO TLB: area num 4.'),
    at(0.3118, `Memory: ${memTotal - 92844}K/${allocationKiB - 4}K available (14343K kernel code, 2338K rwdata, 9132K rodata, 2824K init, 17344K bss, ${gap - 4}K reserved, 0K cma-reserved)`),
    at(0.0892, 'xen:events: Using FIFO-based ABI'),
    at(0.1204, 'Console: colour VGA+ 80x25'),
    at(0.0685, 'printk: console [tty0] enabled'),
    at(0.3502, 'smp: Brought up 1 node, 4 CPUs'),
    at(0.9203, 'xen:grant_table: Grant tables using version 1 layout'),
    at(0.0011, 'Grant table initialized'),
    at(0.0903, 'xen:balloon: Initialising balloon driver'),
    at(1.2201, 'megaraid_sas 0000:18:00.0: FW provided supportMaxExtLDs: 1	max_lds: 64'),
    at(0.5129, 'sd 0:2:0:0: [sda] 936640512 512-byte logical blocks: (480 GB/447 GiB)'),
    at(0.4010, 'md/raid1:md0: active with 2 out of 2 mirrors'),
    at(0.8816, 'EXT4-fs (dm-0): mounted filesystem with ordered data mode. Quota mode: none.'),
    at(1.4220, 'systemd[1]: systemd 252.39-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)'),
    at(0.0002, 'systemd[1]: Detected virtualization xen.'),
    at(0.0001, 'systemd[1]: Detected architecture x86-64.'),
    at(0.0310, 'systemd[1]: Hostname set to <xen-prod-03>.'),
    at(1.1120, 'xen_netback:xenvif_init: Initialising Xen netback driver'),
    at(0.3214, 'xen:xen_evtchn: Event-channel device installed'),
    at(0.4408, 'xenbr0: port 1(eno1) entered blocking state'),
    at(0.0001, 'xenbr0: port 1(eno1) entered forwarding state'),
  ]
  for (const d of domains.slice(1)) {
    const when = d.started ?? 40 + d.id * 3
    t = Math.max(t, when)
    dmesgLines.push(
      at(0.21, `xen-blkback: backend/vbd/${d.id}/${d.type === 'hvm' ? 768 : 51712}: using 2 queues, protocol 1 (x86_64-abi) persistent grants`),
      at(0.03, `vif vif-${d.id}-0 vif${d.id}.0: Guest Rx ready`),
      at(0.0002, `xenbr0: port ${d.id + 1}(vif${d.id}.0) entered blocking state`),
      at(0.0001, `xenbr0: port ${d.id + 1}(vif${d.id}.0) entered forwarding state`),
    )
  }
  const dmesg61 = dmesgLines.join('\n') + '\n'

  const xlConf = `## Global XL config file ##

# Set domain-id policy. "xen" means that the hypervisor will choose the
# id of a new domain. "random" means that a random value will be chosen.
#domid_policy="xen"

# Control whether dom0 is ballooned down when xen doesn't have enough
# free memory to create a domain.  "auto" means only balloon if dom0
# starts with all the host's memory.
autoballoon="off"

# full path of the lockfile used by xl during domain creation
#lockfile="/var/lock/xl"

# default output format used by "xl list -l"
#output_format="json"

# first block device to be used for temporary VM disk mounts
#blkdev_start="xvda"

# default option to run hotplug scripts from xl
# if disabled the old behaviour will be used, and hotplug scripts will be
# launched by udev.
#run_hotplug_scripts=1

# default backend domain to connect guest vifs to.  This can be any
# valid domain identifier.
#vif.default.backend="0"

# default gateway device to use with vif-route hotplug script
#vif.default.gatewaydev="eth0"

# default vif script to use if none is specified in the guest config
#vif.default.script="vif-bridge"

# default bridge device to use with vif-bridge hotplug scripts
#vif.default.bridge="xenbr0"

# Reserve a claim of memory when launching a guest. This guarantees immediate
# feedback whether the guest can be launched due to memory exhaustion
# (which can take a long time to find out if launching huge guests).
# see xl.conf(5) for details.
#claim_mode=1

# Specify global vcpu hard affinity masks. See xl.conf(5) for details.
#vm.cpumask="0-7"
#vm.pv.cpumask="0-3"
#vm.hvm.cpumask="3-7"
`
  const grubXenCfg = `# When running update-grub with the Xen hypervisor installed, there are
# some additional variables that can be used to pass options to the
# hypervisor or the dom0 kernel.
#
# The configuration in here makes it possible to have different options set
# for the linux kernel when booting with or without Xen.

echo "Including Xen overrides from /etc/default/grub.d/xen.cfg" >&2

#######################################################################
# Xen Hypervisor Command Line Options
#
# dom0_mem=<size>,max:<size> (for x86)
#   Sets the amount of memory dom0 uses to a fixed size. All other memory
#   will be usable for domUs. For x86, this prevents ballooning actions
#   from happening to take away memory from the dom0 or return it back.
#
# Please also refer to the "Xen Hypervisor Command Line Options"
# documentation for the version of Xen you have installed. This
# documentation can be found at https://xenbits.xen.org/
#
#GRUB_CMDLINE_XEN_DEFAULT=""
GRUB_CMDLINE_XEN="dom0_mem=4096M,max:4096M dom0_max_vcpus=4 dom0_vcpus_pin"

#######################################################################
# Dom0 Kernel Command Line Options
#
#GRUB_CMDLINE_LINUX_XEN_REPLACE_DEFAULT=""
#GRUB_CMDLINE_LINUX_XEN_REPLACE=""

#######################################################################
# Xen boot entry selection
#
# Make the Xen entry the default one in the grub menu.
XEN_OVERRIDE_GRUB_DEFAULT=1
`

  const files = {
    '/proc/meminfo': meminfo61,
    '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n',
    '/proc/cmdline': 'placeholder root=/dev/mapper/vg0-root ro quiet\n',
    '/proc/version': 'Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)\n',
    '/proc/sys/kernel/osrelease': '6.1.0-56-amd64\n',
    '/proc/uptime': `${UPTIME.toFixed(2)} 7886402.19\n`,
    '/proc/sys/kernel/hostname': 'xen-prod-03\n',
    '/proc/sys/vm/overcommit_memory': '0\n',
    '/proc/sys/vm/overcommit_ratio': '50\n',
    '/proc/sys/vm/overcommit_kbytes': '0\n',
    '/proc/sys/vm/min_free_kbytes': `${minFree}\n`,
    '/proc/sys/vm/panic_on_oom': '0\n',
    '/proc/sys/vm/oom_kill_allocating_task': '0\n',
    '/proc/sys/vm/oom_dump_tasks': '1\n',
    '/proc/sys/vm/swappiness': '60\n',
    '/proc/sys/vm/watermark_scale_factor': '10\n',
    '/proc/sys/vm/admin_reserve_kbytes': '8192\n',
    '/proc/sys/vm/user_reserve_kbytes': '131072\n',
    '/proc/sys/kernel/panic': '0\n',
    '/proc/sys/kernel/panic_on_oops': '0\n',
    '/etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n',
    '/etc/debian_version': '12.13\n',
    '/proc/xen/capabilities': 'control_d\n',
    [`${SYSFS}/target_kb`]: `${allocationKiB}\n`,
    [`${SYSFS}/info/current_kb`]: `${allocationKiB}\n`,
    [`${SYSFS}/info/low_kb`]: '0\n',
    [`${SYSFS}/info/high_kb`]: '0\n',
    '/sys/hypervisor/type': 'xen\n',
    '/etc/xen/xl.conf': xlConf,
    '/etc/default/grub.d/xen.cfg': grubXenCfg,
  }
  const commands = {
    'xl-info': {stdout: xlInfo},
    'xl-list': {stdout: xlList},
    'xl-list-long': {stdout: xlListLong},
    'xl-dmesg': {stdout: xlDmesg},
    'xm-info': {notFound: true},
    'xm-list': {notFound: true},
    'xm-list-long': {notFound: true},
    'xm-dmesg': {notFound: true},
    'xenstore-dom0-memory': {stdout: `${allocationKiB}\n${allocationKiB}\n`},
    'dmesg': {stdout: dmesg61},
  }
  const manifest = {
    capturedAt: '2026-11-20T10:00:00Z',
    hostname: 'xen-prod-03',
    source: 'synthetic: written by scripts/make-demo-hosts.mjs (no real capture)',
    toolstack: 'xl',
    description:
      'A synthetic healthy production host, in the formats of the real xenlab captures (Xen 4.17.7, Debian 12 dom0 on 6.1.0-56-amd64): 64 GiB, ' +
      'dom0_mem=4096M,max:4096M with autoballoon="off", eight guests (two HVM with qemu-system-i386 device models), no swap, about 500 MiB in use in ' +
      'dom0. sshd, oxenstored, xenconsoled and udevd run at oom_score_adj -1000, journald at -250, dbus at -900; cron and the device models at 0. ' +
      'Every number is invented but kept consistent: /proc/meminfo is built from the process table plus the kernel\'s share, MemAvailable follows ' +
      'si_mem_available(), oom_score is the 6.1 formula, the kernel gap is the lab\'s 148288 KiB plus mem_map for the larger dom0. ' +
      'See examples/hosts/README.md.',
  }
  return {name: 'healthy-xl', manifest, files, commands, processes: procs, summary: {memTotal, memAvailable, inUse, gap, freeMiB}}
}

for (const built of [buildSeedIncident(), buildHealthyXl()]) {
  writeSnapshot({
    outRoot,
    ...built,
    plan: PLAN,
    planCommands: PLAN_COMMANDS,
    // How memguard's collector records a program the host lacks: no exit code, no output.
    notFoundStderr: () => '',
    must,
  })
  console.log(`  ${JSON.stringify(built.summary)}`)
}
