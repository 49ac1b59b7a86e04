import {LIBXL_MIN_DOM0_MEM_KIB} from '../xen/dom0-mem.js'
import * as z from 'zod/mini'
import {formatKiB, mib} from '../lib/size.js'
import type {Meminfo} from '../linux/meminfo.js'
import {ExplanationLineSchema, roundUpToMiB, type ExplanationLine} from './explanation.js'

/**
 * The dom0 memory floor: the smallest Xen allocation dom0 can be given without the OOM killer.
 *
 *   floor = kernelGap + inUse + headroom, rounded up to a whole MiB, and never below xl's 128 MiB
 *
 *   kernelGap = Xen allocation − MemTotal. Memory dom0's kernel took at boot and never shows as
 *               RAM (struct pages sized for the boot allocation, reserved ranges, …). The lab
 *               measured it constant across targets: 1536M → MemTotal 1424576 kB, 1024M → 900288,
 *               256M → 113856, a gap of 148288 KiB (≈ 145 MiB) each time. So a target must cover
 *               the gap plus whatever MemTotal has to hold.
 *   inUse     = MemTotal − MemAvailable (what cannot be reclaimed; MemAvailable is exactly what the
 *               balloon will take, xenlab README) + swap in use (it would have to come back into
 *               RAM; swap is often missing or unusable on a dom0, so free swap is not headroom
 *               unless asked).
 *   headroom  = max(128 MiB, 25 % of inUse) by default (DEFAULT_HEADROOM_*): room for page cache
 *               the backends need (netback/blkback, Qubes boosts dom0 "as dom0 must have large
 *               cache for vbds"), a new ssh login, a device model starting, and the kernel's own
 *               watermarks. 128 MiB matches xl's own dom0 minimum (LIBXL_MIN_DOM0_MEM); 25 % keeps
 *               a busy dom0 from being pinned to its current working set.
 *
 * Two more numbers come with it:
 * - the Qubes warning level, 1.3 × used + 350 MiB (qmemman: CACHE_FACTOR 1.3, DOM0_MEM_BOOST
 *   350 MiB; used = MemTotal − MemFree − Buffers − Cached + SwapTotal − SwapFree,
 *   xen-facts §1.2): a production dom0 balancer's "preferred" size. Below it is allowed but warned.
 * - xl's hard minimum: libxl refuses dom0 targets below 128 MiB (`LIBXL_MIN_DOM0_MEM`).
 */

/** Lower bound of the default headroom. */
export const DEFAULT_HEADROOM_MIN_KiB = mib(128)
/** Percentage of in-use memory for the default headroom. */
export const DEFAULT_HEADROOM_PERCENT = 25
/** libxl_internal.h: `#define LIBXL_MIN_DOM0_MEM (128*1024)` (KiB). */
export const LIBXL_MIN_DOM0_KiB = LIBXL_MIN_DOM0_MEM_KIB
/** Qubes qmemman/algo.py CACHE_FACTOR. */
export const QUBES_CACHE_FACTOR = 1.3
/** Qubes qmemman DOM0_MEM_BOOST. */
export const QUBES_DOM0_BOOST_KiB = mib(350)

export type HeadroomOption = {kind: 'size'; kib: number} | {kind: 'percent'; percent: number}

/** The default headroom rule: max(128 MiB, 25 % of in-use memory). */
export function defaultHeadroomKiB(inUseKiB: number): number {
  return Math.max(DEFAULT_HEADROOM_MIN_KiB, Math.ceil((Math.max(0, inUseKiB) * DEFAULT_HEADROOM_PERCENT) / 100))
}

/** Qubes' "used": MemTotal − MemFree − Buffers − Cached + SwapTotal − SwapFree (meminfo-writer.c). */
export function qubesUsedKiB(m: Meminfo): number {
  return Math.max(0, m.memTotalKiB - m.memFreeKiB - m.buffersKiB - m.cachedKiB + m.swapTotalKiB - m.swapFreeKiB)
}

/** Qubes' preferred dom0 size, 1.3 × used + 350 MiB, rounded up to a MiB. */
export function qubesWarnLevelKiB(m: Meminfo): number {
  return roundUpToMiB(Math.ceil((qubesUsedKiB(m) * 13) / 10) + QUBES_DOM0_BOOST_KiB)
}

export const FloorResultSchema = z.object({
  /** Smallest safe Xen allocation for dom0 (whole MiB). */
  floorKiB: z.int(),
  /** RAM that cannot be reclaimed plus swap in use. */
  inUseKiB: z.int(),
  ramInUseKiB: z.int(),
  swapUsedKiB: z.int(),
  kernelGapKiB: z.int(),
  headroomKiB: z.int(),
  /** How the headroom was chosen, in words. */
  headroomRule: z.string(),
  /** Free swap subtracted from the headroom (countSwapAsHeadroom). */
  swapHeadroomKiB: z.int(),
  allocationKiB: z.int(),
  memAvailableEstimated: z.boolean(),
  /** Lines that add up to floorKiB. */
  explanation: z.array(ExplanationLineSchema),
  /** Qubes-shape warning level and its lines. */
  warnLevelKiB: z.int(),
  warnExplanation: z.array(ExplanationLineSchema),
  /** xl's hard dom0 minimum. */
  xlMinimumKiB: z.int(),
  notes: z.array(z.string()),
})
export type FloorResult = z.infer<typeof FloorResultSchema>

export interface FloorInput {
  meminfo: Meminfo
  /** dom0's current Xen allocation: balloon info/current_kb, or `xl list` Mem × 1024. */
  allocationKiB: number
  headroom?: HeadroomOption
  /** Let free swap stand in for part of the headroom (default false: dom0 swap is often unusable). */
  countSwapAsHeadroom?: boolean
  /** A guest read over ssh (mem-set --guest): xl's 128 MiB minimum is for dom0 only. Default true. */
  isDom0?: boolean
}

export function computeDom0Floor(input: FloorInput): FloorResult {
  const m = input.meminfo
  const notes: string[] = []
  const explanation: ExplanationLine[] = []

  const rawGap = input.allocationKiB - m.memTotalKiB
  const kernelGapKiB = Math.max(0, rawGap)
  if (rawGap < 0) {
    notes.push(`the Xen allocation (${formatKiB(input.allocationKiB)}) is below MemTotal (${formatKiB(m.memTotalKiB)}); the allocation is probably stale or not dom0's, so the kernel gap is taken as 0`)
  }
  explanation.push({
    label: 'kernel gap',
    kib: kernelGapKiB,
    note: `Xen allocation ${formatKiB(input.allocationKiB)} − MemTotal ${formatKiB(m.memTotalKiB)}: memory the dom0 kernel keeps for itself and never shows as RAM; it does not shrink with the balloon`,
  })

  const ramInUseKiB = Math.max(0, m.memTotalKiB - m.memAvailableKiB)
  explanation.push({
    label: 'in use',
    kib: ramInUseKiB,
    note: m.memAvailableEstimated
      ? 'MemTotal − MemAvailable (MemAvailable estimated: this kernel does not report it)'
      : 'MemTotal − MemAvailable: memory the kernel cannot reclaim',
  })

  const swapUsedKiB = m.swapUsedKiB
  if (m.swapTotalKiB > 0) {
    explanation.push({label: 'swap in use', kib: swapUsedKiB, note: 'SwapTotal − SwapFree: swapped-out pages that come back into RAM when touched'})
  }
  const inUseKiB = ramInUseKiB + swapUsedKiB

  let headroomKiB: number
  let headroomRule: string
  const h = input.headroom
  if (h === undefined) {
    headroomKiB = defaultHeadroomKiB(inUseKiB)
    headroomRule = `max(${formatKiB(DEFAULT_HEADROOM_MIN_KiB)}, ${DEFAULT_HEADROOM_PERCENT}% of in use)`
  } else if (h.kind === 'size') {
    headroomKiB = Math.max(0, Math.round(h.kib))
    headroomRule = `${formatKiB(headroomKiB)} as given`
  } else {
    headroomKiB = Math.ceil((inUseKiB * Math.max(0, h.percent)) / 100)
    headroomRule = `${h.percent}% of in use, as given`
  }
  explanation.push({label: 'headroom', kib: headroomKiB, note: headroomRule})

  let swapHeadroomKiB = 0
  if (input.countSwapAsHeadroom === true) {
    swapHeadroomKiB = Math.min(headroomKiB, m.swapFreeKiB)
    if (swapHeadroomKiB > 0) {
      explanation.push({label: 'free swap as headroom', kib: -swapHeadroomKiB, note: 'SwapFree counted toward the headroom, as asked'})
    } else notes.push('free swap was to count as headroom, but there is none')
  }

  const raw = kernelGapKiB + inUseKiB + headroomKiB - swapHeadroomKiB
  const rounded = roundUpToMiB(raw)
  if (rounded !== raw) explanation.push({label: 'rounding', kib: rounded - raw, note: 'up to a whole MiB'})
  let floorKiB = rounded
  if (input.isDom0 !== false && floorKiB < LIBXL_MIN_DOM0_KiB) {
    explanation.push({label: 'xl minimum', kib: LIBXL_MIN_DOM0_KiB - floorKiB, note: 'raised to 128 MiB: libxl refuses smaller dom0 targets'})
    floorKiB = LIBXL_MIN_DOM0_KiB
  }

  const used = qubesUsedKiB(m)
  const warnLevelKiB = qubesWarnLevelKiB(m)
  const scaled = Math.ceil((used * 13) / 10)
  const warnExplanation: ExplanationLine[] = [
    {label: 'used (Qubes)', kib: used, note: 'MemTotal − MemFree − Buffers − Cached + SwapTotal − SwapFree'},
    {label: 'cache factor', kib: scaled - used, note: `× ${QUBES_CACHE_FACTOR} (qmemman CACHE_FACTOR)`},
    {label: 'dom0 boost', kib: QUBES_DOM0_BOOST_KiB, note: 'qmemman DOM0_MEM_BOOST'},
  ]
  if (warnLevelKiB !== scaled + QUBES_DOM0_BOOST_KiB) {
    warnExplanation.push({label: 'rounding', kib: warnLevelKiB - scaled - QUBES_DOM0_BOOST_KiB, note: 'up to a whole MiB'})
  }

  return {
    floorKiB,
    inUseKiB,
    ramInUseKiB,
    swapUsedKiB,
    kernelGapKiB,
    headroomKiB,
    headroomRule,
    swapHeadroomKiB,
    allocationKiB: input.allocationKiB,
    memAvailableEstimated: m.memAvailableEstimated,
    explanation,
    warnLevelKiB,
    warnExplanation,
    xlMinimumKiB: LIBXL_MIN_DOM0_KiB,
    notes,
  }
}
