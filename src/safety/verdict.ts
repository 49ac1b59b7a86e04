import * as z from 'zod/mini'
import {formatKiB, formatKiBExact, toXlSizeArg} from '../lib/size.js'
import type {KernelVersion} from '../linux/kernel-version.js'
import {estimateMinFreeKiB, type Meminfo} from '../linux/meminfo.js'
import type {ProcessInfo} from '../linux/processes.js'
import {ExplanationLineSchema, type ExplanationLine} from './explanation.js'
import {LIBXL_MIN_DOM0_KiB, type FloorResult} from './floor.js'
import {simulateOomKills, VictimSchema, VictimSimulationSchema, type Victim} from './victims.js'

/**
 * Is a new dom0 target safe? The policy behind `memguard mem-set`.
 *
 * - deficitKiB     = floor − target: how far the target is below the floor (floor.ts).
 * - oomDeficitKiB  = shrinkBy − (MemAvailable − reserve): what the OOM killer would have to free
 *   for the balloon to reach the target. MemAvailable is what the kernel can give up without
 *   killing (the 6.1 balloon takes at most that per round, xenlab README); `reserve` is the part
 *   the kernel keeps for itself, ≈ vm.min_free_kbytes (the min watermark: below it, allocations
 *   stall and the OOM killer runs).
 * - victims: who would die to free oomDeficitKiB, in the running kernel's order (victims.ts).
 *
 * A shrink is safe when the target is at or above the floor, at or above xl's 128 MiB, and needs
 * no OOM kill. Growing (or keeping) the allocation is always safe as far as OOM is concerned.
 */

export const Dom0VerdictSchema = z.object({
  action: z.enum(['shrink', 'grow', 'no-op']),
  safe: z.boolean(),
  targetKiB: z.int(),
  currentAllocationKiB: z.int(),
  floorKiB: z.int(),
  shrinkByKiB: z.int(),
  /** floor − target, 0 when the target is at or above the floor. */
  deficitKiB: z.int(),
  reserveKiB: z.int(),
  reserveEstimated: z.boolean(),
  /** What the OOM killer would have to free (0: nothing). */
  oomDeficitKiB: z.int(),
  /** Why it is unsafe (empty when safe), or why it is fine. */
  reasons: z.array(z.string()),
  warnings: z.array(z.string()),
  victims: VictimSimulationSchema,
  criticalVictims: z.array(VictimSchema),
  suggestion: z.object({
    /** The floor as a target, when dom0 can be shrunk to it at all. */
    targetKiB: z.nullable(z.int()),
    /** `xl mem-set` argument with an explicit unit. */
    xlArg: z.nullable(z.string()),
    text: z.string(),
  }),
  /** Lines that add up to the (unclamped) OOM deficit. */
  explanation: z.array(ExplanationLineSchema),
})
export type Dom0Verdict = z.infer<typeof Dom0VerdictSchema>

export interface Dom0TargetInput {
  /** A guest (mem-set --guest): xl's 128 MiB minimum is for dom0 only. Default true. */
  isDom0?: boolean
  targetKiB: number
  currentAllocationKiB: number
  floor: FloorResult
  meminfo: Meminfo
  processes: readonly ProcessInfo[]
  kernel: KernelVersion | null
  /** vm.min_free_kbytes; estimated from MemTotal when unknown. */
  minFreeKiB?: number | null
  uptimeSeconds?: number | null
}

export function evaluateDom0Target(input: Dom0TargetInput): Dom0Verdict {
  const {targetKiB, currentAllocationKiB, floor, meminfo} = input
  const reserveEstimated = input.minFreeKiB === undefined || input.minFreeKiB === null
  const reserveKiB = reserveEstimated ? estimateMinFreeKiB(meminfo.memTotalKiB) : (input.minFreeKiB as number)
  const shrinkByKiB = Math.max(0, currentAllocationKiB - targetKiB)
  const deficitKiB = Math.max(0, floor.floorKiB - targetKiB)
  const reasons: string[] = []
  const warnings: string[] = []

  const spareKiB = meminfo.memAvailableKiB - reserveKiB
  const rawOomDeficit = shrinkByKiB - spareKiB
  const oomDeficitKiB = Math.max(0, rawOomDeficit)
  const explanation: ExplanationLine[] = [
    {label: 'shrink by', kib: shrinkByKiB, note: `current ${formatKiB(currentAllocationKiB)} − target ${formatKiB(targetKiB)}: what the balloon must take`},
    {label: 'MemAvailable', kib: -meminfo.memAvailableKiB, note: meminfo.memAvailableEstimated ? 'can be given up without killing (estimated on this kernel)' : 'can be given up without killing'},
    {label: 'reserve', kib: reserveKiB, note: reserveEstimated ? '≈ min_free_kbytes (estimated): the kernel keeps this back' : 'vm.min_free_kbytes: the kernel keeps this back'},
  ]

  const victims = simulateOomKills({
    processes: input.processes,
    deficitKiB: oomDeficitKiB,
    kernel: input.kernel,
    totalKiB: meminfo.memTotalKiB + meminfo.swapTotalKiB,
    uptimeSeconds: input.uptimeSeconds ?? null,
  })
  const criticalVictims: Victim[] = victims.victims.filter((v) => v.critical)

  const suggestion = floor.floorKiB <= currentAllocationKiB
    ? {
        targetKiB: floor.floorKiB,
        xlArg: toXlSizeArg(floor.floorKiB),
        text: `the smallest safe dom0 size now is ${formatKiBExact(floor.floorKiB)} (xl mem-set 0 ${toXlSizeArg(floor.floorKiB)})`,
      }
    : {
        targetKiB: null,
        xlArg: null,
        text: `dom0 already needs ${formatKiBExact(floor.floorKiB)}, more than its ${formatKiB(currentAllocationKiB)}: do not shrink it`,
      }

  let action: Dom0Verdict['action']
  if (targetKiB > currentAllocationKiB) action = 'grow'
  else if (targetKiB === currentAllocationKiB) action = 'no-op'
  else action = 'shrink'

  if (action !== 'shrink') {
    reasons.push(action === 'grow'
      ? `growing dom0 from ${formatKiB(currentAllocationKiB)} to ${formatKiB(targetKiB)} takes nothing away: no OOM risk`
      : `the target equals the current allocation (${formatKiB(currentAllocationKiB)}): nothing changes`)
    if (action === 'grow') warnings.push('growth is limited by the domain maximum (static-max / dom0_mem max:) and by free memory in Xen; neither is checked here')
    return {
      action, safe: true, targetKiB, currentAllocationKiB, floorKiB: floor.floorKiB, shrinkByKiB: 0, deficitKiB,
      reserveKiB, reserveEstimated, oomDeficitKiB: 0, reasons, warnings, victims, criticalVictims: [], suggestion, explanation,
    }
  }

  if (input.isDom0 !== false && targetKiB < LIBXL_MIN_DOM0_KiB) {
    reasons.push(`${formatKiB(targetKiB)} is below xl's dom0 minimum of 128 MiB; xl would refuse it (xm would not)`)
  }
  if (targetKiB <= floor.kernelGapKiB) {
    reasons.push(`${formatKiB(targetKiB)} is not even the dom0 kernel's own footprint (${formatKiB(floor.kernelGapKiB)} of the allocation never becomes RAM): the balloon can never get there and the OOM killer will run until nothing is left (the lab's 128m run)`)
  }
  if (deficitKiB > 0) {
    reasons.push(`${formatKiB(targetKiB)} is ${formatKiB(deficitKiB)} below the floor of ${formatKiBExact(floor.floorKiB)} (kernel gap ${formatKiB(floor.kernelGapKiB)} + in use ${formatKiB(floor.inUseKiB)} + headroom ${formatKiB(floor.headroomKiB)})`)
  }
  if (oomDeficitKiB > 0) {
    reasons.push(`the balloon must take ${formatKiB(shrinkByKiB)} but only ${formatKiB(Math.max(0, spareKiB))} can be given up without killing: the OOM killer would have to free ${formatKiB(oomDeficitKiB)}`)
    if (criticalVictims.length > 0) {
      const names = [...new Set(criticalVictims.map((v) => v.service ?? v.comm))]
      reasons.push(`it would kill ${names.join(', ')}: ${criticalVictims.map((v) => `${v.comm} (${v.pid})`).join(', ')}`)
    }
    // systemd ≥ 243 stops a whole unit when the kernel OOM-kills one of its processes
    // (DefaultOOMPolicy=stop, systemd.service(5) OOMPolicy=): a dead ssh session takes
    // ssh.service, listener included, with it. That is how the lab lost sshd at 128m.
    const init = input.processes.find((p) => p.pid === 1)
    // (The killed sshd processes were in /system.slice/ssh.service per their oom-kill lines.)
    const sessions = victims.victims.filter((v) => v.service === 'sshd-session')
    if (init !== undefined && init.comm === 'systemd' && sessions.length > 0) {
      reasons.push(`it would kill the ssh session ${sessions.map((v) => `${v.comm} (${v.pid})`).join(', ')}: sshd processes run in ssh.service, and with systemd's default OOMPolicy=stop an OOM kill there stops the whole unit, listener included, unless ssh.service sets OOMPolicy=continue`)
    }
    if (victims.nothingLeftToKill) {
      reasons.push(`killing every killable process frees only ${formatKiB(victims.freedKiB)}, ${formatKiB(victims.shortfallKiB)} short: nothing would be left to kill and the host would be lost`)
    }
  }

  const safe = reasons.length === 0
  if (safe) {
    reasons.push(`${formatKiB(targetKiB)} is at or above the floor of ${formatKiBExact(floor.floorKiB)} and the kernel can give up ${formatKiB(shrinkByKiB)} without killing anything`)
    if (targetKiB < floor.warnLevelKiB) {
      warnings.push(`${formatKiB(targetKiB)} is below the Qubes-style comfort level of ${formatKiBExact(floor.warnLevelKiB)} (1.3 × used + 350 MiB): dom0 will have little page cache`)
    }
  }
  if (meminfo.memAvailableEstimated) warnings.push('MemAvailable is an estimate on this kernel (no MemAvailable line before Linux 3.14)')

  return {
    action, safe, targetKiB, currentAllocationKiB, floorKiB: floor.floorKiB, shrinkByKiB, deficitKiB,
    reserveKiB, reserveEstimated, oomDeficitKiB, reasons, warnings, victims, criticalVictims, suggestion, explanation,
  }
}
