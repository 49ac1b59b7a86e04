import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {parseKernelRelease} from '../../src/linux/kernel-version.js'
import {parseProcesses, type ProcessInfo} from '../../src/linux/processes.js'
import {simulateOomKills} from '../../src/safety/victims.js'
import {fixture, proc, processFilesFixture, xenlabProcesses} from '../linux/helpers.js'

const debian61 = parseKernelRelease('6.1.0-56-amd64')
const el5 = parseKernelRelease('2.6.18-419.el5xen')
const sum = (xs: {kib: number}[]) => xs.reduce((s, x) => s + x.kib, 0)

describe('simulateOomKills on the lab dom0', () => {
  const lab = xenlabProcesses(fixture('xenlab-oom-01-ps-oom-hogs.txt'), {hvc0GettyPid: 256})

  it('kills nobody when there is no deficit', () => {
    const sim = simulateOomKills({processes: lab, deficitKiB: 0, kernel: debian61, totalKiB: 1424576})
    expect(sim.victims).toEqual([])
    expect(sim.covered).toBe(true)
    expect(sim.nothingLeftToKill).toBe(false)
  })

  it('takes the hogs in oom_score order until the deficit is covered, with running totals', () => {
    const sim = simulateOomKills({processes: lab, deficitKiB: 700_000, kernel: debian61, totalKiB: 1424576})
    expect(sim.victims.map((v) => [v.pid, v.freedKiB, v.cumulativeKiB])).toEqual([[358, 417832, 417832], [367, 315384, 733216]])
    expect(sim.covered).toBe(true)
    expect(sim.freedKiB).toBe(733216)
    expect(sum(sim.explanation)).toBe(733216)
  })

  it('reaches sshd sessions and cron once the hogs are gone, and marks the critical ones', () => {
    const sim = simulateOomKills({processes: lab, deficitKiB: 1_015_000, kernel: debian61, totalKiB: 1424576})
    expect(sim.victims.map((v) => v.pid)).toEqual([358, 367, 375, 418, 220, 228, 424, 222])
    expect(sim.victims.at(-1)).toMatchObject({pid: 222, critical: true, service: 'cron', cumulativeKiB: 1015992})
    expect(sim.victims.find((v) => v.pid === 418)).toMatchObject({critical: false, service: 'sshd-session'})
    expect(sim.explanation.find((l) => l.label === 'kill cron (222)')?.note).toContain('CRITICAL')
  })

  it('reports that nothing is left to kill when even every process is not enough, never touching −1000 ones', () => {
    const sim = simulateOomKills({processes: lab, deficitKiB: 2_000_000, kernel: debian61, totalKiB: 1424576})
    expect(sim.covered).toBe(false)
    expect(sim.nothingLeftToKill).toBe(true)
    expect(sim.shortfallKiB).toBe(2_000_000 - sim.freedKiB)
    const pids = new Set(sim.victims.map((v) => v.pid))
    for (const protectedPid of [1, 212, 259, 266]) expect(pids.has(protectedPid)).toBe(false)
    expect(sim.explanation.at(-1)?.label).toBe('nothing left to kill')
  })

  it('stops at maxVictims without claiming that nothing is left', () => {
    const sim = simulateOomKills({processes: lab, deficitKiB: 2_000_000, kernel: debian61, totalKiB: 1424576, maxVictims: 2})
    expect(sim.victims).toHaveLength(2)
    expect(sim.nothingLeftToKill).toBe(false)
    expect(sim.explanation.at(-1)?.label).toBe('still missing')
  })
})

describe('simulateOomKills on a 2.6.18 dom0', () => {
  const table = parseProcesses(processFilesFixture('el5-2.6.18-processes.json')).processes
  const run = (deficitKiB: number) => simulateOomKills({processes: table, deficitKiB, kernel: el5, totalKiB: 8033836 + 7815580, uptimeSeconds: 864000})

  it('kills the hog, then sshd’s shell before the session, then cron and sshd while xend outlives them', () => {
    const sim = run(10_000_000)
    expect(sim.model).toBe('legacy-badness')
    const order = sim.victims.map((v) => v.pid)
    expect(order.slice(0, 5)).toEqual([7000, 5001, 5002, 4102, 4100])
    // The bash shell died for its parent, the ssh session (first-child rule).
    expect(sim.victims[3]).toMatchObject({pid: 4102, chosenPid: 4100, viaChildRule: true})
    expect(order.indexOf(2410)).toBeLessThan(order.indexOf(2600)) // crond before xend
    expect(order.indexOf(2345)).toBeLessThan(order.indexOf(2600)) // the sshd listener before xend
    expect(sim.victims.filter((v) => v.critical).map((v) => v.service)).toEqual(expect.arrayContaining(['cron', 'sshd', 'xenconsoled', 'qemu-dm']))
  })

  it('recomputes the parent’s points after its child dies', () => {
    const sim = run(10_000_000)
    const session = sim.victims.find((v) => v.pid === 4100)
    const shell = sim.victims.find((v) => v.pid === 4102)
    // With the shell alive the session scored (22528 + 8265)/2/16 = 962; afterwards 22528/2/16 = 704.
    expect(shell?.points).toBe(516)
    expect(session?.points).toBe(704)
  })
})

describe('simulateOomKills properties', () => {
  const arbProc = (pid: number) => fc.record({
    rssKiB: fc.nat({max: 500_000}),
    swapKiB: fc.nat({max: 50_000}),
    oomScoreAdj: fc.constantFrom(-1000, -500, 0, 0, 0, 300),
    ppidOffset: fc.nat({max: 3}),
    vmExtra: fc.nat({max: 1_000_000}),
    kernelThread: fc.boolean(),
    utime: fc.nat({max: 1_000_000}),
  }).map((r): ProcessInfo => proc({
    pid,
    ppid: Math.max(1, pid - 1 - r.ppidOffset),
    rssKiB: r.kernelThread ? 0 : r.rssKiB,
    swapKiB: r.kernelThread ? 0 : r.swapKiB,
    oomScoreAdj: r.oomScoreAdj,
    oomAdj: r.oomScoreAdj === -1000 ? -17 : 0,
    vmSizeKiB: r.kernelThread ? null : r.rssKiB + r.vmExtra,
    hasMm: !r.kernelThread,
    isKernelThread: r.kernelThread,
    cmdline: r.kernelThread ? [] : [`/bin/p${pid}`],
    utimeTicks: r.utime,
    starttimeTicks: pid * 10,
  }))
  const arbTable = fc.integer({min: 1, max: 25}).chain((n) => fc.tuple(...Array.from({length: n}, (_, i) => arbProc(i + 2))))
  const kernels = fc.constantFrom(debian61, el5, parseKernelRelease('3.10.0'), null)

  it('either covers the deficit or says nothing is left, killing each process at most once and never a protected one', () => {
    fc.assert(fc.property(arbTable, fc.nat({max: 3_000_000}), kernels, (table, deficit, kernel) => {
      const processes = [proc({pid: 1, ppid: 0}), ...table]
      const sim = simulateOomKills({processes, deficitKiB: deficit, kernel, totalKiB: 4_000_000, uptimeSeconds: 100_000})
      expect(sim.covered || sim.nothingLeftToKill).toBe(true)
      expect(sim.covered).toBe(sim.freedKiB >= deficit)
      const pids = sim.victims.map((v) => v.pid)
      expect(new Set(pids).size).toBe(pids.length)
      let running = 0
      for (const v of sim.victims) {
        running += v.freedKiB
        expect(v.cumulativeKiB).toBe(running)
        const p = processes.find((x) => x.pid === v.pid) as ProcessInfo
        expect(p.pid).not.toBe(1)
        expect(p.isKernelThread).toBe(false)
        expect(p.oomScoreAdj).not.toBe(-1000)
      }
      if (sim.covered && sim.victims.length > 0) {
        // Minimal: without the last kill the deficit would not be covered.
        expect((sim.victims.at(-1) as {cumulativeKiB: number; freedKiB: number}).cumulativeKiB - (sim.victims.at(-1) as {freedKiB: number}).freedKiB).toBeLessThan(deficit)
      }
      if (sim.nothingLeftToKill) {
        const killable = processes.filter((p) => p.pid !== 1 && !p.isKernelThread && p.oomScoreAdj !== -1000)
        expect(sim.victims).toHaveLength(killable.length)
      }
    }), {numRuns: 300})
  })

  it('kills more (never fewer) as the deficit grows', () => {
    fc.assert(fc.property(arbTable, fc.nat({max: 2_000_000}), fc.nat({max: 2_000_000}), kernels, (table, d1, d2, kernel) => {
      const processes = [proc({pid: 1, ppid: 0}), ...table]
      const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1]
      const a = simulateOomKills({processes, deficitKiB: lo, kernel, totalKiB: 4_000_000, uptimeSeconds: 100_000})
      const b = simulateOomKills({processes, deficitKiB: hi, kernel, totalKiB: 4_000_000, uptimeSeconds: 100_000})
      expect(b.victims.length).toBeGreaterThanOrEqual(a.victims.length)
      expect(b.victims.slice(0, a.victims.length).map((v) => v.pid)).toEqual(a.victims.map((v) => v.pid))
    }), {numRuns: 200})
  })
})
