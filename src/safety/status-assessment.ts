import {formatKiB, toXlSizeArg} from '../lib/size.js'
import {classifyCritical, isProtected, type CriticalClass} from '../linux/critical-services.js'
import {indexByPid, programName, type ProcessInfo} from '../linux/processes.js'
import {describeRollback} from '../ops/rollback.js'
import type {HostState} from '../state/host-state.js'
import {dom0SizeInputOf, recommendDom0Size} from './dom0-size.js'
import {computeDom0Floor, type FloorResult, type HeadroomOption} from './floor.js'
import {buildOomModel, rankCandidates, type OomModel, type OomModelKind} from './oom-model.js'
import {unprotectedCriticalWarning} from './oom-ranking.js'

/**
 * The judgement `status` prints: the safe floor, the top memory users with their OOM rank and
 * protection, the critical services, and warnings – each warning with a stable id, the numbers
 * behind it and what to do.
 */

export type WarningSeverity = 'critical' | 'warning' | 'info'

export interface StatusWarning {
  id: string
  severity: WarningSeverity
  message: string
  advice?: string
}

export interface ProcessRow {
  pid: number
  name: string
  command: string
  rssKiB: number
  swapKiB: number
  oomScore: number | null
  oomScoreAdj: number | null
  oomAdj: number | null
  /** 1 = the OOM killer's next victim. null: never chosen (protected, kernel thread, init). */
  oomRank: number | null
  protected: boolean
  critical: CriticalClass | null
}

export interface StatusAssessment {
  floor: FloorResult | null
  /** What the floor is measured against: dom0's Xen allocation, or MemTotal off Xen. */
  floorBasis: 'dom0 allocation' | 'MemTotal'
  oomModel: OomModelKind | null
  oomModelDescription: string | null
  topProcesses: ProcessRow[]
  criticalServices: ProcessRow[]
  warnings: StatusWarning[]
}

export interface AssessOptions {
  headroom?: HeadroomOption
  countSwapAsHeadroom?: boolean
  /** How many top memory users to list (default 10). */
  top?: number
}

export function assessStatus(state: HostState, options: AssessOptions = {}): StatusAssessment {
  const warnings: StatusWarning[] = []
  const {meminfo, xen} = state

  const floorBasis = xen.dom0 ? 'dom0 allocation' : 'MemTotal'
  const floor = meminfo
    ? computeDom0Floor({meminfo, allocationKiB: xen.dom0?.allocationKiB ?? meminfo.memTotalKiB, headroom: options.headroom, countSwapAsHeadroom: options.countSwapAsHeadroom})
    : null

  // One model for the ranking and the report: building it indexes every process.
  const model = state.processes.length && meminfo
    ? buildOomModel(state.processes, {kernel: state.kernel, totalKiB: meminfo.memTotalKiB + meminfo.swapTotalKiB, uptimeSeconds: state.uptimeSeconds})
    : null
  const {topProcesses, criticalServices} = processRows(state, model, options.top ?? 10)

  warnXen(state, floor, warnings)
  warnProcesses(criticalServices, warnings)
  warnMemory(state, warnings)
  return {floor, floorBasis, oomModel: model?.kind ?? null, oomModelDescription: model?.description ?? null, topProcesses, criticalServices, warnings}
}

/**
 * The rows status shows: the top memory users and every critical service. Every process is
 * classified (a critical service may use little memory), but the full row – command line joined,
 * OOM rank – is built only for the ones shown: on a 2,000-process host that is ~20 of them.
 */
function processRows(state: HostState, model: OomModel | null, top: number): {topProcesses: ProcessRow[]; criticalServices: ProcessRow[]} {
  const {processes} = state
  if (!processes.length) return {topProcesses: [], criticalServices: []}
  const lookup = indexByPid(processes)
  const userProcesses = processes.filter((p) => !p.isKernelThread)
  const critical = new Map<number, CriticalClass>()
  for (const p of userProcesses) {
    const c = classifyCritical(p, lookup)
    if (c) critical.set(p.pid, c)
  }
  const rank = new Map<number, number>()
  if (model) rankCandidates(model, model.candidatePids).forEach((c, i) => rank.set(c.process.pid, i + 1))
  const row = (p: ProcessInfo): ProcessRow => ({
    pid: p.pid,
    name: p.comm,
    command: p.cmdline.length ? p.cmdline.join(' ') : programName(p),
    rssKiB: p.rssKiB,
    swapKiB: p.swapKiB,
    oomScore: p.oomScore,
    oomScoreAdj: p.oomScoreAdj,
    oomAdj: p.oomAdj,
    oomRank: rank.get(p.pid) ?? null,
    // init is never chosen by the OOM killer (oom_kill.c: is_global_init), whatever its adj.
    protected: isProtected(p) || p.pid === 1,
    critical: critical.get(p.pid) ?? null,
  })
  // A stable sort keeps /proc order among equals, as the full-table sort did.
  const byMemory = [...userProcesses].sort((a, b) => b.rssKiB + b.swapKiB - (a.rssKiB + a.swapKiB))
  return {
    topProcesses: byMemory.slice(0, top).map(row),
    criticalServices: userProcesses.filter((p) => critical.get(p.pid)?.critical).map(row),
  }
}

function warnXen(state: HostState, floor: FloorResult | null, warnings: StatusWarning[]): void {
  const {xen} = state
  if (!xen.isDom0) {
    warnings.push({id: 'not-dom0', severity: 'info', message: xen.detection.problem?.message ?? 'this is not a Xen dom0: only the Linux part is shown'})
    return
  }
  for (const problem of xen.detection.problems) {
    warnings.push({id: `toolstack-${problem.code}`, severity: 'warning', message: problem.message + (problem.stderr ? `\n${problem.stderr}` : '')})
  }
  const judgement = xen.dom0Mem
  if (xen.commandLine && judgement && !judgement.present) {
    warnings.push({
      id: 'no-dom0-mem',
      severity: 'critical',
      message: `dom0_mem is not on the Xen command line (${xen.commandLine.source}): dom0 starts with nearly all host memory and is sized by ballooning – the setting behind the netback "memory squeeze" and the shrink-into-OOM incident`,
      // The size `memguard dom0-mem` itself recommends, so the two commands never disagree.
      advice: floor ? `fix dom0's size at boot: memguard dom0-mem ${Math.ceil(recommendDom0Size(dom0SizeInputOf(state, floor)).kib / 1024)}M` : 'fix dom0\'s size at boot: memguard dom0-mem',
    })
  }
  // 'absent' is already the no-dom0-mem warning above.
  for (const problem of (judgement?.problems ?? []).filter((p) => p.code !== 'absent')) {
    warnings.push({id: `dom0-mem-${problem.code}`, severity: problem.severity === 'error' ? 'critical' : problem.severity, message: problem.message, advice: 'memguard dom0-mem rewrites it in the one safe form, dom0_mem=<N>M,max:<N>M'})
  }
  const dom0 = xen.dom0
  if (dom0 && dom0.targetKiB !== null && Math.abs(dom0.allocationKiB - dom0.targetKiB) > 1024) {
    warnings.push({
      id: 'balloon-not-at-target',
      severity: dom0.allocationKiB > dom0.targetKiB ? 'warning' : 'info',
      message: `dom0's balloon is not at its target: it holds ${formatKiB(dom0.allocationKiB)}, target ${formatKiB(dom0.targetKiB)}${dom0.allocationKiB > dom0.targetKiB ? ' – the balloon is still taking memory (or stuck); every page the OOM killer frees will be taken too' : ''}`,
      advice: dom0.allocationKiB > dom0.targetKiB && floor && dom0.targetKiB < floor.floorKiB ? `raise the target now: memguard mem-set 0 ${toXlSizeArg(floor.floorKiB)}` : undefined,
    })
  }
  if (dom0 && floor && dom0.allocationKiB < floor.floorKiB) {
    warnings.push({id: 'dom0-below-floor', severity: 'critical', message: `dom0 holds ${formatKiB(dom0.allocationKiB)}, less than its safe floor of ${formatKiB(floor.floorKiB)}: it is short of memory now`, advice: `grow it: memguard mem-set 0 ${toXlSizeArg(floor.floorKiB)}`})
  }
}

function warnProcesses(critical: ProcessRow[], warnings: StatusWarning[]): void {
  // The rule is shared with `memguard oom` and follows memguard's protection policy (cron at −100 is
  // protected enough; xenwatchdogd is left killable on purpose): src/safety/oom-ranking.ts.
  const warning = unprotectedCriticalWarning(critical)
  if (warning) warnings.push({id: warning.id, severity: warning.severity, message: warning.message, advice: warning.advice})
}

function warnMemory(state: HostState, warnings: StatusWarning[]): void {
  const {meminfo, oomLog, rollbacks, sysctls} = state
  if (meminfo?.memAvailableEstimated) {
    warnings.push({id: 'mem-available-estimated', severity: 'info', message: 'this kernel has no MemAvailable (before 3.14): available memory is an estimate'})
  }
  if (meminfo && meminfo.swapUsedKiB > 0) {
    warnings.push({id: 'swap-in-use', severity: meminfo.swapFreeKiB < meminfo.swapTotalKiB / 10 ? 'warning' : 'info', message: `${formatKiB(meminfo.swapUsedKiB)} of ${formatKiB(meminfo.swapTotalKiB)} swap in use: counted as in use (it comes back when touched), never as headroom`})
  }
  if (oomLog && oomLog.kills.length) {
    const last = oomLog.kills.at(-1)
    warnings.push({id: 'oom-kills-in-log', severity: 'warning', message: `${oomLog.kills.length} OOM kill(s) in the kernel log; last: ${last?.name ?? '?'} (pid ${last?.pid ?? '?'})${last?.timestamp?.text ? ` at ${last.timestamp.text}` : ''}`})
  }
  // armed/overdue/unknown: rollback-pending (warning); orphaned, interrupted: critical (src/ops/rollback.ts).
  for (const finding of rollbacks ?? []) {
    const {id, severity, message, advice} = describeRollback(finding)
    warnings.push({id, severity, message, advice})
  }
  if (sysctls && sysctls.panicOnOom === 0 && state.xen.isDom0) {
    warnings.push({id: 'no-oom-backstop', severity: 'info', message: 'vm.panic_on_oom is 0: if the OOM killer runs out of victims the host stays up but unreachable, as in the incident', advice: 'memguard protect --backstop explains the options (panic_on_oom + kernel.panic, xenwatchdogd)'})
  }
}
