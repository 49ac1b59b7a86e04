import * as z from 'zod/mini'
import {hasOomScoreAdj, oomChildRule, type KernelVersion} from '../linux/kernel-version.js'
import type {ProcessInfo} from '../linux/processes.js'

/**
 * Which process the running kernel's OOM killer would pick, in order.
 *
 * Modern kernels (≥ 2.6.36, mm/oom_kill.c `oom_badness()`):
 *   points = rss + swap entries + page-table pages, + oom_score_adj × totalpages / 1000,
 * with oom_score_adj −1000 never chosen, kernel threads and init skipped. /proc/<pid>/oom_score is
 * that number normalised (and includes the adj), so when every candidate has one it is the ranking
 * key; ties (oom_score is an integer on a ~0..2000 scale) go to the larger computed badness, then to
 * the later task in the list (see `laterWinsTies`). Without oom_score the
 * badness is computed from status. Badness does not depend on other processes, so the order does
 * not change as processes die.
 *
 * Legacy kernels (< 2.6.36, e.g. RHEL5's 2.6.18; `badness()` in mm/oom_kill.c of that era, xen-facts §2.1):
 *   points = total_vm (pages) + Σ (child total_vm / 2 + 1) for children with their own mm
 *   points /= isqrt(cpu time in ≈8 s units); points /= isqrt(isqrt(run time in ≈17 min units))
 *   ×2 if niced; ÷4 for root or CAP_SYS_ADMIN; ÷4 for CAP_SYS_RAWIO
 *   then shifted by oom_adj bits (<< adj, or >> −adj); oom_adj −17 (OOM_DISABLE) and init skipped.
 * Integer arithmetic throughout, as in the kernel. The parent's points depend on its living
 * children, so the legacy order must be recomputed after every kill (victims.ts does). Not
 * modelled: the ÷8 for a task whose cpuset does not overlap (no cpuset data), and RHEL's own
 * backports to badness() (UNVERIFIED, xen-facts §7). Children set to OOM_DISABLE are not
 * sacrificed by the child rule (later 2.6 kernels refuse to kill them; vanilla 2.6.18 may not).
 *
 * The child rule (pre-5.1): the kernel kills a child of the chosen process instead of the process:
 * the first child with its own mm before 2.6.36, the child with the highest badness up to 5.0.
 */

export const OomModelKindSchema = z.enum(['modern-oom-score', 'modern-computed', 'legacy-badness'])
export type OomModelKind = z.infer<typeof OomModelKindSchema>
export type ChildRule = 'first-child' | 'worst-child' | 'none'

export interface OomModelOptions {
  /** The running kernel; null when unknown (then the presence of oom_score_adj decides). */
  kernel: KernelVersion | null
  /** MemTotal + SwapTotal in KiB: `totalpages` for the oom_score_adj term. */
  totalKiB: number
  /** Seconds since boot (/proc/uptime), for the legacy run-time divisor; null skips that factor. */
  uptimeSeconds?: number | null
  /** USER_HZ, the unit of stat's utime/stime/starttime (100 on every Linux architecture memguard meets). */
  clockTicksPerSecond?: number
}

export const ExcludedProcessSchema = z.object({pid: z.int(), comm: z.string(), reason: z.string()})
export type ExcludedProcess = z.infer<typeof ExcludedProcessSchema>

export interface OomModel {
  kind: OomModelKind
  childRule: ChildRule
  /** One sentence for the report: which model and why. */
  description: string
  /** Processes the killer never picks, with the reason. */
  excluded: ExcludedProcess[]
  /** Eligible processes. */
  candidates: ProcessInfo[]
  candidatePids: ReadonlySet<number>
  /** Points of a candidate, given the processes still alive (legacy points depend on children). */
  points(p: ProcessInfo, alive: ReadonlySet<number>): number
  /** Points for ranking ties: the computed modern badness (or total_vm on legacy kernels). */
  tieBreak(p: ProcessInfo): number
  /**
   * On a full tie, does the later task win? The legacy select loop keeps the first task with the
   * highest points (`points > *ppoints`); the modern one replaces its choice on equal points.
   * Task-list order is creation order, i.e. starttime.
   */
  laterWinsTies: boolean
  options: Required<Pick<OomModelOptions, 'totalKiB' | 'clockTicksPerSecond'>> & {uptimeSeconds: number | null}
  /** pid → children, starttime order. */
  children: ReadonlyMap<number, readonly ProcessInfo[]>
}

const PAGE_KiB = 4
const OOM_SCORE_ADJ_MIN = -1000
const OOM_DISABLE = -17

/** Modern `oom_badness()` in pages (can be negative with a negative adj). */
export function modernBadnessPages(p: ProcessInfo, totalKiB: number): number {
  const totalPages = Math.floor(totalKiB / PAGE_KiB)
  const base = Math.floor((p.rssKiB + p.swapKiB + p.pageTablesKiB) / PAGE_KiB)
  const adj = p.oomScoreAdj ?? oomAdjToScoreAdj(p.oomAdj ?? 0)
  return base + Math.trunc((adj * totalPages) / 1000)
}

/** The kernel's mapping of a legacy oom_adj write to oom_score_adj (fs/proc/base.c, 2.6.36+). */
export function oomAdjToScoreAdj(oomAdj: number): number {
  if (oomAdj === OOM_DISABLE) return OOM_SCORE_ADJ_MIN
  return Math.trunc((oomAdj * 1000) / 17)
}

function isqrt(n: number): number {
  return n <= 0 ? 0 : Math.floor(Math.sqrt(n))
}

/**
 * Legacy `badness()` (2.6.18). `aliveChildren` are the children with their own mm still alive.
 * Returns the points and the factors, for `--explain`.
 */
export function legacyBadness(
  p: ProcessInfo,
  aliveChildren: readonly ProcessInfo[],
  uptimeSeconds: number | null,
  clockTicksPerSecond = 100,
): {points: number; factors: string[]} {
  const factors: string[] = []
  let points = Math.floor((p.vmSizeKiB ?? 0) / PAGE_KiB)
  factors.push(`total_vm ${points} pages`)
  let childPages = 0
  for (const c of aliveChildren) {
    if (c.hasMm && !c.isKernelThread) childPages += Math.floor(Math.floor((c.vmSizeKiB ?? 0) / PAGE_KiB) / 2) + 1
  }
  if (childPages > 0) {
    points += childPages
    factors.push(`+ ${childPages} for children (half their total_vm)`)
  }
  // cpu_time = jiffies >> (SHIFT_HZ + 3): 2048 jiffies at HZ 250, 8192 at HZ 1000, i.e. 8.192 s.
  const cpuSeconds = (p.utimeTicks + p.stimeTicks) / clockTicksPerSecond
  const cpuUnits = Math.floor(cpuSeconds / 8.192)
  const s1 = isqrt(cpuUnits)
  if (s1 > 0) {
    points = Math.floor(points / s1)
    factors.push(`÷ ${s1} (√ cpu time)`)
  }
  if (uptimeSeconds !== null) {
    const startSeconds = Math.floor(p.starttimeTicks / clockTicksPerSecond)
    const runUnits = uptimeSeconds >= startSeconds ? Math.floor(Math.floor(uptimeSeconds - startSeconds) / 1024) : 0
    const s2 = isqrt(isqrt(runUnits))
    if (s2 > 0) {
      points = Math.floor(points / s2)
      factors.push(`÷ ${s2} (∜ run time)`)
    }
  }
  if (p.nice > 0) {
    points *= 2
    factors.push('× 2 (niced)')
  }
  if (p.uid === 0 || p.euid === 0 || p.capSysAdmin === true) {
    points = Math.floor(points / 4)
    factors.push('÷ 4 (root / CAP_SYS_ADMIN)')
  }
  if (p.capSysRawio === true) {
    points = Math.floor(points / 4)
    factors.push('÷ 4 (CAP_SYS_RAWIO)')
  }
  const adj = p.oomAdj ?? 0
  if (adj > 0) {
    points = points * 2 ** adj
    factors.push(`<< ${adj} (oom_adj)`)
  } else if (adj < 0) {
    points = Math.floor(points / 2 ** -adj)
    factors.push(`>> ${-adj} (oom_adj)`)
  }
  return {points, factors}
}

function childrenIndex(processes: readonly ProcessInfo[]): Map<number, ProcessInfo[]> {
  const map = new Map<number, ProcessInfo[]>()
  for (const p of processes) {
    if (p.isKernelThread) continue
    const list = map.get(p.ppid)
    if (list) list.push(p)
    else map.set(p.ppid, [p])
  }
  for (const list of map.values()) list.sort((a, b) => a.starttimeTicks - b.starttimeTicks || a.pid - b.pid)
  return map
}

/** Choose the model for this kernel and process table. */
export function buildOomModel(processes: readonly ProcessInfo[], options: OomModelOptions): OomModel {
  const clockTicksPerSecond = options.clockTicksPerSecond ?? 100
  const uptimeSeconds = options.uptimeSeconds ?? null
  const totalKiB = options.totalKiB
  const children = childrenIndex(processes)

  const anyScoreAdj = processes.some((p) => p.oomScoreAdj !== null)
  const modern = options.kernel !== null ? hasOomScoreAdj(options.kernel) : anyScoreAdj
  const childRule: ChildRule = options.kernel !== null ? oomChildRule(options.kernel) : modern ? 'none' : 'first-child'
  const kernelText = options.kernel?.text ?? 'unknown kernel'

  const excluded: ExcludedProcess[] = []
  const candidates: ProcessInfo[] = []
  for (const p of processes) {
    let reason: string | null = null
    if (p.isKernelThread) reason = 'kernel thread'
    else if (p.pid === 1) reason = 'init is never chosen'
    else if (!p.hasMm) reason = 'no address space (exiting or zombie)'
    else if (modern && (p.oomScoreAdj === OOM_SCORE_ADJ_MIN || (p.oomScoreAdj === null && p.oomAdj === OOM_DISABLE))) reason = 'oom_score_adj −1000 (never killed)'
    else if (!modern && p.oomAdj === OOM_DISABLE) reason = 'oom_adj −17 (OOM_DISABLE)'
    if (reason === null) candidates.push(p)
    else excluded.push({pid: p.pid, comm: p.comm, reason})
  }

  if (modern) {
    const allScored = candidates.length > 0 && candidates.every((p) => p.oomScore !== null)
    const kind: OomModelKind = allScored ? 'modern-oom-score' : 'modern-computed'
    return {
      kind,
      childRule,
      description: allScored
        ? `${kernelText}: ranked by /proc/<pid>/oom_score (oom_badness: rss + swap + page tables, adjusted by oom_score_adj)`
        : `${kernelText}: oom_badness computed from status (rss + swap + page tables + oom_score_adj × total/1000); oom_score was not available for every process`,
      excluded,
      candidates,
      candidatePids: new Set(candidates.map((c) => c.pid)),
      points: allScored ? (p) => p.oomScore as number : (p) => modernBadnessPages(p, totalKiB),
      tieBreak: (p) => modernBadnessPages(p, totalKiB),
      laterWinsTies: true,
      options: {totalKiB, clockTicksPerSecond, uptimeSeconds},
      children,
    }
  }

  const legacyPoints = (p: ProcessInfo, alive: ReadonlySet<number>): number => {
    const kids = (children.get(p.pid) ?? []).filter((c) => alive.has(c.pid))
    return legacyBadness(p, kids, uptimeSeconds, clockTicksPerSecond).points
  }
  return {
    kind: 'legacy-badness',
    childRule,
    description: `${kernelText}: pre-2.6.36 badness (total_vm + half the children's, ÷√cpu, ÷∜runtime, ÷4 root, shifted by oom_adj), first child killed before the parent`,
    excluded,
    candidates,
    candidatePids: new Set(candidates.map((c) => c.pid)),
    points: legacyPoints,
    tieBreak: (p) => p.vmSizeKiB ?? 0,
    laterWinsTies: false,
    options: {totalKiB, clockTicksPerSecond, uptimeSeconds},
    children,
  }
}

export interface RankedCandidate {
  process: ProcessInfo
  points: number
}

/** The current ranking, highest first, among the `alive` candidates. */
export function rankCandidates(model: OomModel, alive: ReadonlySet<number>): RankedCandidate[] {
  const ranked: RankedCandidate[] = []
  for (const p of model.candidates) if (alive.has(p.pid)) ranked.push({process: p, points: model.points(p, alive)})
  ranked.sort((a, b) => b.points - a.points || model.tieBreak(b.process) - model.tieBreak(a.process) || laterFirst(model, a.process, b.process))
  return ranked
}

/** Sort order for a full tie: negative when `a` should come first. */
export function laterFirst(model: Pick<OomModel, 'laterWinsTies'>, a: ProcessInfo, b: ProcessInfo): number {
  const order = a.starttimeTicks - b.starttimeTicks || a.pid - b.pid
  return model.laterWinsTies ? -order : order
}

/**
 * The process the kernel actually kills once it has chosen `chosen`: a child under the pre-5.1
 * child rule, else `chosen` itself.
 */
export function applyChildRule(model: OomModel, chosen: ProcessInfo, alive: ReadonlySet<number>): ProcessInfo {
  if (model.childRule === 'none') return chosen
  const kids = (model.children.get(chosen.pid) ?? []).filter((c) => alive.has(c.pid) && model.candidatePids.has(c.pid))
  if (kids.length === 0) return chosen
  if (model.childRule === 'first-child') return kids[0] as ProcessInfo
  // worst-child: the highest-badness child, and only if its badness is above 0 (victim_points starts at 0).
  let best: ProcessInfo | null = null
  let bestPoints = 0
  for (const c of kids) {
    const pts = model.points(c, alive)
    if (pts > bestPoints) {
      best = c
      bestPoints = pts
    }
  }
  return best ?? chosen
}
