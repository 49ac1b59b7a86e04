import {classifyCritical, isProtected, type CriticalClass} from '../linux/critical-services.js'
import {childrenByPid, indexByPid, programName, type ProcessInfo} from '../linux/processes.js'
import type {HostState} from '../state/host-state.js'
import {buildOomModel, type ChildRule, type OomModel, type OomModelKind} from './oom-model.js'
import {meetsPolicy, policyFor} from './protection-policy.js'
import {simulateWithModel} from './victims.js'

/**
 * `memguard oom`: the order in which the running kernel's OOM killer would take this host's
 * processes, what each kill frees, who it never takes and why, and what is wrong with the
 * protection (critical services it may take; protection that leaks into children).
 *
 * The order is the kill sequence of victims.ts run until nothing is left: the same model as
 * `status` and `mem-set` (oom-model.ts), including the child rule of kernels before 5.1 and the
 * recomputation after each kill that the legacy badness needs.
 */

export interface OomRow {
  /** 1 = the next victim. */
  rank: number
  pid: number
  name: string
  command: string
  rssKiB: number
  swapKiB: number
  /** Points in the model's unit: oom_score, or badness pages (modern computed / legacy). */
  score: number
  oomScore: number | null
  oomScoreAdj: number | null
  oomAdj: number | null
  /** `reduced`: a negative adj that handicaps but does not exempt it. */
  protection: 'none' | 'reduced'
  critical: boolean
  service: string | null
  reason: string | null
  /** What this kill frees (rss + swap of the process killed) and the running total. */
  freesKiB: number
  cumulativeKiB: number
  /** The process the kernel chose; differs from pid when the child rule killed a child of it. */
  chosenPid: number
  viaChildRule: boolean
}

export interface NeverChosenRow {
  pid: number
  name: string
  command: string
  rssKiB: number
  oomScoreAdj: number | null
  oomAdj: number | null
  reason: string
  /** Exempt by oom_score_adj −1000 / oom_adj −17 (not: kernel thread, init, no mm). */
  protected: boolean
  critical: boolean
  service: string | null
  kernelThread: boolean
}

export type FindingSeverity = 'critical' | 'warning' | 'info'

export interface OomFinding {
  id: string
  severity: FindingSeverity
  message: string
  advice?: string
  pids: number[]
}

export interface OomRanking {
  model: {kind: OomModelKind; childRule: ChildRule; description: string; childRuleText: string}
  /** MemTotal + SwapTotal: the scale of oom_score_adj; null without /proc/meminfo. */
  totalKiB: number | null
  /** The full kill order (every killable process). */
  order: OomRow[]
  neverChosen: NeverChosenRow[]
  findings: OomFinding[]
  processCount: number
}

const CHILD_RULE_TEXT: Record<ChildRule, string> = {
  'first-child': 'before 2.6.36 the kernel kills the first child (with its own memory) of the process it chose, before the process itself',
  'worst-child': 'from 2.6.36 to 5.0 the kernel kills the chosen process’s child with the highest badness first, if it has one',
  none: 'since 5.1 the chosen process itself dies (no child-first rule)',
}

export function rankOomVictims(state: HostState): OomRanking {
  const {processes, meminfo} = state
  const totalKiB = meminfo ? meminfo.memTotalKiB + meminfo.swapTotalKiB : null
  const model: OomModel = buildOomModel(processes, {kernel: state.kernel, totalKiB: totalKiB ?? 0, uptimeSeconds: state.uptimeSeconds})
  const byPid = indexByPid(processes)

  const sim = simulateWithModel(model, processes, Number.MAX_SAFE_INTEGER)
  const order: OomRow[] = sim.victims.map((v, i) => {
    const p = byPid.get(v.pid) as ProcessInfo
    return {
      rank: i + 1,
      pid: v.pid,
      name: p.comm,
      command: v.command,
      rssKiB: p.rssKiB,
      swapKiB: p.swapKiB,
      score: v.points,
      oomScore: p.oomScore,
      oomScoreAdj: p.oomScoreAdj,
      oomAdj: p.oomAdj,
      protection: adjOf(p) < 0 ? 'reduced' : 'none',
      critical: v.critical,
      service: v.service,
      reason: v.reason,
      freesKiB: v.freedKiB,
      cumulativeKiB: v.cumulativeKiB,
      chosenPid: v.chosenPid,
      viaChildRule: v.viaChildRule,
    }
  })

  const neverChosen: NeverChosenRow[] = model.excluded.map((e) => {
    const p = byPid.get(e.pid) as ProcessInfo
    const cls = classifyCritical(p, byPid)
    return {
      pid: p.pid,
      name: p.comm,
      command: commandOf(p),
      rssKiB: p.rssKiB,
      oomScoreAdj: p.oomScoreAdj,
      oomAdj: p.oomAdj,
      reason: e.reason,
      protected: isProtected(p),
      critical: cls?.critical ?? false,
      service: cls?.service ?? null,
      kernelThread: p.isKernelThread,
    }
  })

  return {
    model: {kind: model.kind, childRule: model.childRule, description: model.description, childRuleText: CHILD_RULE_TEXT[model.childRule]},
    totalKiB,
    order,
    neverChosen,
    findings: oomFindings(processes),
    processCount: processes.length,
  }
}

/** Everything wrong with the protection on this process table. */
export function oomFindings(processes: readonly ProcessInfo[]): OomFinding[] {
  const byPid = indexByPid(processes)
  const rows: ProtectionRow[] = []
  for (const p of processes) {
    if (p.isKernelThread) continue
    const cls = classifyCritical(p, byPid)
    if (cls?.critical) rows.push({pid: p.pid, name: p.comm, oomScoreAdj: p.oomScoreAdj, oomAdj: p.oomAdj, protected: isProtected(p) || p.pid === 1, critical: cls})
  }
  const findings: OomFinding[] = []
  const unprotected = unprotectedCriticalWarning(rows)
  if (unprotected) findings.push({...unprotected, severity: 'warning', pids: unprotected.pids})
  findings.push(...inheritedProtectionFindings(processes))
  return findings
}

/** The fields of a process row the protection rule needs (status's ProcessRow has them). */
export interface ProtectionRow {
  pid: number
  name: string
  oomScoreAdj: number | null
  oomAdj: number | null
  protected: boolean
  critical: CriticalClass | null
}

/**
 * Is this process protected as memguard's policy wants? Exempt (−1000/−17, init), at or below its
 * service's value (cron at −100), or left killable on purpose (xenwatchdogd, the console getty).
 */
export function protectedAsPolicyWants(r: Pick<ProtectionRow, 'oomScoreAdj' | 'oomAdj' | 'protected' | 'critical'>): boolean {
  if (r.protected) return true
  const policy = policyFor(r.critical?.service)
  if (policy?.mode === 'leave') return true
  return policy !== undefined && policy.mode !== 'opt-in' && meetsPolicy(r, policy)
}

/**
 * The `critical-unprotected` warning, shared by `status` and `oom`: critical services below
 * memguard's policy for them (protection-policy.ts). Those left killable on purpose (xenwatchdogd,
 * the console getty) are not listed; those outside the default set (qemu-dm, xend) are listed with
 * how to add them.
 */
export function unprotectedCriticalWarning(rows: readonly ProtectionRow[]): {id: 'critical-unprotected'; severity: 'warning'; message: string; advice: string; pids: number[]} | null {
  const unprotected = rows.filter((r) => r.critical?.critical && !protectedAsPolicyWants(r))
  if (unprotected.length === 0) return null
  const inDefault = [...new Set(unprotected.filter((r) => policyFor(r.critical?.service)?.mode !== 'opt-in').map((r) => r.critical?.service ?? r.name))]
  // By service id: `--process xend` (xend runs as python; `--process python` would take every python daemon).
  const optIn = [...new Set(unprotected.filter((r) => policyFor(r.critical?.service)?.mode === 'opt-in').map((r) => r.critical?.service ?? r.name))]
  const advice = [
    inDefault.length ? `memguard protect --apply --persist   (covers ${inDefault.join(', ')})` : null,
    optIn.length ? `not in memguard's default set: ${optIn.join(', ')} – add with ${optIn.map((n) => `--process ${n}`).join(' ')} (see docs/commands/protect.md)` : null,
  ].filter((s) => s !== null).join('; ')
  return {
    id: 'critical-unprotected',
    severity: 'warning',
    message: `critical services the OOM killer may take: ${unprotected.map((r) => `${r.name} (pid ${r.pid}, ${adjText(r)})`).join(', ')}`,
    advice,
    pids: unprotected.map((r) => r.pid),
  }
}

const SHELLS = new Set(['bash', 'sh', 'dash', 'ksh', 'zsh', 'csh', 'tcsh', 'ash', 'busybox', 'fish', 'screen', 'tmux', 'login', 'su', 'sudo'])

/**
 * Protection that leaks: a process at −1000/−17 whose children carry the same value (they
 * inherited it: the kernel copies it on fork), and the protected forking daemons whose future
 * children will (cron, shells). sshd is only reported when its sessions actually carry it: OpenSSH
 * ≥ 5.4p1 resets them. The memguard reverter's `sleep 1` children are expected and not reported.
 */
export function inheritedProtectionFindings(processes: readonly ProcessInfo[]): OomFinding[] {
  const byPid = indexByPid(processes)
  const children = childrenByPid(processes)
  const findings: OomFinding[] = []
  for (const p of processes) {
    if (p.isKernelThread || p.pid === 1 || !isProtected(p)) continue
    const cls = classifyCritical(p, byPid)
    if (cls?.service === 'memguard-reverter') continue
    // A child of a protected parent that is protected itself: inherited (or deliberately set – the
    // same value either way), unless the child is a critical service in its own right.
    const heirs = (children.get(p.pid) ?? []).filter((c) => !c.isKernelThread && isProtected(c) && sameAdj(c, p) && !classifyCritical(c, byPid)?.critical)
    const isCron = cls?.service === 'cron'
    const isShell = SHELLS.has(programName(p)) || SHELLS.has(p.comm)
    if (heirs.length === 0 && !isCron && !isShell) continue
    const what = isCron
      ? 'every cron job it starts is unkillable too (cron does not reset the value for its jobs)'
      : cls?.service === 'sshd'
        ? 'its ssh sessions carry it too: this sshd does not reset its children (older than OpenSSH 5.4p1, or OOMScoreAdjust= set on its unit), so every login and what it runs is unkillable'
        : isShell
          ? 'every command started from it inherits the exemption'
          : 'its children inherit the exemption'
    const heirText = heirs.length ? ` – now: ${heirs.slice(0, 6).map((c) => `${c.comm} (pid ${c.pid})`).join(', ')}${heirs.length > 6 ? `, … ${heirs.length} in all` : ''}` : ''
    findings.push({
      id: 'protection-inherited',
      severity: 'warning',
      message: `${p.comm} (pid ${p.pid}, ${adjText(p)}) is exempt from the OOM killer and ${what}${heirText}`,
      advice: isCron
        ? 'memguard protect --apply --persist sets cron to −100 instead (a handicap its jobs can outgrow); see docs/commands/protect.md'
        : cls?.service === 'sshd'
          ? 'protect only the listener: upgrade OpenSSH, or remove OOMScoreAdjust= from the sshd unit; memguard protect does not set it there'
          : `give ${p.comm} a handicap instead of −1000 (e.g. oom_score_adj −100), or start the work it runs from an unprotected process`,
      pids: [p.pid, ...heirs.map((c) => c.pid)],
    })
  }
  return findings
}

function sameAdj(a: ProcessInfo, b: ProcessInfo): boolean {
  if (a.oomScoreAdj !== null && b.oomScoreAdj !== null) return a.oomScoreAdj === b.oomScoreAdj
  return a.oomAdj !== null && a.oomAdj === b.oomAdj
}

function adjOf(p: ProcessInfo): number {
  return p.oomScoreAdj ?? p.oomAdj ?? 0
}

export function adjText(r: Pick<ProcessInfo, 'oomScoreAdj' | 'oomAdj'>): string {
  if (r.oomScoreAdj !== null) return `oom_score_adj ${r.oomScoreAdj}`
  if (r.oomAdj !== null) return `oom_adj ${r.oomAdj}`
  return 'no adj'
}

function commandOf(p: ProcessInfo): string {
  return p.cmdline.length > 0 ? p.cmdline.join(' ') : `[${p.comm}]`
}
