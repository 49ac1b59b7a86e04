import type {ChalkInstance} from 'chalk'
import {formatKiB} from '../lib/size.js'
import type {ExplanationLine} from '../safety/explanation.js'
import {protectedAsPolicyWants} from '../safety/oom-ranking.js'
import type {ProcessRow, StatusAssessment, StatusWarning} from '../safety/status-assessment.js'
import {describeRollback, type RollbackFinding} from '../ops/rollback.js'
import type {HostState} from '../state/host-state.js'

/**
 * `memguard status` output. `statusJson` is the stable --json shape (documented in
 * docs/commands/status.md); `renderStatusText` is the terminal view, readable at a glance.
 */

export const STATUS_JSON_VERSION = 1

export function statusJson(state: HostState, assessment: StatusAssessment) {
  const {xen, meminfo} = state
  return {
    schemaVersion: STATUS_JSON_VERSION,
    host: {label: state.label, hostname: state.hostname, kernel: state.kernel?.text ?? null},
    xen: {
      isDom0: xen.isDom0,
      toolstack: xen.toolstack,
      version: xen.info?.xenVersion?.text ?? null,
      totalMemoryKiB: xen.info ? xen.info.totalMemoryMiB * 1024 : null,
      freeMemoryKiB: xen.info ? xen.info.freeMemoryMiB * 1024 : null,
      commandLine: xen.commandLine,
      dom0Mem: xen.dom0Mem
        ? {present: xen.dom0Mem.present, fixed: xen.dom0Mem.fixed, amountKiB: xen.dom0Mem.amountKiB ?? null, maxKiB: xen.dom0Mem.maxKiB ?? null, tokens: xen.dom0Mem.tokens.map((t) => t.text), problems: xen.dom0Mem.problems}
        : null,
      dom0: xen.dom0,
      balloon: xen.balloon,
      domains: xen.domains?.map((d) => ({id: d.id, name: d.name, memKiB: d.memMiB * 1024, vcpus: d.vcpus, state: d.state})) ?? null,
      problems: xen.detection.problems,
    },
    memory: meminfo
      ? {
          memTotalKiB: meminfo.memTotalKiB,
          memFreeKiB: meminfo.memFreeKiB,
          memAvailableKiB: meminfo.memAvailableKiB,
          memAvailableEstimated: meminfo.memAvailableEstimated,
          inUseKiB: meminfo.memTotalKiB - meminfo.memAvailableKiB,
          swapTotalKiB: meminfo.swapTotalKiB,
          swapUsedKiB: meminfo.swapUsedKiB,
          committedAsKiB: meminfo.committedAsKiB,
        }
      : null,
    floor: assessment.floor
      ? {floorKiB: assessment.floor.floorKiB, basis: assessment.floorBasis, inUseKiB: assessment.floor.inUseKiB, headroomKiB: assessment.floor.headroomKiB, headroomRule: assessment.floor.headroomRule, kernelGapKiB: assessment.floor.kernelGapKiB, warnLevelKiB: assessment.floor.warnLevelKiB, explanation: assessment.floor.explanation, notes: assessment.floor.notes}
      : null,
    oomModel: assessment.oomModel,
    topProcesses: assessment.topProcesses,
    criticalServices: assessment.criticalServices,
    processCount: state.processes.length,
    oomKillsInLog: state.oomLog?.kills.length ?? null,
    pendingRollback: state.pendingRollback,
    rollbacks: (state.rollbacks ?? []).map(rollbackJson),
    warnings: assessment.warnings,
    readProblems: state.readProblems,
  }
}

export type StatusJson = ReturnType<typeof statusJson>

/** A found dead-man rollback and how it stands (armed, overdue, orphaned, interrupted, unknown). */
export function rollbackJson(f: RollbackFinding) {
  const {severity, message, advice} = describeRollback(f)
  const s = f.state
  return {
    condition: f.condition,
    severity,
    path: f.path,
    claimed: f.claimed,
    domain: s.domain,
    previousKiB: s.previousKiB,
    newKiB: s.newKiB,
    deadline: s.deadline,
    deadlineEpoch: s.deadlineEpoch,
    secondsToDeadline: f.secondsToDeadline,
    reverter: f.reverter,
    token: s.token,
    logPath: s.logPath,
    checkedAt: f.checkedAt,
    message,
    advice,
  }
}

export function renderStatusText(state: HostState, assessment: StatusAssessment, c: ChalkInstance): string {
  const out: string[] = []
  const {xen, meminfo} = state
  const head = (text: string) => out.push('', c.bold(text))
  const kv = (key: string, value: string) => out.push(`  ${key.padEnd(14)}${value}`)

  out.push(c.bold(`memguard status — ${state.hostname ?? 'unknown host'}`) + c.dim(`  (${state.label})`))

  head('Xen')
  if (!xen.isDom0) {
    kv('dom0', c.yellow('not a Xen dom0') + c.dim(` – ${xen.detection.problem?.message ?? 'no toolstack found'}`))
  } else {
    kv('toolstack', `${xen.toolstack ?? c.red('none answered')}${xen.info?.xenVersion ? `, Xen ${xen.info.xenVersion.text}` : ''}`)
    if (xen.info) kv('host memory', `${formatKiB(xen.info.totalMemoryMiB * 1024)} total, ${formatKiB(xen.info.freeMemoryMiB * 1024)} free in Xen (${xen.toolstack} info)`)
    if (xen.commandLine && xen.dom0Mem) {
      const j = xen.dom0Mem
      const verdict = !j.present
        ? c.red('absent – dom0 balloons from all host memory')
        : j.problems.some((p) => p.severity === 'error')
          ? c.red('malformed')
          : j.fixed
            ? c.green('fixed (size = max:)')
            : c.yellow(j.maxKiB === undefined ? 'no max: – dom0 may balloon up without limit' : 'not fixed (size ≠ max:)')
      kv('dom0_mem', `${j.present ? j.tokens.map((t) => t.text).join(' ') : '—'}  ${verdict}  ${c.dim(`(from ${xen.commandLine.source})`)}`)
    } else kv('dom0_mem', c.yellow('unknown: the Xen command line could not be read'))
    if (xen.dom0) {
      const d = xen.dom0
      kv('dom0 holds', `${formatKiB(d.allocationKiB)} ${c.dim(`(${d.allocationSource})`)}`)
      if (d.targetKiB !== null) kv('dom0 target', `${formatKiB(d.targetKiB)} ${c.dim(`(${d.targetSource})`)}`)
      kv('dom0 max', d.staticMaxKiB !== null ? `${formatKiB(d.staticMaxKiB)} ${c.dim(`(${d.staticMaxSource})`)}` : c.yellow('unlimited or unknown'))
    }
    const guests = xen.domains?.filter((d) => d.id !== 0) ?? []
    if (xen.domains) kv('guests', guests.length ? `${guests.length} (${formatKiB(guests.reduce((sum, d) => sum + d.memMiB * 1024, 0))}): ${guests.slice(0, 6).map((g) => `${g.name} ${formatKiB(g.memMiB * 1024)}`).join(', ')}${guests.length > 6 ? ', …' : ''}` : 'none running')
  }

  head(`dom0 kernel${state.kernel ? ` (${state.kernel.text})` : ''}`)
  if (meminfo) {
    kv('MemTotal', formatKiB(meminfo.memTotalKiB))
    kv('MemAvailable', `${formatKiB(meminfo.memAvailableKiB)}${meminfo.memAvailableEstimated ? c.yellow(' (estimated: this kernel has no MemAvailable)') : ''}`)
    kv('in use', `${formatKiB(meminfo.memTotalKiB - meminfo.memAvailableKiB)} ${c.dim('(MemTotal − MemAvailable)')}`)
    kv('swap', meminfo.swapTotalKiB ? `${formatKiB(meminfo.swapUsedKiB)} used of ${formatKiB(meminfo.swapTotalKiB)}` : 'none')
  } else kv('memory', c.red('/proc/meminfo could not be read'))

  const floor = assessment.floor
  if (floor) {
    head('Safe floor')
    out.push(`  ${c.bold(formatKiB(floor.floorKiB))}  ${c.dim(assessment.floorBasis === 'dom0 allocation' ? 'the smallest dom0 size `memguard mem-set` accepts now' : 'the least memory this machine can run in now')}`)
    out.push(...explanationLines(floor.explanation, c))
    if (floor.warnLevelKiB > floor.floorKiB) out.push(c.dim(`  (Qubes' rule of thumb, 1.3 × used + 350 MiB, would keep ${formatKiB(floor.warnLevelKiB)})`))
  }

  if (assessment.topProcesses.length) {
    head(`Top memory users ${c.dim(`(${state.processes.length} processes; OOM rank by ${assessment.oomModel === 'legacy-badness' ? 'the pre-2.6.36 badness model' : 'oom_score'})`)}`)
    out.push(c.dim(`  ${'PID'.padStart(7)}  ${'NAME'.padEnd(16)}${'RSS'.padStart(10)}${'SWAP'.padStart(10)}${'SCORE'.padStart(7)}${'ADJ'.padStart(7)}  ${'OOM#'.padStart(4)}  NOTE`))
    for (const row of assessment.topProcesses) out.push(processLine(row, c))
  }
  const hiddenCritical = assessment.criticalServices.filter((r) => !assessment.topProcesses.some((t) => t.pid === r.pid))
  if (hiddenCritical.length) {
    head('Critical services')
    for (const row of hiddenCritical) out.push(processLine(row, c))
  }

  if (assessment.warnings.length) {
    head('Warnings')
    for (const w of assessment.warnings) out.push(...warningLines(w, c))
  }
  if (state.readProblems.length) {
    head('Could not read')
    for (const p of state.readProblems) out.push(`  ${c.yellow('?')} ${p}`)
  }
  return out.join('\n')
}

export function explanationLines(lines: readonly ExplanationLine[], c: ChalkInstance): string[] {
  return lines.map((l, i) => `  ${i === 0 ? ' ' : l.kib < 0 ? '−' : '+'} ${formatKiB(Math.abs(l.kib)).padStart(10)}  ${l.label.padEnd(14)}${c.dim(l.note ?? '')}`)
}

function processLine(row: ProcessRow, c: ChalkInstance): string {
  const adj = row.oomScoreAdj ?? row.oomAdj
  const notes: string[] = []
  if (row.protected) notes.push(c.green('protected'))
  // "Protected" as memguard's policy means it (cron at −100 is; xenwatchdogd is left killable on purpose).
  if (row.critical?.critical) notes.push(protectedAsPolicyWants(row) ? c.dim(`critical: ${row.critical.service}`) : c.red(`critical, unprotected: ${row.critical.reason}`))
  const line = `  ${String(row.pid).padStart(7)}  ${row.name.slice(0, 15).padEnd(16)}${formatKiB(row.rssKiB).padStart(10)}${(row.swapKiB ? formatKiB(row.swapKiB) : '–').padStart(10)}${String(row.oomScore ?? '–').padStart(7)}${String(adj ?? '–').padStart(7)}  ${String(row.oomRank ?? '–').padStart(4)}  ${notes.join('; ')}`
  return line
}

function warningLines(w: StatusWarning, c: ChalkInstance): string[] {
  const mark = w.severity === 'critical' ? c.red('✗') : w.severity === 'warning' ? c.yellow('!') : c.cyan('i')
  const [first, ...rest] = w.message.split('\n')
  const lines = [`  ${mark} ${first}`, ...rest.map((l) => `    ${c.dim(l)}`)]
  if (w.advice) lines.push(`    ${c.dim('→')} ${w.advice}`)
  return lines
}
