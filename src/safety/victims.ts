import * as z from 'zod/mini'
import {formatKiB} from '../lib/size.js'
import {classifyCritical} from '../linux/critical-services.js'
import type {KernelVersion} from '../linux/kernel-version.js'
import {indexByPid, type ProcessInfo} from '../linux/processes.js'
import {ExplanationLineSchema, type ExplanationLine} from './explanation.js'
import {applyChildRule, buildOomModel, ExcludedProcessSchema, laterFirst, OomModelKindSchema, type OomModel} from './oom-model.js'

/**
 * Who dies if the kernel has to find `deficitKiB` by killing.
 *
 * Kills are simulated in the order of the running kernel's model (oom-model.ts): each kill frees the
 * victim's rss + swap (what the kernel's own "Killed process … anon-rss/file-rss/shmem-rss" report
 * adds up; shared file pages may in fact stay cached, so this is the optimistic side), and the
 * ranking is recomputed after each kill because legacy points include living children and the
 * child rule depends on who is left. It stops when the deficit is covered, or when nothing is left
 * to kill: then the kernel panics "Out of memory and no killable processes" or, with the Xen
 * balloon still holding the target, keeps thrashing: the host is bricked.
 */

export const VictimSchema = z.object({
  pid: z.int(),
  comm: z.string(),
  /** argv joined with spaces, for display. */
  command: z.string(),
  /** Points in the model's own unit (oom_score, or badness pages). */
  points: z.number(),
  freedKiB: z.int(),
  cumulativeKiB: z.int(),
  critical: z.boolean(),
  /** Service id from classifyCritical (also for non-critical known ones like sshd-session). */
  service: z.nullable(z.string()),
  reason: z.nullable(z.string()),
  /** The process the kernel chose; differs from pid when the child rule killed a child instead. */
  chosenPid: z.int(),
  viaChildRule: z.boolean(),
})
export type Victim = z.infer<typeof VictimSchema>

export const VictimSimulationSchema = z.object({
  model: OomModelKindSchema,
  modelDescription: z.string(),
  childRule: z.enum(['first-child', 'worst-child', 'none']),
  deficitKiB: z.int(),
  victims: z.array(VictimSchema),
  freedKiB: z.int(),
  /** The kills free at least the deficit. */
  covered: z.boolean(),
  /** Every killable process would die and the deficit would still not be met. */
  nothingLeftToKill: z.boolean(),
  shortfallKiB: z.int(),
  excluded: z.array(ExcludedProcessSchema),
  explanation: z.array(ExplanationLineSchema),
})
export type VictimSimulation = z.infer<typeof VictimSimulationSchema>

export interface SimulateInput {
  processes: readonly ProcessInfo[]
  /** Memory the kernel must find by killing, KiB. 0 or less: nobody dies. */
  deficitKiB: number
  kernel: KernelVersion | null
  /** MemTotal + SwapTotal (the oom_score_adj scale). */
  totalKiB: number
  uptimeSeconds?: number | null
  clockTicksPerSecond?: number
  /** Stop after this many kills even if the deficit is not met (reports: "first N victims"). */
  maxVictims?: number
}

export function simulateOomKills(input: SimulateInput): VictimSimulation {
  const model = buildOomModel(input.processes, {
    kernel: input.kernel,
    totalKiB: input.totalKiB,
    uptimeSeconds: input.uptimeSeconds ?? null,
    clockTicksPerSecond: input.clockTicksPerSecond ?? 100,
  })
  return simulateWithModel(model, input.processes, input.deficitKiB, input.maxVictims ?? Number.POSITIVE_INFINITY)
}

export function simulateWithModel(model: OomModel, processes: readonly ProcessInfo[], deficitKiB: number, maxVictims = Number.POSITIVE_INFINITY): VictimSimulation {
  const byPid = indexByPid(processes)
  const alive = new Set<number>(byPid.keys())
  const victims: Victim[] = []
  const explanation: ExplanationLine[] = []
  const deficit = Math.max(0, Math.ceil(deficitKiB))

  // Points are cached; a kill only changes the (legacy) points of the victim's parent.
  const pointsCache = new Map<number, number>()
  const tieCache = new Map<number, number>()
  const pointsOf = (p: ProcessInfo): number => {
    let v = pointsCache.get(p.pid)
    if (v === undefined) {
      v = model.points(p, alive)
      pointsCache.set(p.pid, v)
    }
    return v
  }
  const tieOf = (p: ProcessInfo): number => {
    let v = tieCache.get(p.pid)
    if (v === undefined) {
      v = model.tieBreak(p)
      tieCache.set(p.pid, v)
    }
    return v
  }

  let cumulative = 0
  let nothingLeft = false
  while (cumulative < deficit && victims.length < maxVictims) {
    let chosen: ProcessInfo | null = null
    let chosenPoints = 0
    for (const p of model.candidates) {
      if (!alive.has(p.pid)) continue
      const pts = pointsOf(p)
      if (
        chosen === null || pts > chosenPoints ||
        (pts === chosenPoints && (tieOf(p) > tieOf(chosen) || (tieOf(p) === tieOf(chosen) && laterFirst(model, p, chosen) < 0)))
      ) {
        chosen = p
        chosenPoints = pts
      }
    }
    if (chosen === null) {
      nothingLeft = true
      break
    }
    const victim = applyChildRule(model, chosen, alive)
    alive.delete(victim.pid)
    pointsCache.delete(victim.pid)
    if (model.kind === 'legacy-badness') pointsCache.delete(victim.ppid)
    const freed = victim.rssKiB + victim.swapKiB
    cumulative += freed
    const cls = classifyCritical(victim, byPid)
    victims.push({
      pid: victim.pid,
      comm: victim.comm,
      command: victim.cmdline.length > 0 ? victim.cmdline.join(' ') : `[${victim.comm}]`,
      points: victim === chosen ? chosenPoints : pointsOf(victim),
      freedKiB: freed,
      cumulativeKiB: cumulative,
      critical: cls?.critical ?? false,
      service: cls?.service ?? null,
      reason: cls?.reason ?? null,
      chosenPid: chosen.pid,
      viaChildRule: victim !== chosen,
    })
    explanation.push({
      label: `kill ${victim.comm} (${victim.pid})`,
      kib: freed,
      note: [
        victim === chosen ? `highest ${model.kind === 'legacy-badness' ? 'badness' : 'oom score'}` : `child of ${chosen.comm} (${chosen.pid}), killed first by the child rule`,
        cls?.critical ? `CRITICAL: ${cls.reason}` : null,
      ].filter((s) => s !== null).join('; '),
    })
  }

  const shortfall = Math.max(0, deficit - cumulative)
  if (shortfall > 0) {
    explanation.push({
      label: nothingLeft ? 'nothing left to kill' : 'still missing',
      kib: shortfall,
      note: nothingLeft
        ? `every killable process is gone and ${formatKiB(shortfall)} is still missing: the kernel panics or thrashes; the host is lost until someone resets it`
        : `after the first ${victims.length} kills`,
    })
  }

  return {
    model: model.kind,
    modelDescription: model.description,
    childRule: model.childRule,
    deficitKiB: deficit,
    victims,
    freedKiB: cumulative,
    covered: cumulative >= deficit,
    nothingLeftToKill: nothingLeft,
    shortfallKiB: shortfall,
    excluded: model.excluded,
    explanation,
  }
}
