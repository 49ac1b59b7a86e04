import {describe, expect, it} from 'vitest'
import {parseKernelRelease} from '../../src/linux/kernel-version.js'
import {parseProcesses} from '../../src/linux/processes.js'
import {applyChildRule, buildOomModel, legacyBadness, modernBadnessPages, oomAdjToScoreAdj, rankCandidates} from '../../src/safety/oom-model.js'
import {fixture, proc, processFilesFixture, xenlabProcesses} from '../linux/helpers.js'

const debian61 = parseKernelRelease('6.1.0-56-amd64')
const el5 = parseKernelRelease('2.6.18-419.el5xen')
const el7 = parseKernelRelease('3.10.0-1160.el7.x86_64')
const alive = (ps: {pid: number}[]) => new Set(ps.map((p) => p.pid))

describe('modern model (≥ 2.6.36)', () => {
  const lab = xenlabProcesses(fixture('xenlab-oom-01-ps-oom-hogs.txt'), {hvc0GettyPid: 256})
  const model = buildOomModel(lab, {kernel: debian61, totalKiB: 1424576})

  it('ranks the lab dom0 by the kernel’s own oom_score, hogs first', () => {
    expect(model.kind).toBe('modern-oom-score')
    expect(model.childRule).toBe('none')
    const ranked = rankCandidates(model, alive(lab))
    expect(ranked.slice(0, 5).map((r) => [r.process.pid, r.points])).toEqual([[358, 862], [367, 814], [375, 784], [418, 671], [220, 670]])
  })

  it('skips oom_score_adj −1000 (sshd listener, oxenstored, udevd) and pid 1, saying why', () => {
    const excluded = new Map(model.excluded.map((e) => [e.pid, e.reason]))
    expect(excluded.get(259)).toContain('−1000')
    expect(excluded.get(266)).toContain('−1000')
    expect(excluded.get(212)).toContain('−1000')
    expect(excluded.get(1)).toContain('init')
    expect(model.candidates.map((c) => c.pid)).not.toContain(259)
  })

  it('breaks oom_score ties by the computed badness', () => {
    const ranked = rankCandidates(model, alive(lab)).map((r) => r.process.pid)
    // cron (2456 KiB), xenconsoled (1712) and bash 425 (2232) all show 667.
    expect(ranked.indexOf(222)).toBeLessThan(ranked.indexOf(425))
    expect(ranked.indexOf(425)).toBeLessThan(ranked.indexOf(275))
  })

  it('computes oom_badness from status when oom_score is missing, with the adj scaled by total memory', () => {
    const a = proc({pid: 10, rssKiB: 400_000, oomScoreAdj: 0})
    const b = proc({pid: 11, rssKiB: 100_000, oomScoreAdj: 500})
    const c = proc({pid: 12, rssKiB: 900_000, oomScoreAdj: -1000})
    const m = buildOomModel([a, b, c], {kernel: debian61, totalKiB: 1_000_000})
    expect(m.kind).toBe('modern-computed')
    // b: 100000/4 + 64/4 pages + 500 × 250000/1000 = 25016 + 125000.
    expect(modernBadnessPages(b, 1_000_000)).toBe(25016 + 125000)
    expect(rankCandidates(m, alive([a, b, c])).map((r) => r.process.pid)).toEqual([11, 10])
  })

  it('maps a legacy oom_adj to oom_score_adj the way the kernel does', () => {
    expect(oomAdjToScoreAdj(-17)).toBe(-1000)
    expect(oomAdjToScoreAdj(15)).toBe(882)
    expect(oomAdjToScoreAdj(-8)).toBe(-470)
  })

  it('applies the worst-child rule on a 3.10 kernel', () => {
    const parent = proc({pid: 20, rssKiB: 500_000})
    const small = proc({pid: 21, ppid: 20, rssKiB: 10_000, starttimeTicks: 2000})
    const big = proc({pid: 22, ppid: 20, rssKiB: 50_000, starttimeTicks: 3000})
    const m = buildOomModel([parent, small, big], {kernel: el7, totalKiB: 4_000_000})
    expect(m.childRule).toBe('worst-child')
    expect(applyChildRule(m, parent, alive([parent, small, big])).pid).toBe(22)
  })

  it('decides by the presence of oom_score_adj when the kernel version is unknown', () => {
    expect(buildOomModel(lab, {kernel: null, totalKiB: 1424576}).kind).toBe('modern-oom-score')
    const old = [proc({pid: 5, oomScoreAdj: null, oomAdj: 0})]
    expect(buildOomModel(old, {kernel: null, totalKiB: 1000}).kind).toBe('legacy-badness')
  })
})

describe('legacy model (2.6.18)', () => {
  const table = parseProcesses(processFilesFixture('el5-2.6.18-processes.json')).processes
  const model = buildOomModel(table, {kernel: el5, totalKiB: 8033836 + 7815580, uptimeSeconds: 864000})

  it('uses the pre-2.6.36 badness and the first-child rule', () => {
    expect(model.kind).toBe('legacy-badness')
    expect(model.childRule).toBe('first-child')
    expect(model.description).toContain('2.6.18-419.el5xen')
  })

  it('scores a niced non-root memory hog by total_vm, doubled for nice', () => {
    const hog = table.find((p) => p.pid === 7000)
    const r = legacyBadness(hog!, [], 864000)
    // 1000000 KiB = 250000 pages; ran 4000 s → run-time units 3, ∜ → 1; niced ×2; uid 500, no caps.
    expect(r.points).toBe(500_000)
    expect(r.factors).toContain('× 2 (niced)')
  })

  it('divides root daemons by 16 (CAP_SYS_ADMIN and CAP_SYS_RAWIO) and long-running, busy ones by √cpu and ∜runtime', () => {
    const xend = table.find((p) => p.pid === 2600)!
    const kids = table.filter((p) => p.ppid === 2600)
    const r = legacyBadness(xend, kids, 864000)
    // (112500 + 120000/4/2 + 1) = 127501 pages; cpu 12000 s → 1464 units → ÷38; run 10 days → 843 → ∜ 5; ÷16.
    expect(r.points).toBe(Math.floor(Math.floor(Math.floor(Math.floor(127501 / 38) / 5) / 4) / 4))
    expect(r.factors.join(' ')).toMatch(/÷ 38 .*÷ 5 .*÷ 4 .*÷ 4/)
  })

  it('shifts by oom_adj and skips OOM_DISABLE (−17)', () => {
    const base = proc({pid: 30, uid: 1000, euid: 1000, vmSizeKiB: 40960, oomScoreAdj: null, oomAdj: 0})
    expect(legacyBadness({...base, oomAdj: 3}, [], null).points).toBe(10240 * 8)
    expect(legacyBadness({...base, oomAdj: -2}, [], null).points).toBe(10240 / 4)
    const m = buildOomModel([base, {...base, pid: 31, oomAdj: -17}], {kernel: el5, totalKiB: 100000})
    expect(m.excluded).toEqual([{pid: 31, comm: 'p30', reason: 'oom_adj −17 (OOM_DISABLE)'}])
  })

  it('ranks the memory hog first and the big, old, busy xend near the bottom', () => {
    const ranked = rankCandidates(model, alive(table)).map((r) => r.process.pid)
    expect(ranked[0]).toBe(7000)
    // Equal httpd children: the legacy select loop keeps the first (older) one.
    expect(ranked.slice(1, 3)).toEqual([5001, 5002])
    expect(ranked.indexOf(2600)).toBeGreaterThan(ranked.indexOf(2410))
  })

  it('kills the first child with its own mm instead of the chosen parent', () => {
    const sshdSession = table.find((p) => p.pid === 4100)!
    expect(applyChildRule(model, sshdSession, alive(table)).pid).toBe(4102)
    const withoutBash = new Set([...alive(table)].filter((pid) => pid !== 4102))
    expect(applyChildRule(model, sshdSession, withoutBash).pid).toBe(4100)
  })
})
