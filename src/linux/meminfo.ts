import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'

/**
 * /proc/meminfo.
 *
 * Every line is `Name:  <integer>[ kB]`. The kernel's "kB" is 1024 bytes (`K(x)` is
 * `x << (PAGE_SHIFT - 10)` in fs/proc/meminfo.c), so values are KiB as they stand. Lines without a
 * unit (HugePages_Total, HugePages_Free, HugePages_Rsvd, HugePages_Surp) are page counts.
 *
 * Old kernels have fewer fields: 2.6.18 (RHEL5) has no MemAvailable (added in 3.14), no Shmem
 * (2.6.32) and, depending on the build, no SReclaimable (2.6.19), and no Active(file)/Inactive(file)
 * (2.6.28 split LRU). For those, MemAvailable is estimated (see `estimateMemAvailableKiB`) and the
 * result says so: `memAvailableEstimated: true`.
 */

export const MEMINFO_PATH = '/proc/meminfo'

const ExplanationTermSchema = z.object({label: z.string(), kib: z.int(), note: z.string()})

export const MemAvailableEstimateSchema = z.object({
  /** The formula in words, for `--explain` output. */
  formula: z.string(),
  /** The min_free_kbytes the estimate used, and whether it was itself estimated. */
  minFreeKiB: z.int(),
  minFreeEstimated: z.boolean(),
  terms: z.array(ExplanationTermSchema),
})
export type MemAvailableEstimate = z.infer<typeof MemAvailableEstimateSchema>

const kib = z.int()
const kibOrNull = z.nullable(kib)

export const MeminfoSchema = z.object({
  /** Every field with a kB unit, by the kernel's own name (`MemTotal`, `Active(anon)`), in KiB. */
  kib: z.record(z.string(), kib),
  /** Every field without a unit (`HugePages_Total`…): counts, not sizes. */
  counts: z.record(z.string(), z.int()),
  /** Field names in file order. */
  fieldOrder: z.array(z.string()),
  memTotalKiB: kib,
  memFreeKiB: kib,
  /** The kernel's MemAvailable, or the estimate when the kernel has none (`memAvailableEstimated`). */
  memAvailableKiB: kib,
  memAvailableEstimated: z.boolean(),
  memAvailableEstimate: z.nullable(MemAvailableEstimateSchema),
  buffersKiB: kib,
  cachedKiB: kib,
  swapCachedKiB: kib,
  swapTotalKiB: kib,
  swapFreeKiB: kib,
  /** SwapTotal − SwapFree. */
  swapUsedKiB: kib,
  shmemKiB: kibOrNull,
  sReclaimableKiB: kibOrNull,
  activeFileKiB: kibOrNull,
  inactiveFileKiB: kibOrNull,
  anonPagesKiB: kibOrNull,
  pageTablesKiB: kibOrNull,
  committedAsKiB: kibOrNull,
  commitLimitKiB: kibOrNull,
})
export type Meminfo = z.infer<typeof MeminfoSchema>

export interface ParseMeminfoOptions {
  /** File name for error messages (default /proc/meminfo). */
  file?: string
  /** vm.min_free_kbytes, if known: makes the MemAvailable estimate on old kernels closer. */
  minFreeKiB?: number | null
}

/** Parse /proc/meminfo. Throws a located ParseError on a line that is not `Name: number [kB]`. */
export function parseMeminfo(text: string, options: ParseMeminfoOptions = {}): Meminfo {
  const file = options.file ?? MEMINFO_PATH
  const kibFields: Record<string, number> = {}
  const counts: Record<string, number> = {}
  const fieldOrder: string[] = []
  const seen = new Set<string>()

  let lineNo = 0
  let pos = 0
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos)
    if (end === -1) end = text.length
    const raw = text.slice(pos, end)
    pos = end + 1
    lineNo++
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '') {
      if (end === text.length) break
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) {
      throw new ParseError(`not a meminfo line: ${quoteValue(line)}; expected "Name: value kB"`, {file, line: lineNo, column: 1})
    }
    const name = line.slice(0, colon).trim()
    if (name === '' || /\s/.test(name)) {
      throw new ParseError(`bad meminfo field name ${quoteValue(name)}`, {file, line: lineNo, column: 1})
    }
    const rest = line.slice(colon + 1).trim()
    let numberText = rest
    let unit: 'kB' | null = null
    const space = rest.search(/\s/)
    if (space !== -1) {
      numberText = rest.slice(0, space)
      const unitText = rest.slice(space).trim()
      if (unitText !== 'kB') {
        throw new ParseError(`meminfo field ${name} has unit ${quoteValue(unitText)}; only "kB" or no unit is known`, {
          file, line: lineNo, column: line.indexOf(unitText, colon) + 1,
        })
      }
      unit = 'kB'
    }
    if (!/^-?\d+$/.test(numberText)) {
      throw new ParseError(`meminfo field ${name} has value ${quoteValue(numberText)}; expected an integer`, {
        file, line: lineNo, column: line.indexOf(numberText, colon) + 1,
      })
    }
    const value = Number(numberText)
    if (!Number.isSafeInteger(value)) {
      throw new ParseError(`meminfo field ${name} value ${quoteValue(numberText)} is too large`, {file, line: lineNo, column: colon + 2})
    }
    if (seen.has(name)) throw new ParseError(`meminfo field ${name} appears twice`, {file, line: lineNo, column: 1})
    seen.add(name)
    fieldOrder.push(name)
    if (unit === 'kB') kibFields[name] = value
    else counts[name] = value
    if (end === text.length) break
  }

  const need = (name: string): number => {
    const v = kibFields[name]
    if (v === undefined) {
      throw new ParseError(`${name} is missing; this does not look like /proc/meminfo`, {file},
        counts[name] !== undefined ? `${name} has no kB unit here` : undefined)
    }
    return v
  }
  const opt = (name: string): number | null => kibFields[name] ?? null

  const memTotalKiB = need('MemTotal')
  const memFreeKiB = need('MemFree')
  const swapTotalKiB = opt('SwapTotal') ?? 0
  const swapFreeKiB = opt('SwapFree') ?? swapTotalKiB

  let memAvailableKiB = opt('MemAvailable')
  let estimate: MemAvailableEstimate | null = null
  if (memAvailableKiB === null) {
    estimate = estimateMemAvailable(kibFields, options.minFreeKiB ?? null)
    memAvailableKiB = estimate.terms.reduce((sum, t) => sum + t.kib, 0)
    memAvailableKiB = Math.max(0, Math.min(memAvailableKiB, memTotalKiB))
  }

  return {
    kib: kibFields,
    counts,
    fieldOrder,
    memTotalKiB,
    memFreeKiB,
    memAvailableKiB,
    memAvailableEstimated: estimate !== null,
    memAvailableEstimate: estimate,
    buffersKiB: opt('Buffers') ?? 0,
    cachedKiB: opt('Cached') ?? 0,
    swapCachedKiB: opt('SwapCached') ?? 0,
    swapTotalKiB,
    swapFreeKiB,
    swapUsedKiB: Math.max(0, swapTotalKiB - swapFreeKiB),
    shmemKiB: opt('Shmem'),
    sReclaimableKiB: opt('SReclaimable'),
    activeFileKiB: opt('Active(file)'),
    inactiveFileKiB: opt('Inactive(file)'),
    anonPagesKiB: opt('AnonPages'),
    pageTablesKiB: opt('PageTables'),
    committedAsKiB: opt('Committed_AS'),
    commitLimitKiB: opt('CommitLimit'),
  }
}

/**
 * vm.min_free_kbytes as the kernel sizes it at boot when nobody set it:
 * `sqrt(lowmem_kbytes * 16)`, clamped to [128, 65536] (mm/page_alloc.c
 * `init_per_zone_wmark_min()`; the upper clamp became 262144 in 5.x, irrelevant for a dom0 of a few
 * GiB). MemTotal stands in for lowmem. The lab dom0 (MemTotal 1424576 kB) gives 4774; the real
 * value there is 4709.
 */
export function estimateMinFreeKiB(memTotalKiB: number): number {
  const raw = Math.floor(Math.sqrt(Math.max(0, memTotalKiB) * 16))
  return Math.min(65_536, Math.max(128, raw))
}

/**
 * MemAvailable for kernels older than 3.14, the way the kernel itself computes it since
 * commit 34e431b0ae39 ("/proc/meminfo: provide estimated available memory", 3.14,
 * `si_mem_available()` in mm/page_alloc.c):
 *
 *   available = MemFree − totalreserve
 *             + pagecache − min(pagecache / 2, low watermark)
 *             + SReclaimable − min(SReclaimable / 2, low watermark)
 *
 * where pagecache is the file LRU (Active(file) + Inactive(file)) when the kernel shows it, else
 * Buffers + Cached − Shmem (Shmem counted in Cached but not reclaimable; absent before 2.6.32, when
 * it is taken as 0). The watermarks are not in /proc/meminfo, so they are derived from
 * min_free_kbytes: low = min × 5/4, and totalreserve ≈ the high watermark (min × 3/2,
 * mm/page_alloc.c `__setup_per_zone_wmarks()`) + the DMA zone's lowmem reserve (MemTotal/256). earlyoom's fallback
 * (`rfjakob/earlyoom:meminfo.c:available_guesstimate()`, MemFree + Cached + Buffers − Shmem) is the
 * same without the watermark terms, i.e. a little more optimistic; memguard prefers the
 * conservative side. On the lab's 6.1 dom0 this comes within 0.05–0.3 % of the kernel's own number (about
 * 6 MiB high once ballooned down to 256M, because the reserves keep their boot-time size).
 */
export function estimateMemAvailable(fieldsKiB: Readonly<Record<string, number>>, minFreeKiB: number | null): MemAvailableEstimate {
  const get = (name: string): number | null => fieldsKiB[name] ?? null
  const memTotal = get('MemTotal') ?? 0
  const minFree = minFreeKiB ?? estimateMinFreeKiB(memTotal)
  const lowWatermark = Math.floor((minFree * 5) / 4)
  const highWatermark = Math.floor((minFree * 3) / 2)
  // The DMA zone keeps 1/256 of the memory above it back from DMA32/Normal allocations
  // (lowmem_reserve_ratio 256, mm/page_alloc.c); that is part of totalreserve_pages too.
  const lowmemReserve = Math.floor(memTotal / 256)
  const terms: MemAvailableEstimate['terms'] = []

  terms.push({label: 'MemFree', kib: get('MemFree') ?? 0, note: 'free pages'})
  terms.push({label: 'reserve', kib: -(highWatermark + lowmemReserve), note: `pages the kernel keeps back: high watermark (3/2 × min_free_kbytes ${minFree}) + lowmem reserve (MemTotal/256)`})

  const activeFile = get('Active(file)')
  const inactiveFile = get('Inactive(file)')
  let pageCache: number
  if (activeFile !== null && inactiveFile !== null) {
    pageCache = activeFile + inactiveFile
    terms.push({label: 'page cache', kib: pageCache, note: 'Active(file) + Inactive(file)'})
  } else {
    const shmem = get('Shmem')
    pageCache = Math.max(0, (get('Buffers') ?? 0) + (get('Cached') ?? 0) - (shmem ?? 0))
    terms.push({
      label: 'page cache',
      kib: pageCache,
      note: shmem === null ? 'Buffers + Cached (no Shmem field on this kernel)' : 'Buffers + Cached − Shmem',
    })
  }
  terms.push({label: 'page cache kept', kib: -Math.min(Math.floor(pageCache / 2), lowWatermark), note: 'min(half, low watermark) stays cached'})

  const sReclaimable = get('SReclaimable')
  if (sReclaimable !== null) {
    terms.push({label: 'SReclaimable', kib: sReclaimable, note: 'reclaimable slab'})
    terms.push({label: 'slab kept', kib: -Math.min(Math.floor(sReclaimable / 2), lowWatermark), note: 'min(half, low watermark) stays in slab'})
  }

  return {
    formula: 'MemFree − reserve + pagecache − min(pagecache/2, wmark_low) + SReclaimable − min(SReclaimable/2, wmark_low) (si_mem_available, Linux 3.14)',
    minFreeKiB: minFree,
    minFreeEstimated: minFreeKiB === null,
    terms,
  }
}
