import {formatKiB, gib, mib} from '../lib/size.js'
import type {Meminfo} from '../linux/meminfo.js'
import type {HostState} from '../state/host-state.js'
import type {ExplanationLine} from './explanation.js'
import {qubesWarnLevelKiB, type FloorResult, LIBXL_MIN_DOM0_KiB} from './floor.js'

/**
 * How big dom0 should be when it is fixed with `dom0_mem=X,max:X` – memguard's rule, with the
 * published vendor rules beside it. Pure policy: numbers in, numbers and words out.
 *
 * memguard's rule:
 *
 *   size = round up to 64 MiB of max( floor now,
 *                                     1024 MiB + 64 MiB × HVM guests + 16 MiB × other guests )
 *
 * - 1024 MiB: the Xen Project's "good starting point" (wiki, Xen Project Best Practices) for a dom0
 *   that runs the toolstack, xenstored, the backends and an sshd.
 * - 64 MiB per HVM guest: each one has a QEMU device model in dom0 (the wiki: "but also a QEMU
 *   device model per HVM guest"); qemu-xen's resident size is tens of MiB. Guests whose type is
 *   not known are counted as HVM (the larger allowance).
 * - 16 MiB per PV/PVH guest: its backend state in dom0 (netback/blkback rings and grant mappings,
 *   xenconsoled's buffer). An estimate, not a measurement.
 * - floor now: what dom0 uses today plus headroom (src/safety/floor.ts), so the rule never
 *   recommends a size the running dom0 would not fit in.
 * The vendor rules are shown, not used: XenServer's scales with host memory (5 %), XCP-ng's is a
 * table, Oracle VM's is 502 MiB + 2.05 %, Qubes' follows what dom0 uses now (1.3 × used + 350 MiB).
 * A size below the floor is refused; one below a vendor rule is only reported.
 */

export const WIKI_START_KiB = mib(1024)
export const HVM_ALLOWANCE_KiB = mib(64)
export const PV_ALLOWANCE_KiB = mib(16)
export const ROUND_TO_KiB = mib(64)

export interface GuestCounts {
  /** Running domUs (every domain but dom0). */
  total: number
  hvm: number
  /** PV and PVH guests. */
  pv: number
  /** Type not known (no `xl list -l`, or xm on Xen 3.x without the image type): counted as HVM. */
  unknown: number
  /** What they hold now, from `xl list` Mem. */
  memoryKiB: number
}

export interface Dom0SizeInput {
  /** Host memory (`xl info` total_memory). */
  hostMemoryKiB?: number
  /** The safe floor now, when dom0's memory could be read. */
  floor?: FloorResult | null
  meminfo?: Meminfo | null
  guests?: GuestCounts | null
}

export type VendorRuleId = 'xenserver' | 'xcp-ng' | 'oracle-vm' | 'qubes' | 'xen-wiki'

export interface VendorRule {
  id: VendorRuleId
  name: string
  formula: string
  source: string
  /** The rule's size for this host; null when an input is missing. */
  kib: number | null
  note?: string
}

export interface Dom0SizeRecommendation {
  kib: number
  formula: string
  /** The terms of the formula, then the comparison with the floor and the rounding. */
  explanation: ExplanationLine[]
  /** Which side of the max() won. */
  basis: 'formula' | 'floor'
  vendorRules: VendorRule[]
  notes: string[]
}

export const MEMGUARD_FORMULA = 'round up to 64 MiB of max(floor now, 1024 MiB + 64 MiB × HVM guests + 16 MiB × other guests)'

const roundUpTo = (kib: number, step: number) => Math.ceil(kib / step) * step

/** The guests on this host, from `xl list` (and `xl list -l` for their type). */
export function countGuests(state: Pick<HostState, 'xen'>): GuestCounts | null {
  const domains = state.xen.domains
  if (!domains) return null
  const guests = domains.filter((d) => d.id !== 0 && d.name !== 'Domain-0')
  const types = new Map((state.xen.domainConfigs ?? []).filter((c) => c.domid !== null).map((c) => [c.domid as number, c.type]))
  let hvm = 0
  let pv = 0
  let unknown = 0
  for (const g of guests) {
    const type = g.id === null ? undefined : types.get(g.id)
    if (type === 'hvm') hvm++
    else if (type === 'pv' || type === 'pvh') pv++
    else unknown++
  }
  return {total: guests.length, hvm, pv, unknown, memoryKiB: guests.reduce((n, g) => n + g.memMiB * 1024, 0)}
}

export function vendorRules(input: Pick<Dom0SizeInput, 'hostMemoryKiB' | 'meminfo'>): VendorRule[] {
  const host = input.hostMemoryKiB
  const hostMiB = host === undefined ? undefined : Math.floor(host / 1024)
  const above = (kib: number | null) => (kib !== null && host !== undefined && kib >= host ? `more than this host's ${formatKiB(host)}` : undefined)
  const rules: VendorRule[] = []
  // xcp/dom0.py default_memory(): mb = (host_mem_kib + 256 MiB) / 1024; min(1024 + int(mb * 0.05) & ~0xF, 8192) MiB.
  const xs = hostMiB === undefined ? null : mib(Math.min((1024 + Math.floor((hostMiB + 256) * 0.05)) & ~0xf, 8192))
  rules.push({
    id: 'xenserver',
    name: 'XenServer / Citrix Hypervisor installer',
    formula: 'min(1024 MiB + 5% of (host + 256 MiB), rounded down to 16 MiB; 8 GiB)',
    source: 'xenserver/python-libs xcp/dom0.py default_memory()',
    kib: xs,
    note: above(xs),
  })
  // XCP-ng docs: at least 2 GiB; up to 64 GiB hosts at least 4 GiB; 128 GiB and more: 8 GiB (16 GiB with
  // ZFS). Hosts between 64 and 128 GiB are not covered: 4 GiB. total_memory counts a little less than
  // the RAM installed, so "128 GiB or more" is taken as ≥ 120 GiB here.
  const xcp = host === undefined ? null : host >= gib(120) ? gib(8) : gib(4)
  rules.push({
    id: 'xcp-ng',
    name: 'XCP-ng documentation',
    formula: 'at least 2 GiB; 4 GiB on hosts below 128 GiB; 8 GiB from 128 GiB; 16 GiB with ZFS',
    source: 'xcp-ng/xcp-ng-org docs/Guides/dom0-memory.md',
    kib: xcp,
    note: above(xcp),
  })
  const oracle = hostMiB === undefined ? null : mib(502 + Math.floor(hostMiB * 0.0205))
  rules.push({id: 'oracle-vm', name: 'Oracle VM Server', formula: '502 MiB + 2.05% of host memory', source: 'Oracle VM documentation, as quoted by johanlouwers.blogspot.com (2015)', kib: oracle, note: above(oracle)})
  const qubes = input.meminfo ? qubesWarnLevelKiB(input.meminfo) : null
  rules.push({
    id: 'qubes',
    name: 'Qubes OS qmemman',
    formula: '1.3 × used + 350 MiB (used = MemTotal − MemFree − Buffers − Cached + swap used), from what dom0 uses now',
    source: 'QubesOS/qubes-core-admin qubes/qmemman/algo.py (CACHE_FACTOR, DOM0_MEM_BOOST)',
    kib: qubes,
    note: qubes === null ? undefined : 'a live balancer\'s target, not a boot size: it moves with dom0\'s load',
  })
  rules.push({id: 'xen-wiki', name: 'Xen Project wiki', formula: '1024 MiB "is a good starting point", more with dozens of guests', source: 'wiki.xenproject.org Xen_Project_Best_Practices', kib: WIKI_START_KiB})
  return rules
}

/** The sizing inputs read off a host: every command that recommends a boot size uses these. */
export function dom0SizeInputOf(state: Pick<HostState, 'xen' | 'meminfo'>, floor: FloorResult | null): Dom0SizeInput {
  return {hostMemoryKiB: state.xen.info ? state.xen.info.totalMemoryMiB * 1024 : undefined, floor, meminfo: state.meminfo, guests: countGuests(state)}
}

export function recommendDom0Size(input: Dom0SizeInput): Dom0SizeRecommendation {
  const notes: string[] = []
  const guests = input.guests
  const explanation: ExplanationLine[] = [{label: 'starting point', kib: WIKI_START_KiB, note: 'the Xen Project wiki: "1024 MB is a good starting point"'}]
  if (guests) {
    const hvmLike = guests.hvm + guests.unknown
    if (hvmLike > 0) {
      explanation.push({
        label: 'QEMU per HVM guest',
        kib: hvmLike * HVM_ALLOWANCE_KiB,
        note: `${hvmLike} × ${formatKiB(HVM_ALLOWANCE_KiB)}: a device model in dom0 each${guests.unknown > 0 ? ` (${guests.unknown} of unknown type, counted as HVM)` : ''}`,
      })
    }
    if (guests.pv > 0) explanation.push({label: 'backends per PV/PVH guest', kib: guests.pv * PV_ALLOWANCE_KiB, note: `${guests.pv} × ${formatKiB(PV_ALLOWANCE_KiB)}: rings, grant mappings, console buffer`})
    if (guests.total === 0) notes.push('no guest is running now: the recommendation has no per-guest allowance; run it again when the guests are up, or give the size')
  } else notes.push('the guest list could not be read: no per-guest allowance is included')
  const formulaKiB = explanation.reduce((n, l) => n + l.kib, 0)
  const floorKiB = input.floor?.floorKiB
  let basis: Dom0SizeRecommendation['basis'] = 'formula'
  let kib = formulaKiB
  if (floorKiB !== undefined && floorKiB > formulaKiB) {
    basis = 'floor'
    explanation.push({label: 'raised to the floor', kib: floorKiB - formulaKiB, note: `the safe floor now is ${formatKiB(floorKiB)} (what dom0 uses plus headroom): more than the formula`})
    kib = floorKiB
  } else if (floorKiB === undefined) notes.push("dom0's memory use could not be read, so the floor is not part of the recommendation")
  const rounded = Math.max(roundUpTo(kib, ROUND_TO_KiB), LIBXL_MIN_DOM0_KiB)
  if (rounded !== kib) explanation.push({label: 'rounding', kib: rounded - kib, note: 'up to a multiple of 64 MiB'})
  const host = input.hostMemoryKiB
  if (host !== undefined && rounded * 2 > host) notes.push(`${formatKiB(rounded)} is more than half of this host's ${formatKiB(host)}: little is left for guests`)
  return {kib: rounded, formula: MEMGUARD_FORMULA, explanation, basis, vendorRules: vendorRules(input), notes}
}

export type Dom0SizeCheck =
  | {ok: true; notes: string[]}
  | {ok: false; reason: 'below-floor' | 'below-xl-minimum' | 'above-host'; message: string; hint: string}

/**
 * Whether dom0 may be fixed at `kib`: never below the safe floor now (dom0 would boot into the OOM
 * killer's reach), never below libxl's 128 MiB, never more than the host has.
 */
export function checkDom0Size(kib: number, input: Dom0SizeInput): Dom0SizeCheck {
  const host = input.hostMemoryKiB
  if (host !== undefined && kib >= host) {
    return {ok: false, reason: 'above-host', message: `${formatKiB(kib)} is not less than this host's memory (${formatKiB(host)}, xl info total_memory)`, hint: 'give dom0 a fixed part of the host, and leave the rest to the guests'}
  }
  const floor = input.floor
  if (floor && kib < floor.floorKiB) {
    const sum = floor.explanation.map((l) => `${l.label} ${formatKiB(l.kib)}`).join(' + ')
    return {
      ok: false,
      reason: 'below-floor',
      message: `${formatKiB(kib)} is below dom0's safe floor of ${formatKiB(floor.floorKiB)} (${sum}): dom0 uses ${formatKiB(floor.inUseKiB)} now and would boot into the OOM killer's reach`,
      hint: `give at least ${Math.ceil(floor.floorKiB / 1024)}m, or run without a size for memguard's recommendation; --headroom changes the headroom part`,
    }
  }
  if (kib < LIBXL_MIN_DOM0_KiB) {
    return {ok: false, reason: 'below-xl-minimum', message: `${formatKiB(kib)} is below 128 MiB, the least libxl accepts for dom0 (LIBXL_MIN_DOM0_MEM)`, hint: 'no dom0 kernel runs its services in less; the Xen wiki starts at 1024 MiB'}
  }
  const notes: string[] = []
  if (!floor) notes.push(`dom0's memory use could not be read, so ${formatKiB(kib)} was not checked against the safe floor – only against libxl's 128 MiB minimum`)
  if (input.meminfo) {
    const qubes = qubesWarnLevelKiB(input.meminfo)
    if (kib < qubes) notes.push(`${formatKiB(kib)} is below Qubes' preferred size for what dom0 uses now (1.3 × used + 350 MiB = ${formatKiB(qubes)}): little room for page cache`)
  }
  const guests = input.guests
  if (host !== undefined && guests && guests.memoryKiB > 0 && kib + guests.memoryKiB > host) {
    notes.push(`the running guests hold ${formatKiB(guests.memoryKiB)}; with dom0 at ${formatKiB(kib)} that is more than the host's ${formatKiB(host)}, so not all of them will start again after the reboot`)
  }
  return {ok: true, notes}
}
