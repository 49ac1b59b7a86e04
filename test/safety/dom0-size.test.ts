import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseMeminfo} from '../../src/linux/meminfo.js'
import {checkDom0Size, recommendDom0Size, vendorRules} from '../../src/safety/dom0-size.js'
import {computeDom0Floor} from '../../src/safety/floor.js'

const MiB = 1024
const GiB = 1024 * MiB
const FIXTURES = join(import.meta.dirname, '..', 'fixtures')
const labMeminfo = parseMeminfo(readFileSync(join(FIXTURES, 'linux', 'xenlab-baseline-proc-meminfo.txt'), 'utf8'))
const labFloor = computeDom0Floor({meminfo: labMeminfo, allocationKiB: 1536 * MiB})
const rule = (id: string, hostMemoryKiB?: number) => vendorRules({hostMemoryKiB}).find((r) => r.id === id)?.kib

describe('recommendDom0Size', () => {
  it('gives the idle lab dom0 the Xen wiki starting point: its floor is far below 1 GiB', () => {
    const r = recommendDom0Size({hostMemoryKiB: 2559 * MiB, floor: labFloor, meminfo: labMeminfo, guests: {total: 0, hvm: 0, pv: 0, unknown: 0, memoryKiB: 0}})
    expect(labFloor.floorKiB).toBe(347 * MiB)
    expect(r).toMatchObject({kib: 1024 * MiB, basis: 'formula'})
    expect(r.explanation.map((l) => l.label)).toEqual(['starting point'])
    expect(r.notes.join('\n')).toMatch(/no guest is running now/)
  })

  it('adds 64 MiB per HVM guest (and per guest of unknown type) and 16 MiB per PV guest, rounded up to 64 MiB', () => {
    const r = recommendDom0Size({hostMemoryKiB: 64 * GiB, guests: {total: 6, hvm: 2, pv: 3, unknown: 1, memoryKiB: 24 * GiB}})
    // 1024 + 3 × 64 + 3 × 16 = 1264 → 1280
    expect(r.kib).toBe(1280 * MiB)
    expect(r.explanation.map((l) => [l.label, l.kib / MiB])).toEqual([
      ['starting point', 1024],
      ['QEMU per HVM guest', 192],
      ['backends per PV/PVH guest', 48],
      ['rounding', 16],
    ])
    expect(r.notes.join('\n')).toMatch(/floor is not part of the recommendation/)
  })

  it('never recommends less than the floor now', () => {
    const floor = {...labFloor, floorKiB: 1500 * MiB}
    const r = recommendDom0Size({hostMemoryKiB: 16 * GiB, floor, guests: {total: 0, hvm: 0, pv: 0, unknown: 0, memoryKiB: 0}})
    expect(r).toMatchObject({kib: 1536 * MiB, basis: 'floor'})
  })

  it('says when the size is more than half of a small host', () => {
    const r = recommendDom0Size({hostMemoryKiB: 1536 * MiB, guests: null})
    expect(r.notes.join('\n')).toMatch(/more than half of this host's 1.5 GiB/)
  })
})

describe('vendorRules', () => {
  it("follows XenServer's xcp/dom0.py: 1 GiB + 5 % of (host + 256 MiB), down to 16 MiB, at most 8 GiB", () => {
    expect(rule('xenserver', 2559 * MiB)).toBe(1152 * MiB)
    expect(rule('xenserver', 64 * GiB)).toBe(4304 * MiB)
    expect(rule('xenserver', 512 * GiB)).toBe(8192 * MiB)
  })

  it('has the XCP-ng tiers, Oracle VM 502 MiB + 2.05 %, Qubes from what dom0 uses, and the wiki 1 GiB', () => {
    expect(rule('xcp-ng', 32 * GiB)).toBe(4 * GiB)
    expect(rule('xcp-ng', 256 * GiB)).toBe(8 * GiB)
    expect(rule('oracle-vm', 16 * GiB)).toBe((502 + 335) * MiB)
    expect(vendorRules({meminfo: labMeminfo}).find((r) => r.id === 'qubes')?.kib).toBeGreaterThan(350 * MiB)
    expect(rule('xen-wiki')).toBe(1024 * MiB)
    expect(rule('xenserver')).toBeNull()
  })
})

describe('checkDom0Size', () => {
  it('refuses a size below the safe floor, with the numbers that make the floor', () => {
    const check = checkDom0Size(256 * MiB, {floor: labFloor, hostMemoryKiB: 2559 * MiB})
    expect(check).toMatchObject({ok: false, reason: 'below-floor'})
    if (check.ok) throw new Error('unreachable')
    expect(check.message).toMatch(/256 MiB is below dom0's safe floor of 347 MiB \(kernel gap 145 MiB \+ in use 73.4 MiB \+ headroom 128 MiB/)
    expect(check.hint).toMatch(/at least 347m/)
  })

  it('refuses more than the host has, and below 128 MiB even without a floor', () => {
    expect(checkDom0Size(4 * GiB, {hostMemoryKiB: 2559 * MiB})).toMatchObject({ok: false, reason: 'above-host'})
    expect(checkDom0Size(64 * MiB, {})).toMatchObject({ok: false, reason: 'below-xl-minimum'})
  })

  it('accepts a size at or above the floor, and notes what it could not check', () => {
    expect(checkDom0Size(347 * MiB, {floor: labFloor, hostMemoryKiB: 2559 * MiB})).toMatchObject({ok: true})
    const blind = checkDom0Size(1 * GiB, {})
    expect(blind.ok && blind.notes.join('\n')).toMatch(/not checked against the safe floor/)
    const tight = checkDom0Size(2 * GiB, {hostMemoryKiB: 4 * GiB, guests: {total: 1, hvm: 1, pv: 0, unknown: 0, memoryKiB: 3 * GiB}})
    expect(tight.ok && tight.notes.join('\n')).toMatch(/not all of them will start again/)
  })
})
