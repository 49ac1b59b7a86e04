#!/usr/bin/env node
// Build the shipped example hosts `xenlab` and `xenlab-hogs` (memguard snapshot format, see
// src/host/snapshot.ts) from the real Xen 4.17 lab captures (../shared/xenlab/captures).
//
//   node scripts/make-xenlab-snapshot.mjs <captures-dir> [<out-dir>]
//
// <captures-dir> is the lab's captures/ directory; <out-dir> defaults to examples/hosts of this
// repository. Only examples/hosts/xenlab and examples/hosts/xenlab-hogs are replaced. The output is
// committed; tests read the committed copy, never the captures.
//
// What is copied verbatim and what is reconstructed is written into each manifest's description
// and into examples/hosts/README.md. In short: every file and command output is a lab capture,
// byte for byte, except the /proc/<pid>/* files, which the lab did not capture: they are rebuilt
// from the captured process listings (pid, comm, VmRSS, oom_score, oom_score_adj) and, for
// xenlab-hogs, from the kernel's own OOM task dump of the same boot (uid, total_vm, pgtables).
import {existsSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {checkPlanCommands, loadStatusPlan, REPO, writeSnapshot as writeSnapshotDir} from './lib/snapshot-writer.mjs'


// The files and commands memguard reads: src/state/plan.ts statusPlan(), bundled from this
// repository's source at generation time, so a manifest's `missing` list can never go stale against
// the plan. The command ids below are the file names under commands/ (kept as they were: a snapshot
// looks commands up by argv); their argv must be the plan's, which is checked below.
const PLAN = await loadStatusPlan()
const PLAN_COMMANDS = [
  ['xl-info', ['xl', 'info']],
  ['xl-list', ['xl', 'list']],
  ['xl-list-l', ['xl', 'list', '-l']],
  ['xl-dmesg', ['xl', 'dmesg']],
  ['xm-info', ['xm', 'info']],
  ['xm-list', ['xm', 'list']],
  ['xm-list-long', ['xm', 'list', '--long']],
  ['xm-dmesg', ['xm', 'dmesg']],
  ['xenstore-dom0-memory', ['xenstore-read', '/local/domain/0/memory/target', '/local/domain/0/memory/static-max']],
  ['dmesg', ['dmesg']],
]
checkPlanCommands('make-xenlab-snapshot', PLAN_COMMANDS, PLAN)
const SYSFS = '/sys/devices/system/xen_memory/xen_memory0'

function usage(message) {
  if (message) console.error(`make-xenlab-snapshot: ${message}`)
  console.error('usage: node scripts/make-xenlab-snapshot.mjs <xenlab captures dir> [<out dir, default examples/hosts>]')
  process.exit(2)
}

const capturesDir = process.argv[2]
if (!capturesDir) usage('the captures directory is required')
if (!existsSync(join(capturesDir, 'baseline', 'INDEX.tsv'))) usage(`${capturesDir} has no baseline/INDEX.tsv; expected the xenlab captures/ directory`)
const outRoot = resolve(process.argv[3] ?? join(REPO, 'examples', 'hosts'))

// ---------------------------------------------------------------- reading captures

/** One capture: stdout, stderr and exit code as the lab stored them. */
function capture(group, name) {
  const base = join(capturesDir, group, name)
  const read = (ext) => readFileSync(`${base}.${ext}`, 'latin1')
  const rc = Number(read('rc').trim())
  if (!Number.isInteger(rc)) throw new Error(`${base}.rc is not an exit code`)
  return {stdout: read('stdout'), stderr: read('stderr'), exitCode: rc, path: `${group}/${name}`}
}

function must(condition, message) {
  if (!condition) throw new Error(`make-xenlab-snapshot: ${message}`)
}

/** `key = value` lines of the vm-sysctls capture. */
function parseSysctls(text) {
  const out = {}
  for (const line of text.split('\n')) {
    const m = /^vm\.(\w+) = (-?\d+)$/.exec(line)
    if (m) out[m[1]] = m[2]
  }
  return out
}

/** `./info/current_kb: 1572864 ` lines of the xen-memory-sysfs-all capture. */
function parseSysfsAll(text) {
  const out = {}
  for (const line of text.split('\n')) {
    const m = /^\.\/([\w/]+): (.*?) ?$/.exec(line)
    if (m) out[m[1]] = m[2]
  }
  return out
}

/**
 * The process listing `printf "%7s %-16s %8s %9s %13s\n" PID COMMAND RSS_KB OOM_SCORE OOM_SCORE_ADJ`
 * (one row per /proc/<pid> with an oom_score; RSS empty for kernel threads).
 */
function parsePsOomProc(text) {
  const rows = []
  for (const line of text.split('\n').slice(1)) {
    if (line.trim() === '') continue
    const t = line.trim().split(/\s+/)
    must(t.length === 4 || t.length === 5, `unexpected ps-oom-proc row ${JSON.stringify(line)}`)
    const [pid, comm] = t
    const rssKiB = t.length === 5 ? Number(t[2]) : null
    rows.push({pid: Number(pid), comm, rssKiB, oomScore: Number(t.at(-2)), oomScoreAdj: Number(t.at(-1))})
  }
  return rows
}

/** `ps -eo pid,comm,rss,oom,oomadj`: used to cross-check the /proc listing. */
function parsePsOom(text) {
  const rows = new Map()
  for (const line of text.split('\n').slice(1)) {
    const t = line.trim().split(/\s+/)
    if (t.length !== 5) continue
    rows.set(Number(t[0]), {comm: t[1], rssKiB: Number(t[2]), oomScore: Number(t[3]), oomScoreAdj: Number(t[4])})
  }
  return rows
}

/** The kernel's OOM task dump ("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"). */
function parseOomTaskDump(text) {
  const rows = new Map()
  for (const line of text.split('\n')) {
    const m = /\[\s*(\d+)\]\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+)\s+(\S+)$/.exec(line)
    if (m) {
      rows.set(Number(m[1]), {uid: Number(m[2]), totalVmPages: Number(m[4]), rssPages: Number(m[5]), pgtablesBytes: Number(m[6]), swapents: Number(m[7]), oomScoreAdj: Number(m[8]), comm: m[9]})
    }
  }
  return rows
}

// ---------------------------------------------------------------- /proc/<pid> reconstruction

const pad8 = (n) => String(n).padStart(8, ' ')

/**
 * A 6.1 /proc/<pid>/status with only the lines the captures support, in the kernel's order and
 * format ("Key:\tvalue", sizes "%8lu kB"). Everything else the real file has is left out rather
 * than invented.
 */
function status61(p) {
  const lines = [
    `Name:\t${p.comm}`,
    `State:\t${p.kernelThread ? 'I (idle)' : 'S (sleeping)'}`,
    `Tgid:\t${p.pid}`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid}`,
    `Uid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}`,
  ]
  if (!p.kernelThread) {
    lines.push(`VmSize:\t${pad8(p.vmSizeKiB)} kB`)
    lines.push(`VmRSS:\t${pad8(p.rssKiB)} kB`)
    if (p.vmPteKiB !== null) lines.push(`VmPTE:\t${pad8(p.vmPteKiB)} kB`)
    lines.push(`VmSwap:\t${pad8(0)} kB`) // the lab dom0 has no swap (SwapTotal: 0 kB)
  }
  return lines.join('\n') + '\n'
}

/**
 * A 6.1 /proc/<pid>/stat line (52 fields). Known: pid, comm, state, ppid, vsize, rss, and the
 * PF_KTHREAD flag for kernel threads; every other field is 0 (not captured), except the
 * constants a 6.1 kernel always shows (tty_pgrp -1, priority 20, one thread, RLIM_INFINITY,
 * exit signal 17).
 */
function stat61(p) {
  const f = [
    p.pid, `(${p.comm})`, p.kernelThread ? 'I' : 'S', p.ppid,
    p.kernelThread ? 0 : p.pid, p.kernelThread ? 0 : p.pid, // pgrp, session
    0, -1, // tty_nr, tpgid
    p.kernelThread ? 0x00200000 : 0, // flags: PF_KTHREAD
    0, 0, 0, 0, // minflt cminflt majflt cmajflt
    0, 0, 0, 0, // utime stime cutime cstime
    20, 0, 1, 0, // priority nice num_threads itrealvalue
    0, // starttime
    p.kernelThread ? 0 : p.vmSizeKiB * 1024, // vsize (bytes)
    p.kernelThread ? 0 : Math.round(p.rssKiB / 4), // rss (pages)
    '18446744073709551615', // rsslim
    0, 0, 0, 0, 0, // startcode endcode startstack kstkesp kstkeip
    0, 0, 0, 0, // signal blocked sigignore sigcatch
    0, 0, 0, // wchan nswap cnswap
    17, 0, 0, 0, 0, 0, 0, // exit_signal processor rt_priority policy delayacct_blkio_ticks guest_time cguest_time
    0, 0, 0, 0, 0, 0, 0, // start_data end_data start_brk arg_start arg_end env_start env_end
    0, // exit_code
  ]
  must(f.length === 52, `stat for ${p.pid} has ${f.length} fields`)
  return f.join(' ') + '\n'
}

function argv(...parts) {
  return parts.map((s) => `${s}\0`).join('')
}

// ---------------------------------------------------------------- writing a snapshot

function writeSnapshot(name, snapshot) {
  // A real `memguard snapshot` keeps the shell's complaint about a program the host lacks.
  writeSnapshotDir({outRoot, name, ...snapshot, plan: PLAN, planCommands: PLAN_COMMANDS, notFoundStderr: (argvList) => `${argvList[0]}: command not found`, must})
}

// ---------------------------------------------------------------- the baseline host (xenlab)

const B = (name) => capture('baseline', name)

function baselineHostFiles() {
  const versions = B('versions').stdout.split('\n')
  const uname = versions[0].split(' ') // Linux xenlab-dom0 6.1.0-56-amd64 #1 ...
  must(uname[0] === 'Linux', 'versions capture does not start with uname -a')
  const sysctl = parseSysctls(B('vm-sysctls').stdout)
  must(B('vm-sysctls').stdout.includes('swap-devices=0'), 'the lab dom0 was expected to have no swap')
  const sysfs = parseSysfsAll(B('xen-memory-sysfs-all').stdout)
  must(sysfs.target_kb === B('xen-memory-target_kb').stdout.trim(), 'sysfs target_kb captures disagree')
  const hypervisorType = /^\/sys\/hypervisor\/type:(.*)$/m.exec(B('sys-hypervisor').stdout)
  must(hypervisorType, 'no /sys/hypervisor/type in the sys-hypervisor capture')
  const procVersion = /^\[\s*0\.000000\] (Linux version .*)$/m.exec(B('dmesg').stdout)
  must(procVersion, 'no "Linux version" line at the start of dmesg')
  must(!/\bballoon\b/.test(B('proc-xen-ls').stdout), '/proc/xen/balloon was not expected on a pvops dom0')

  return {
    '/proc/meminfo': B('proc-meminfo').stdout,
    // swapon --show printed nothing and swap-devices=0: /proc/swaps is the 6.1 header alone.
    '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n',
    '/proc/cmdline': B('proc-cmdline').stdout,
    '/proc/version': procVersion[1] + '\n',
    '/proc/sys/kernel/osrelease': uname[2] + '\n',
    '/proc/sys/kernel/hostname': uname[1] + '\n',
    '/proc/sys/vm/overcommit_memory': sysctl.overcommit_memory + '\n',
    '/proc/sys/vm/overcommit_ratio': sysctl.overcommit_ratio + '\n',
    '/proc/sys/vm/panic_on_oom': sysctl.panic_on_oom + '\n',
    '/proc/sys/vm/min_free_kbytes': sysctl.min_free_kbytes + '\n',
    '/proc/sys/vm/oom_kill_allocating_task': sysctl.oom_kill_allocating_task + '\n',
    '/proc/sys/vm/swappiness': sysctl.swappiness + '\n',
    '/etc/debian_version': versions[1] + '\n',
    '/proc/xen/capabilities': B('proc-xen-capabilities').stdout,
    [`${SYSFS}/target_kb`]: sysfs.target_kb + '\n',
    [`${SYSFS}/info/current_kb`]: sysfs['info/current_kb'] + '\n',
    [`${SYSFS}/info/low_kb`]: sysfs['info/low_kb'] + '\n',
    [`${SYSFS}/info/high_kb`]: sysfs['info/high_kb'] + '\n',
    '/sys/hypervisor/type': hypervisorType[1] + '\n',
    '/etc/xen/xl.conf': B('etc-xen-xl.conf').stdout,
    '/etc/default/grub.d/xen.cfg': B('etc-default-grub.d-xen.cfg').stdout,
  }
}

function baselineCommands() {
  return {
    'xl-info': B('xl-info'),
    'xl-list': B('xl-list'),
    'xl-list-l': B('xl-list-l'),
    'xl-dmesg': B('xl-dmesg'),
    // Xen 4.17 has no xm (removed in 4.5; not in /usr/lib/xen-4.17/bin, see baseline/which-xl).
    'xm-info': {notFound: true},
    'xm-list': {notFound: true},
    'xm-list-long': {notFound: true},
    'xm-dmesg': {notFound: true},
    'xenstore-dom0-memory': B('xenstore-read-target'),
    'dmesg': B('dmesg'),
  }
}

/** uid by comm, from the OOM task dump of the oom run (same image: system users are fixed). */
const oomDump = parseOomTaskDump(capture('oom', '03-dmesg-since-start').stdout)
const uidByComm = new Map()
for (const row of oomDump.values()) {
  const seen = uidByComm.get(row.comm)
  if (seen === undefined) uidByComm.set(row.comm, row.uid)
  else if (seen !== row.uid) uidByComm.set(row.comm, null) // ambiguous (sshd privsep): keep 0
}

function buildBaseline() {
  const rows = parsePsOomProc(B('ps-oom-proc').stdout)
  const ps = parsePsOom(B('ps-oom').stdout)
  // Cross-check against the second listing (a separate ssh session a few seconds earlier): every
  // long-lived pid must be the same task with the same oom_score_adj.
  for (const r of rows) {
    const other = ps.get(r.pid)
    if (r.pid < 500) {
      must(other !== undefined, `pid ${r.pid} (${r.comm}) missing from ps-oom`)
      must(r.comm.startsWith(other.comm) || other.comm.startsWith(r.comm.slice(0, 15)), `pid ${r.pid}: ${r.comm} vs ${other.comm}`)
      must(other.oomScoreAdj === r.oomScoreAdj, `pid ${r.pid}: oom_score_adj differs between listings`)
    }
  }

  // Known parents and command lines. Services started by systemd have PPid 1; the Xen daemons are
  // started by /etc/init.d/xen and daemonize (reparented to 1); every kernel thread but kthreadd
  // is a child of kthreadd (2). The capture's own ssh session: sshd 574 (child of the listener
  // 265) -> bash -c 580 -> { bash 581 (the for loop), sort 582 }.
  const parents = {574: 265, 580: 574, 581: 580, 582: 580}
  const services = B('services').stdout
  const cmdlines = {}
  for (const m of services.matchAll(/^\s*(\d+) (oxenstored|xenconsoled)\s+(\S.*)$/gm)) cmdlines[Number(m[1])] = argv(...m[3].split(' '))
  // From captures/oom/00-services-before (same image and config, another boot): the listener's
  // and cron's titles, and an ssh session without a tty.
  cmdlines[265] = argv('sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups')
  cmdlines[227] = argv('/usr/sbin/cron', '-f')
  cmdlines[574] = argv('sshd: root@notty')
  must(rows.find((r) => r.pid === 265)?.comm === 'sshd' && rows.find((r) => r.pid === 227)?.comm === 'cron', 'pids 265/227 are not sshd/cron')

  const processes = rows.map((r) => {
    const kernelThread = r.rssKiB === null
    const ppid = r.pid === 1 || r.pid === 2 ? 0 : kernelThread ? 2 : parents[r.pid] ?? 1
    const uid = kernelThread ? 0 : uidByComm.get(r.comm) ?? 0
    const p = {pid: r.pid, comm: r.comm, ppid, uid, kernelThread, rssKiB: r.rssKiB, vmSizeKiB: r.rssKiB, vmPteKiB: null}
    return {
      pid: r.pid,
      files: {
        status: status61(p),
        stat: stat61(p),
        cmdline: kernelThread ? '' : cmdlines[r.pid] ?? null,
        oom_score: `${r.oomScore}\n`,
        oom_score_adj: `${r.oomScoreAdj}\n`,
      },
    }
  })

  const services2 = /since \w{3} (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC; (\d+)s ago/.exec(services)
  must(services2, 'cannot date the baseline from the services capture')
  const capturedAt = new Date(Date.parse(`${services2[1]}T${services2[2]}Z`) + Number(services2[3]) * 1000).toISOString().replace('.000Z', 'Z')

  writeSnapshot('xenlab', {
    manifest: {
      capturedAt,
      hostname: 'xenlab-dom0',
      source: 'xenlab: real Xen 4.17.7 hypervisor with a Debian 12 dom0 (kernel 6.1.0-56-amd64) in QEMU/TCG, captures/baseline of ../shared/xenlab, converted by scripts/make-xenlab-snapshot.mjs',
      toolstack: 'xl',
      description: [
        'The lab dom0 at rest: dom0_mem=1536M,max:1536M on a 2559 MiB host, no domUs, no swap, MemAvailable 1349372 kB.',
        'Real (byte for byte from captures/baseline): /proc/meminfo, /proc/cmdline, the vm.* sysctls, /proc/xen/capabilities, the sysfs xen_memory0 values, /sys/hypervisor/type, /etc/xen/xl.conf, /etc/default/grub.d/xen.cfg, /etc/debian_version, and the output of xl info, xl list, xl list -l, xl dmesg, dmesg and xenstore-read.',
        'Derived from real captures: osrelease and hostname (uname -a), /proc/version (the first dmesg line), /proc/swaps (header only: swapon --show printed nothing). xm is recorded as not found (Xen 4.17 has none).',
        'Reconstructed: the process table. captures/baseline/ps-oom-proc gives pid, comm, VmRSS, oom_score and oom_score_adj for every process (all real); status and stat are rebuilt around them.',
        'PPid is 2 for kernel threads, 1 for services, and the capture\'s own ssh session is chained sshd 574 -> bash 580 -> bash 581/sort 582; uids come from the OOM task dump of captures/oom (same image; 0 elsewhere).',
        'VmSize was not captured and is set to VmRSS (a lower bound) so that the file shows an address space; State, stat times and all other stat fields are not captured (0 or kernel constants).',
        'cmdline: kernel threads empty; oxenstored and xenconsoled real (baseline/services); sshd listener, cron and the ssh session from captures/oom/00-services-before (same image, another boot); others absent.',
        'Not captured, so absent: /proc/sys/kernel/panic, /etc/os-release, /etc/default/grub, oom_adj.',
      ].join(' '),
    },
    files: baselineHostFiles(),
    commands: baselineCommands(),
    processes,
  })
}

// ---------------------------------------------------------------- the hogs host (xenlab-hogs)

function buildHogs() {
  const O = (name) => capture('oom', name)
  const rows = parsePsOomProc(O('01-ps-oom-hogs').stdout)
  must(rows.every((r) => r.rssKiB !== null), '01-ps-oom-hogs lists only processes with VmRSS')

  // Command lines: the sshd listener and cron from 00-services-before (same boot); the hogs from
  // 01-hog-units (transient units whose description is the command line), matched by their size.
  const cmdlines = {}
  for (const m of O('00-services-before').stdout.matchAll(/^(\d+) (.+)$/gm)) {
    if (/^(sshd: \/usr\/sbin\/sshd|\/usr\/sbin\/cron)/.test(m[2])) cmdlines[Number(m[1])] = m[2].startsWith('/usr/sbin/cron') ? argv(...m[2].split(' ')) : argv(m[2])
  }
  const units = [...O('01-hog-units').stdout.matchAll(/^xenlab-hog\d-(py|node)(\d+)\.service\s+loaded active running (\S.*)$/gm)]
  must(units.length === 3, 'expected three hog units')
  for (const u of units) {
    const mib = Number(u[2])
    const comm = u[1] === 'py' ? 'python3' : 'node'
    // The hog of N MiB has the largest RSS of its kind between N and N + 60 MiB.
    const match = rows.filter((r) => r.comm === comm && r.rssKiB >= mib * 1024 && r.rssKiB < (mib + 60) * 1024)
    must(match.length === 1, `cannot match hog ${u[0]} to a process`)
    cmdlines[match[0].pid] = argv(...u[3].split(' '))
  }
  const parents = {418: 259, 424: 418, 425: 424, 426: 424}

  const processes = rows.map((r) => {
    const dump = oomDump.get(r.pid)
    if (dump) must(dump.comm === r.comm.slice(0, 15) && dump.oomScoreAdj === r.oomScoreAdj, `task dump pid ${r.pid} is not ${r.comm}`)
    const p = {
      pid: r.pid,
      comm: r.comm,
      ppid: r.pid === 1 ? 0 : parents[r.pid] ?? 1,
      uid: dump?.uid ?? 0,
      kernelThread: false,
      rssKiB: r.rssKiB,
      // total_vm from the task dump ~100 s later (address-space size does not change while a
      // daemon idles); else VmRSS as a lower bound.
      vmSizeKiB: dump ? Math.max(dump.totalVmPages * 4, r.rssKiB) : r.rssKiB,
      vmPteKiB: dump ? dump.pgtablesBytes / 1024 : null,
    }
    return {
      pid: r.pid,
      files: {status: status61(p), stat: stat61(p), cmdline: cmdlines[r.pid] ?? null, oom_score: `${r.oomScore}\n`, oom_score_adj: `${r.oomScoreAdj}\n`},
    }
  })

  const files = baselineHostFiles()
  files['/proc/meminfo'] = O('01-proc-meminfo-hogs').stdout
  const [targetKb, currentKb] = O('00-xen-memory-before').stdout.trim().split('\n')
  files[`${SYSFS}/target_kb`] = targetKb + '\n'
  files[`${SYSFS}/info/current_kb`] = currentKb + '\n'
  const commands = baselineCommands()
  commands['xl-list'] = O('01-xl-list-hogs')

  const params = readFileSync(join(capturesDir, 'oom', 'PARAMS'), 'utf8')
  const memsetEpoch = /memset_epoch=(\d+)/.exec(params)
  must(memsetEpoch, 'no memset_epoch in oom/PARAMS')
  // 01-proc-meminfo-hogs ran about 17 s before the mem-set (INDEX.tsv: 1.8 + 9.2 + 1.8 + 2.0 s of
  // captures, then the monitor start and a 3 s pause).
  const capturedAt = new Date((Number(memsetEpoch[1]) - 17) * 1000).toISOString().replace('.000Z', 'Z')

  writeSnapshot('xenlab-hogs', {
    manifest: {
      capturedAt,
      hostname: 'xenlab-dom0',
      source: 'xenlab: real Xen 4.17.7 / Debian 12 dom0 in QEMU/TCG, captures/oom (00-*, 01-*) of ../shared/xenlab with the rest from captures/baseline, converted by scripts/make-xenlab-snapshot.mjs',
      toolstack: 'xl',
      description: [
        'The lab dom0 seconds before `xl mem-set 0 256m` in the OOM reproduction (captures/oom, run 2): dom0 at 1536 MiB with three memory hogs running (python3 400 MiB, python3 300 MiB, node 200 MiB), MemAvailable 407360 kB, no swap.',
        'That mem-set was never reached by the balloon (stuck at 1005188 kB) and the OOM killer killed the 400 MiB python3 (pid 358) after 51 s.',
        'Real, same boot: /proc/meminfo (01-proc-meminfo-hogs), xl list (01-xl-list-hogs), sysfs target_kb/current_kb (00-xen-memory-before), and pid, comm, VmRSS, oom_score, oom_score_adj of every process with an address space (01-ps-oom-hogs; that listing skipped kernel threads, so there are none here).',
        'Reconstructed process files: uid, VmSize (total_vm) and VmPTE from the kernel OOM task dump of the same boot about 100 s later (03-dmesg-since-start) where the pid is listed there, else uid 0 and VmSize = VmRSS (lower bound); PPid 1 for services, the capture ssh session chained sshd 418 -> bash 424 -> bash 425/sort 426.',
        'cmdline: sshd listener and cron from 00-services-before, the hogs from 01-hog-units (systemd-run command lines); others absent. State and the other stat fields are not captured (0 or kernel constants).',
        'Taken from captures/baseline (same image, same Xen command line, dom0 also at 1536 MiB, a different boot): xl info, xl list -l, xl dmesg, dmesg, xenstore-read, /proc/cmdline, /proc/version, the vm.* sysctls, /proc/xen/capabilities, sysfs low_kb/high_kb, /sys/hypervisor/type, xl.conf, grub.d/xen.cfg, /etc/debian_version.',
      ].join(' '),
    },
    files,
    commands,
    processes,
  })
}

buildBaseline()
buildHogs()
