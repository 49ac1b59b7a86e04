import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {mib} from '../../src/lib/size.js'
import {parseMeminfo, type Meminfo} from '../../src/linux/meminfo.js'
import {computeDom0Floor, defaultHeadroomKiB, DEFAULT_HEADROOM_MIN_KiB, LIBXL_MIN_DOM0_KiB, qubesUsedKiB} from '../../src/safety/floor.js'
import {fixture} from '../linux/helpers.js'

const sum = (lines: {kib: number}[]) => lines.reduce((s, l) => s + l.kib, 0)

/** A meminfo with just the numbers the floor uses. */
function meminfo(m: {total: number; free: number; available: number; buffers?: number; cached?: number; swapTotal?: number; swapFree?: number}): Meminfo {
  const text = [
    `MemTotal: ${m.total} kB`, `MemFree: ${m.free} kB`, `MemAvailable: ${m.available} kB`,
    `Buffers: ${m.buffers ?? 0} kB`, `Cached: ${m.cached ?? 0} kB`,
    `SwapTotal: ${m.swapTotal ?? 0} kB`, `SwapFree: ${m.swapFree ?? m.swapTotal ?? 0} kB`,
  ].join('\n')
  return parseMeminfo(text)
}

describe('computeDom0Floor with the lab’s numbers', () => {
  it('sees the same ~145 MiB kernel gap at 1536M, 1024M and 256M, as the lab measured', () => {
    const at1536 = computeDom0Floor({meminfo: parseMeminfo(fixture('xenlab-baseline-proc-meminfo.txt')), allocationKiB: mib(1536)})
    const at1024 = computeDom0Floor({meminfo: parseMeminfo(fixture('xenlab-memset-1024m-proc-meminfo.txt')), allocationKiB: mib(1024)})
    const at256 = computeDom0Floor({meminfo: parseMeminfo(fixture('xenlab-idle-256m-03-proc-meminfo-after.txt')), allocationKiB: mib(256)})
    expect(at1536.kernelGapKiB).toBe(148288)
    expect(at1024.kernelGapKiB).toBe(148288)
    expect(at256.kernelGapKiB).toBe(148288)
  })

  it('puts the idle 1536M dom0’s floor at 347 MiB: gap 148288 + in use 75204 + headroom 128 MiB, rounded up', () => {
    const f = computeDom0Floor({meminfo: parseMeminfo(fixture('xenlab-baseline-proc-meminfo.txt')), allocationKiB: mib(1536)})
    expect(f.inUseKiB).toBe(1424576 - 1349372)
    expect(f.headroomKiB).toBe(DEFAULT_HEADROOM_MIN_KiB)
    expect(f.floorKiB).toBe(mib(347))
    expect(sum(f.explanation)).toBe(f.floorKiB)
    expect(f.explanation.map((l) => l.label)).toEqual(['kernel gap', 'in use', 'headroom', 'rounding'])
    // Qubes: 1.3 × (1424576 − 1305524 − 4688 − 48028) + 350 MiB = 1.3 × 66336 + 358400 → 435 MiB.
    expect(f.warnLevelKiB).toBe(mib(435))
    expect(sum(f.warnExplanation)).toBe(f.warnLevelKiB)
    expect(f.xlMinimumKiB).toBe(mib(128))
  })

  it('raises the floor to 1387 MiB once the three hogs hold ~950 MiB (headroom becomes 25 % of in use)', () => {
    const f = computeDom0Floor({meminfo: parseMeminfo(fixture('xenlab-oom-01-proc-meminfo-hogs.txt')), allocationKiB: mib(1536)})
    expect(f.inUseKiB).toBe(1424576 - 407360)
    expect(f.headroomKiB).toBe(Math.ceil((1424576 - 407360) / 4))
    expect(f.floorKiB).toBe(mib(1387))
  })

  it('says when MemAvailable was estimated (2.6.18 has none)', () => {
    const f = computeDom0Floor({meminfo: parseMeminfo(fixture('el5-2.6.18-proc-meminfo.txt')), allocationKiB: 8388608})
    expect(f.memAvailableEstimated).toBe(true)
    expect(f.explanation[1]?.note).toContain('estimated')
  })
})

describe('computeDom0Floor options', () => {
  const m = meminfo({total: 900000, free: 100000, available: 400000, swapTotal: 200000, swapFree: 150000})

  it('counts swap in use as in use, and free swap not as headroom unless asked', () => {
    const f = computeDom0Floor({meminfo: m, allocationKiB: 1048576})
    expect(f.swapUsedKiB).toBe(50000)
    expect(f.inUseKiB).toBe(500000 + 50000)
    expect(f.swapHeadroomKiB).toBe(0)
    const g = computeDom0Floor({meminfo: m, allocationKiB: 1048576, countSwapAsHeadroom: true})
    expect(g.swapHeadroomKiB).toBe(g.headroomKiB)
    expect(g.floorKiB).toBeLessThan(f.floorKiB)
    expect(sum(g.explanation)).toBe(g.floorKiB)
  })

  it('takes a headroom as a size or as a percentage', () => {
    expect(computeDom0Floor({meminfo: m, allocationKiB: 1048576, headroom: {kind: 'size', kib: mib(64)}}).headroomKiB).toBe(mib(64))
    expect(computeDom0Floor({meminfo: m, allocationKiB: 1048576, headroom: {kind: 'percent', percent: 50}}).headroomKiB).toBe(275000)
  })

  it('never goes below xl’s 128 MiB, and says so', () => {
    const tiny = meminfo({total: 60000, free: 59000, available: 59500})
    const f = computeDom0Floor({meminfo: tiny, allocationKiB: 60000, headroom: {kind: 'size', kib: 0}})
    expect(f.floorKiB).toBe(LIBXL_MIN_DOM0_KiB)
    expect(f.explanation.at(-1)?.label).toBe('xl minimum')
    expect(sum(f.explanation)).toBe(f.floorKiB)
  })

  it('notes an allocation below MemTotal instead of producing a negative gap', () => {
    const f = computeDom0Floor({meminfo: m, allocationKiB: 500000})
    expect(f.kernelGapKiB).toBe(0)
    expect(f.notes[0]).toContain('below MemTotal')
  })

  it('uses Qubes’ definition of used', () => {
    expect(qubesUsedKiB(meminfo({total: 1000, free: 100, available: 500, buffers: 50, cached: 250, swapTotal: 100, swapFree: 40}))).toBe(660)
  })
})

describe('computeDom0Floor properties', () => {
  const arb = fc.record({
    total: fc.integer({min: 65536, max: 64 * 1024 * 1024}),
    gap: fc.integer({min: 0, max: 1024 * 1024}),
    swapTotal: fc.integer({min: 0, max: 8 * 1024 * 1024}),
  }).chain((b) => fc.record({
    base: fc.constant(b),
    avail1: fc.integer({min: 0, max: b.total}),
    avail2: fc.integer({min: 0, max: b.total}),
    swapFree: fc.integer({min: 0, max: b.swapTotal}),
  }))

  it('is monotonic in in-use memory: less MemAvailable never lowers the floor', () => {
    fc.assert(fc.property(arb, ({base, avail1, avail2, swapFree}) => {
      const [lo, hi] = avail1 <= avail2 ? [avail1, avail2] : [avail2, avail1]
      const mk = (available: number) => computeDom0Floor({
        meminfo: meminfo({total: base.total, free: Math.floor(available / 2), available, swapTotal: base.swapTotal, swapFree}),
        allocationKiB: base.total + base.gap,
      })
      expect(mk(lo).floorKiB).toBeGreaterThanOrEqual(mk(hi).floorKiB)
    }), {numRuns: 300})
  })

  it('always covers gap + in use, is a whole MiB, and its explanation adds up', () => {
    fc.assert(fc.property(arb, ({base, avail1, swapFree}) => {
      const f = computeDom0Floor({
        meminfo: meminfo({total: base.total, free: avail1, available: avail1, swapTotal: base.swapTotal, swapFree}),
        allocationKiB: base.total + base.gap,
      })
      expect(f.floorKiB % 1024).toBe(0)
      expect(f.floorKiB).toBeGreaterThanOrEqual(f.kernelGapKiB + f.inUseKiB + DEFAULT_HEADROOM_MIN_KiB)
      expect(f.headroomKiB).toBe(defaultHeadroomKiB(f.inUseKiB))
      expect(sum(f.explanation)).toBe(f.floorKiB)
      expect(f.warnLevelKiB).toBeGreaterThanOrEqual(mib(350))
    }), {numRuns: 300})
  })
})

describe('the floor of a guest', () => {
  it('is not raised to xl\'s 128 MiB, which only applies to dom0', () => {
    const small = meminfo({total: mib(96), free: mib(60), available: mib(80)})
    const guest = computeDom0Floor({meminfo: small, allocationKiB: mib(100), headroom: {kind: 'size', kib: mib(16)}, isDom0: false})
    expect(guest.floorKiB).toBeLessThan(LIBXL_MIN_DOM0_KiB)
    expect(guest.explanation.map((l) => l.label)).not.toContain('xl minimum')
    const dom0 = computeDom0Floor({meminfo: small, allocationKiB: mib(100), headroom: {kind: 'size', kib: mib(16)}})
    expect(dom0.floorKiB).toBe(LIBXL_MIN_DOM0_KiB)
  })
})
