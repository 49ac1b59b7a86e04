import {spawn, type ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'
import {SnapshotHost} from '../../src/host/snapshot.js'
import {parseKernelRelease} from '../../src/linux/kernel-version.js'
import {parseMeminfo} from '../../src/linux/meminfo.js'
import {parseProcesses, type ProcessInfo} from '../../src/linux/processes.js'
import {inheritedProtectionFindings, oomFindings, rankOomVictims, unprotectedCriticalWarning} from '../../src/safety/oom-ranking.js'
import {assessStatus} from '../../src/safety/status-assessment.js'
import {buildHostState, type HostState} from '../../src/state/host-state.js'
import {LINUX_FILES, statusPlan} from '../../src/state/plan.js'
import {EXAMPLE_HOSTS} from '../helpers/cli.js'
import {fixture, proc, processFilesFixture} from '../linux/helpers.js'

async function snapshotState(name: string): Promise<HostState> {
  const host = new SnapshotHost(join(EXAMPLE_HOSTS, name))
  return buildHostState(await host.gather(statusPlan()), host.label)
}

/** A HostState around a process table (the rest as on a small modern dom0). */
function stateWith(processes: ProcessInfo[], kernel = '6.1.0-56-amd64', meminfo = 'xenlab-baseline-proc-meminfo.txt'): HostState {
  return {
    label: 'test', hostname: 'test', kernel: parseKernelRelease(kernel), meminfo: parseMeminfo(fixture(meminfo)), swaps: null, sysctls: null,
    uptimeSeconds: 86400, processes, oomLog: null, pendingRollback: null, rollbacks: [], readProblems: [],
    xen: {detection: {toolstack: null, isDom0: false, info: null, problems: []}, toolstack: null, isDom0: false, info: null, domains: null, domainConfigs: null, balloon: null, commandLine: null, dom0Mem: null, dom0: null},
  } as HostState
}

describe('the kill order on the lab dom0 with three memory hogs', () => {
  let state: HostState
  beforeAll(async () => {
    state = await snapshotState('xenlab-hogs')
  })

  it('follows the kernel\'s own oom_score, highest first, and says so', () => {
    const r = rankOomVictims(state)
    expect(r.model.kind).toBe('modern-oom-score')
    expect(r.model.childRule).toBe('none')
    expect(r.order.slice(0, 3).map((o) => [o.pid, o.name, o.score])).toEqual([[358, 'python3', 862], [367, 'python3', 814], [375, 'node', 784]])
    for (let i = 1; i < r.order.length; i++) expect(r.order[i - 1]!.score).toBeGreaterThanOrEqual(r.order[i]!.score)
  })

  it('frees each victim\'s RSS + swap and keeps a running total', () => {
    const r = rankOomVictims(state)
    const [first, second] = r.order
    expect(first!.freesKiB).toBe(first!.rssKiB + first!.swapKiB)
    expect(second!.cumulativeKiB).toBe(first!.freesKiB + second!.freesKiB)
  })

  it('lists the exempt processes with the reason, and marks the critical ones', () => {
    const never = new Map(rankOomVictims(state).neverChosen.map((n) => [n.pid, n]))
    expect(never.get(259)).toMatchObject({name: 'sshd', protected: true, critical: true, service: 'sshd'})
    expect(never.get(266)).toMatchObject({name: 'oxenstored', protected: true, service: 'xenstored'})
    expect(never.get(1)?.reason).toMatch(/init/)
  })

  it('flags cron, xenconsoled and journald (−250, short of the −1000 memguard wants) as critical and unprotected', () => {
    const f = rankOomVictims(state).findings.find((x) => x.id === 'critical-unprotected')
    expect(f?.message).toMatch(/critical services the OOM killer may take: systemd-journal \(pid 191, oom_score_adj -250\), cron \(pid 222, oom_score_adj 0\), xenconsoled \(pid 275, oom_score_adj 0\)/)
    expect(f?.advice).toBe('memguard protect --apply --persist   (covers journald, cron, xenconsoled)')
    expect(f?.pids).toEqual([191, 222, 275])
  })

  it('marks a negative adj that is not an exemption as a handicap', () => {
    const dbus = rankOomVictims(state).order.find((o) => o.name === 'dbus-daemon')
    expect(dbus).toMatchObject({protection: 'reduced', oomScoreAdj: -900})
  })
})

describe('the kill order on a RHEL5-like dom0 (2.6.18, oom_adj only)', () => {
  const processes = parseProcesses(processFilesFixture('el5-2.6.18-processes.json')).processes
  const state = stateWith(processes, '2.6.18-419.el5xen', 'el5-2.6.18-proc-meminfo.txt')

  it('uses the legacy badness model and says why', () => {
    const r = rankOomVictims(state)
    expect(r.model.kind).toBe('legacy-badness')
    expect(r.model.description).toMatch(/2\.6\.18-419\.el5xen: pre-2\.6\.36 badness/)
    expect(r.model.childRuleText).toMatch(/first child/)
  })

  it('kills the memory hog first, and a child before the parent the kernel chose', () => {
    const r = rankOomVictims(state)
    expect(r.order[0]).toMatchObject({pid: 7000, name: 'memhog'})
    const viaChild = r.order.filter((o) => o.viaChildRule)
    expect(viaChild.length).toBeGreaterThan(0)
    for (const v of viaChild) expect(processes.find((p) => p.pid === v.pid)?.ppid).toBe(v.chosenPid)
  })

  it('names the default-set services to protect and the opt-in ones (xend, qemu-dm) separately, by service id', () => {
    const f = rankOomVictims(state).findings.find((x) => x.id === 'critical-unprotected')
    expect(f?.advice).toMatch(/^memguard protect --apply --persist {3}\(covers sshd, cron, xenstored, xenconsoled\); not in memguard's default set: xend, qemu-dm – add with --process xend --process qemu-dm/)
  })
})

describe('the kill order on the incident host (seed-incident: RHEL5, 2.6.18, xm)', () => {
  it('uses the legacy model and puts sshd, crond, xenstored and xenconsoled in the line of fire', async () => {
    const r = rankOomVictims(await snapshotState('seed-incident'))
    expect(r.model.kind).toBe('legacy-badness')
    const critical = new Set(r.order.filter((o) => o.critical).map((o) => o.service))
    for (const s of ['sshd', 'cron', 'xenstored', 'xenconsoled']) expect(critical.has(s), s).toBe(true)
    expect(r.neverChosen.filter((n) => !n.kernelThread).map((n) => n.pid)).toEqual([1])
  })
})

describe('protection that leaks into children', () => {
  const base = [proc({pid: 1, comm: 'init', cmdline: ['init'], oomScoreAdj: 0})]

  it('reports crond at −1000: every cron job it starts is unkillable too', () => {
    const ps = [...base, proc({pid: 10, comm: 'cron', cmdline: ['/usr/sbin/cron', '-f'], oomScoreAdj: -1000})]
    const [f] = inheritedProtectionFindings(ps)
    expect(f?.id).toBe('protection-inherited')
    expect(f?.message).toMatch(/^cron \(pid 10, oom_score_adj -1000\) is exempt from the OOM killer and every cron job it starts is unkillable too/)
    expect(f?.advice).toMatch(/−100/)
  })

  it('reports crond at oom_adj −17 on 2.6.18 with the jobs that carry it now', () => {
    const ps = [
      proc({pid: 1, comm: 'init', oomScoreAdj: null, oomAdj: 0}),
      proc({pid: 10, comm: 'crond', cmdline: ['crond'], oomScoreAdj: null, oomAdj: -17}),
      proc({pid: 11, ppid: 10, comm: 'crond', cmdline: ['crond'], oomScoreAdj: null, oomAdj: -17}),
      proc({pid: 12, ppid: 11, comm: 'backup.sh', cmdline: ['/bin/sh', '/root/backup.sh'], oomScoreAdj: null, oomAdj: -17}),
    ]
    const f = inheritedProtectionFindings(ps).find((x) => x.pids[0] === 10)
    expect(f?.message).toMatch(/crond \(pid 10, oom_adj -17\).* – now: crond \(pid 11\)/)
  })

  it('reports a protected shell: everything started from it is exempt', () => {
    const ps = [...base, proc({pid: 20, comm: 'bash', cmdline: ['-bash'], oomScoreAdj: -1000}), proc({pid: 21, ppid: 20, comm: 'rsync', oomScoreAdj: -1000})]
    const [f] = inheritedProtectionFindings(ps)
    expect(f?.message).toMatch(/bash \(pid 20, oom_score_adj -1000\) is exempt .*every command started from it inherits the exemption – now: rsync \(pid 21\)/)
  })

  it('does not report the sshd listener whose sessions OpenSSH reset to 0', () => {
    const ps = [...base, proc({pid: 30, comm: 'sshd', cmdline: ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'], oomScoreAdj: -1000}), proc({pid: 31, ppid: 30, comm: 'sshd', cmdline: ['sshd: root@pts/0'], oomScoreAdj: 0})]
    expect(inheritedProtectionFindings(ps)).toEqual([])
  })

  it('reports an sshd whose sessions carry −1000 (OOMScoreAdjust= on the unit, or OpenSSH < 5.4p1)', () => {
    const ps = [...base, proc({pid: 30, comm: 'sshd', cmdline: ['/usr/sbin/sshd', '-D'], oomScoreAdj: -1000}), proc({pid: 31, ppid: 30, comm: 'sshd', cmdline: ['sshd: root@pts/0'], oomScoreAdj: -1000})]
    const [f] = inheritedProtectionFindings(ps)
    expect(f?.message).toMatch(/its ssh sessions carry it too/)
  })

  it('does not report the memguard reverter\'s `sleep 1`', () => {
    const ps = [...base, proc({pid: 40, comm: 'memguard-revert', cmdline: ['/bin/sh', '/run/memguard/memguard-reverter'], oomScoreAdj: -1000}), proc({pid: 41, ppid: 40, comm: 'sleep', cmdline: ['sleep', '1'], oomScoreAdj: -1000})]
    expect(inheritedProtectionFindings(ps)).toEqual([])
  })
})

describe('what counts as unprotected (shared with status)', () => {
  const cron = (adj: number) => proc({pid: 10, comm: 'cron', cmdline: ['/usr/sbin/cron', '-f'], oomScoreAdj: adj})

  it('accepts cron at memguard\'s −100, which is a handicap by design', () => {
    expect(oomFindings([cron(-100)]).find((f) => f.id === 'critical-unprotected')).toBeUndefined()
    expect(oomFindings([cron(-50)]).find((f) => f.id === 'critical-unprotected')?.message).toMatch(/cron \(pid 10, oom_score_adj -50\)/)
  })

  it('leaves xenwatchdogd out: its death is the reboot trigger', () => {
    expect(unprotectedCriticalWarning([{pid: 5, name: 'xenwatchdogd', oomScoreAdj: 0, oomAdj: null, protected: false, critical: {critical: true, service: 'xenwatchdogd', reason: ''}}])).toBeNull()
  })

  it('gives status the same warning as oom', async () => {
    const state = await snapshotState('xenlab')
    const fromStatus = assessStatus(state).warnings.find((w) => w.id === 'critical-unprotected')
    const fromOom = rankOomVictims(state).findings.find((f) => f.id === 'critical-unprotected')
    expect(fromStatus?.message).toBe(fromOom?.message)
    expect(fromStatus?.advice).toBe(fromOom?.advice)
  })
})

describe('the ranking against the kernel on this machine', () => {
  const children: ChildProcess[] = []
  const sizesMiB = [80, 240, 480]

  beforeAll(async () => {
    // Throwaway processes of clearly different RSS: node filling buffers (every page touched).
    for (const mib of sizesMiB) {
      const child = spawn(process.execPath, ['-e', `const b = Buffer.alloc(${mib} * 1048576, 1); process.stdout.write('ready'); setInterval(() => b[0]++, 1000)`], {stdio: ['ignore', 'pipe', 'ignore']})
      children.push(child)
      await new Promise<void>((resolve, reject) => {
        child.stdout?.once('data', () => resolve())
        child.once('exit', () => reject(new Error('allocator died')))
      })
    }
  })
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL')
  })

  async function liveState(): Promise<HostState> {
    const host = new LocalHost('/')
    return buildHostState(await host.gather({files: LINUX_FILES, commands: [], processes: true}), host.label)
  }
  const pids = () => children.map((c) => c.pid as number)
  const kernelOrder = () => [...pids()].sort((a, b) => Number(readFileSync(`/proc/${b}/oom_score`, 'utf8')) - Number(readFileSync(`/proc/${a}/oom_score`, 'utf8')))

  it('puts the throwaway processes in the order of /proc/<pid>/oom_score', async () => {
    const state = await liveState()
    const r = rankOomVictims(state)
    expect(r.model.kind).toBe('modern-oom-score')
    const ours = r.order.filter((o) => pids().includes(o.pid)).map((o) => o.pid)
    expect(ours).toEqual(kernelOrder())
    // And that is largest first.
    expect(ours).toEqual([...pids()].reverse())
  })

  it('computes the same order from RSS, swap and page tables when oom_score is not there', async () => {
    const state = await liveState()
    const withoutScore = {...state, processes: state.processes.map((p) => ({...p, oomScore: null}))}
    const r = rankOomVictims(withoutScore)
    expect(r.model.kind).toBe('modern-computed')
    expect(r.order.filter((o) => pids().includes(o.pid)).map((o) => o.pid)).toEqual(kernelOrder())
  })

  it('follows a raised oom_score_adj as the kernel does: the smallest process, raised by 500, goes first', async () => {
    // Raising works without CAP_SYS_RESOURCE. 500 adds half of RAM+swap to its points: the
    // smallest process overtakes the others, in memguard's model and in the kernel's.
    const smallest = pids()[0] as number
    const {writeFileSync} = await import('node:fs')
    writeFileSync(`/proc/${smallest}/oom_score_adj`, '500\n')
    const r = rankOomVictims(await liveState())
    const ours = r.order.filter((o) => pids().includes(o.pid)).map((o) => o.pid)
    expect(ours[0]).toBe(smallest)
    expect(ours).toEqual(kernelOrder())
  })
})
