import type {ChalkInstance} from 'chalk'
import {formatDuration} from '../lib/duration.js'
import {formatKiB, formatKiBExact, toXlSizeArg} from '../lib/size.js'
import type {MemSetResult, WatchSample, WatchSubject} from '../ops/mem-set.js'
import type {ConfirmResult, RollbackNowResult} from '../ops/confirm-rollback.js'
import type {MemSetPreflight} from '../safety/mem-set.js'
import {explanationLines} from './status.js'

/**
 * `memguard mem-set`, `confirm` and `rollback` output. `memSetJson` is the stable --json shape
 * (docs/commands/mem-set.md); the text view puts the verdict first and the numbers behind it next.
 */

export const MEM_SET_JSON_VERSION = 1

export interface MemSetContext {
  hostLabel: string
  hostKind: string
  dryRun: boolean
  /** Why it is a dry run: asked for, or a read-only snapshot. */
  dryRunReason: 'asked' | 'read-only' | null
  toolstackTimeoutMs: number
  waitTimeoutMs: number | null
  confirmWithinMs: number | null
  auditLogPath: string
  /** Audit problems of a refusal (a refusal is audited without applying anything). */
  refusalAuditWarnings?: string[]
}

export type MemSetOutcomeJson = 'dry-run' | 'refused' | MemSetResult['outcome']

export function memSetJson(p: MemSetPreflight, ctx: MemSetContext, result: MemSetResult | null, exitCode: number) {
  const outcome: MemSetOutcomeJson = result ? result.outcome : p.decision === 'refuse' ? 'refused' : 'dry-run'
  const v = p.verdict
  return {
    schemaVersion: MEM_SET_JSON_VERSION,
    host: {label: ctx.hostLabel, kind: ctx.hostKind},
    dryRun: ctx.dryRun,
    dryRunReason: ctx.dryRunReason,
    domain: p.domain,
    toolstack: p.toolstack,
    size: p.size,
    targetKiB: p.targetKiB,
    current: p.current,
    previousTargetKiB: p.previousTargetKiB,
    action: p.action,
    changeKiB: p.changeKiB,
    decision: p.decision,
    wouldApply: p.decision !== 'refuse',
    force: p.force,
    reason: p.reason,
    refusals: p.refusals,
    reasons: p.reasons,
    warnings: p.warnings,
    alternatives: p.alternatives,
    judged: p.judged,
    floor: p.floor
      ? {
          floorKiB: p.floor.floorKiB,
          inUseKiB: p.floor.inUseKiB,
          kernelGapKiB: p.floor.kernelGapKiB,
          headroomKiB: p.floor.headroomKiB,
          headroomRule: p.floor.headroomRule,
          warnLevelKiB: p.floor.warnLevelKiB,
          explanation: p.floor.explanation,
          notes: p.floor.notes,
        }
      : null,
    verdict: v
      ? {
          safe: v.safe,
          deficitKiB: v.deficitKiB,
          shrinkByKiB: v.shrinkByKiB,
          reserveKiB: v.reserveKiB,
          oomDeficitKiB: v.oomDeficitKiB,
          explanation: v.explanation,
          model: v.victims.model,
          victims: v.victims.victims,
          criticalVictims: v.criticalVictims.map((c) => ({pid: c.pid, comm: c.comm, service: c.service, reason: c.reason})),
          nothingLeftToKill: v.victims.nothingLeftToKill,
          suggestion: v.suggestion,
        }
      : null,
    plan: {
      argv: p.argv,
      toolstackTimeoutMs: ctx.toolstackTimeoutMs,
      watch: {...p.watch, timeoutMs: ctx.waitTimeoutMs},
      brake: p.brake,
      rollback: ctx.confirmWithinMs === null ? null : {confirmWithinMs: ctx.confirmWithinMs, restoreKiB: p.previousTargetKiB},
      auditLog: ctx.auditLogPath,
    },
    outcome,
    result,
    refusalAuditWarnings: ctx.refusalAuditWarnings ?? [],
    exitCode,
  }
}

export type MemSetJson = ReturnType<typeof memSetJson>

/** The preflight, the verdict and the plan: printed before anything is changed. */
export function renderMemSetText(p: MemSetPreflight, ctx: MemSetContext, c: ChalkInstance): string {
  const out: string[] = []
  const kv = (key: string, value: string) => out.push(`  ${key.padEnd(14)}${value}`)
  const head = (text: string) => out.push('', c.bold(text))
  const who = p.domain.isDom0 ? 'dom0' : p.domain.name

  out.push(c.bold(`memguard mem-set — ${p.domain.name} (id ${p.domain.id}) to ${formatKiB(p.targetKiB)}`) + c.dim(`  (${ctx.hostLabel})`))
  kv('size', `${p.size.text} → ${c.bold(p.size.understood)}`)
  for (const note of p.size.notes) out.push(`  ${''.padEnd(14)}${c.yellow('note:')} ${c.dim(note)}`)
  const now = [`holds ${formatKiB(p.current.allocationKiB)} ${c.dim(`(${p.current.allocationSource})`)}`]
  if (p.current.targetKiB !== null) now.push(`target ${formatKiB(p.current.targetKiB)}`)
  now.push(p.current.staticMaxKiB !== null ? `max ${formatKiB(p.current.staticMaxKiB)}` : 'max unknown')
  kv('now', now.join(', '))
  kv('change', p.action === 'no-op' ? 'none (already there)' : `${p.action} by ${formatKiB(Math.abs(p.changeKiB))}`)
  if (p.domain.state) kv('state', p.domain.state)

  if (p.decision === 'refuse') out.push(...refusalLines(p, c))
  else {
    if (p.floor) {
      head(`Preflight ${c.dim(`(${p.judged === 'guest' ? `${p.domain.name}'s memory, read with --guest` : "dom0's memory"})`)}`)
      kv('floor', `${formatKiBExact(p.floor.floorKiB)} ${c.dim('(the smallest safe size now)')}`)
      out.push(...explanationLines(p.floor.explanation, c))
    } else head('Preflight')
    if (p.decision === 'force') {
      out.push(`  ${c.red('✗')} refused by memguard's rules, ${c.bold('overridden by --force')}${p.reason ? ` (reason: ${p.reason})` : ''}:`)
      for (const r of p.refusals) out.push(...indentLines(r.message, '    - ', c))
      out.push(...victimLines(p, c))
    } else for (const r of p.reasons) out.push(`  ${c.green('✓')} ${r}`)
    for (const w of p.warnings) out.push(`  ${c.yellow('!')} ${w}`)
  }

  if (p.decision !== 'refuse') {
    head(ctx.dryRun ? `Plan ${c.dim(ctx.dryRunReason === 'read-only' ? '(dry run: a snapshot is read-only)' : '(dry run: nothing is changed)')}` : 'Plan')
    let n = 1
    out.push(`  ${n++}. ${p.argv.join(' ')}   ${c.dim(`(killed if it has not answered in ${formatDuration(ctx.toolstackTimeoutMs)})`)}`)
    if (ctx.confirmWithinMs !== null) {
      out.push(`  ${n++}. arm the dead-man rollback: back to ${formatKiB(p.previousTargetKiB)} in ${formatDuration(ctx.confirmWithinMs)} unless \`memguard confirm\` is run`)
    }
    if (ctx.waitTimeoutMs !== null) {
      const where = p.watch.source === 'balloon-sysfs' ? 'the balloon (info/current_kb)' : p.watch.source === 'balloon-proc' ? 'the balloon (/proc/xen/balloon)' : `\`${p.toolstack} list\``
      out.push(`  ${n++}. watch ${where} reach ${formatKiB(p.targetKiB)}, for up to ${formatDuration(ctx.waitTimeoutMs)}`)
      if (p.brake) {
        out.push(`  ${n++}. emergency brake while it shrinks: if ${p.brake.observes === 'dom0' ? "dom0's" : `${p.domain.name}'s`} MemAvailable falls under ${formatKiB(p.brake.memAvailableFloorKiB)} ${c.dim(`(reserve ${formatKiB(p.brake.reserveKiB)} + half the headroom ${formatKiB(Math.ceil(p.brake.headroomKiB / 2))})`)} or a new OOM kill appears, raise the target back to ${formatKiB(p.brake.restoreKiB)} at once`)
      }
    } else out.push(`  ${n++}. do not wait for the balloon (--no-wait)`)
    out.push(`  ${n}. record it in ${ctx.auditLogPath} and syslog`)
  }

  if (ctx.dryRun) {
    out.push('', p.decision === 'refuse'
      ? c.red(`Dry run: ${who} would NOT be changed (exit 3).`)
      : c.green(`Dry run: this change would be applied${p.decision === 'force' ? ' (forced)' : ''} (exit 0). Nothing was changed.`))
  }
  for (const w of ctx.refusalAuditWarnings ?? []) out.push(`  ${c.yellow('!')} ${w}`)
  return out.join('\n')
}

/** What happened when the change was applied: printed after the watch. */
export function renderMemSetResult(p: MemSetPreflight, r: MemSetResult, c: ChalkInstance): string {
  return resultLines(p, r, c).join('\n')
}

function indentLines(text: string, prefix: string, c: ChalkInstance): string[] {
  const [first, ...rest] = text.split('\n')
  return [`${prefix}${first}`, ...rest.map((l) => `${' '.repeat(prefix.length)}${c.dim(l)}`)]
}

function refusalLines(p: MemSetPreflight, c: ChalkInstance): string[] {
  const out: string[] = ['']
  const who = p.domain.isDom0 ? 'dom0' : p.domain.name
  const verb = p.action === 'shrink' ? 'shrink' : p.action === 'grow' ? 'grow' : 'set'
  out.push(c.red.bold(`REFUSED: memguard will not ${verb} ${who} to ${formatKiB(p.targetKiB)}`))
  const kv = (key: string, value: string) => out.push(`  ${key.padEnd(14)}${value}`)
  kv('target', formatKiBExact(p.targetKiB))
  if (p.floor && p.refusals.some((r) => r.code === 'below-floor' || r.code === 'below-xl-minimum')) {
    kv('in use', `${formatKiB(p.floor.inUseKiB)} ${c.dim('(MemTotal − MemAvailable' + (p.floor.swapUsedKiB ? ' + swap in use' : '') + ')')}`)
    kv('floor', `${formatKiBExact(p.floor.floorKiB)} ${c.dim(`(kernel gap ${formatKiB(p.floor.kernelGapKiB)} + in use ${formatKiB(p.floor.inUseKiB)} + headroom ${formatKiB(p.floor.headroomKiB)}, ${p.floor.headroomRule})`)}`)
  }
  if (p.verdict) {
    if (p.verdict.deficitKiB > 0) kv('deficit', `${formatKiB(p.verdict.deficitKiB)} ${c.dim('below the floor')}`)
    if (p.verdict.oomDeficitKiB > 0) kv('OOM must free', `${formatKiB(p.verdict.oomDeficitKiB)} ${c.dim(`(shrink by ${formatKiB(p.verdict.shrinkByKiB)} − MemAvailable + reserve ${formatKiB(p.verdict.reserveKiB)})`)}`)
  }
  out.push('', c.bold('  Why'))
  for (const r of p.refusals) {
    out.push(...indentLines(r.message, `  ${c.red('✗')} `, c))
    if (r.advice) out.push(`      ${c.dim('→')} ${r.advice}`)
    if (r.hard) out.push(`      ${c.dim('(a hard limit: --force does not override it)')}`)
  }
  for (const w of p.warnings) out.push(`  ${c.yellow('!')} ${w}`)
  out.push(...victimLines(p, c))
  if (p.alternatives.length) {
    out.push('', c.bold('  Instead'))
    for (const a of p.alternatives) out.push(`  ${c.cyan('→')} ${a}`)
  }
  if (!p.refusals.every((r) => r.hard)) out.push('', c.dim(`  To do it anyway: --force --reason "why" (logged). Exit 3: refused.`))
  else out.push('', c.dim('  Exit 3: refused.'))
  return out
}

const MAX_VICTIMS_SHOWN = 15

function victimLines(p: MemSetPreflight, c: ChalkInstance): string[] {
  const v = p.verdict
  if (!v || v.victims.victims.length === 0) return []
  const out: string[] = ['', c.bold(`  The OOM killer would kill, in this order ${c.dim(`(${v.victims.model === 'legacy-badness' ? 'pre-2.6.36 badness' : 'oom_score'} model, to free ${formatKiB(v.oomDeficitKiB)})`)}`)]
  v.victims.victims.slice(0, MAX_VICTIMS_SHOWN).forEach((x, i) => {
    const mark = x.critical ? c.red(`CRITICAL: ${x.reason ?? x.service ?? ''}`) : x.service === 'sshd-session' ? c.yellow('an ssh session') : ''
    out.push(`  ${String(i + 1).padStart(4)}  ${`${x.comm} (${x.pid})`.padEnd(26)}${formatKiB(x.freedKiB).padStart(10)}  ${mark}`.trimEnd())
  })
  const more = v.victims.victims.length - MAX_VICTIMS_SHOWN
  if (more > 0) {
    const critical = v.victims.victims.slice(MAX_VICTIMS_SHOWN).filter((x) => x.critical)
    out.push(`        … and ${more} more${critical.length ? `, among them ${critical.map((x) => `${x.comm} (${x.pid})`).join(', ')} (CRITICAL)` : ''}`)
  }
  if (v.victims.nothingLeftToKill) out.push(`  ${c.red('and then nothing is left to kill')}: ${formatKiB(v.victims.shortfallKiB)} would still be missing – the host would be lost until someone resets it`)
  return out
}

function resultLines(p: MemSetPreflight, r: MemSetResult, c: ChalkInstance): string[] {
  const out: string[] = ['', c.bold('Result')]
  const t = r.toolstack
  out.push(`  ${t.exitCode === 0 ? c.green('✓') : c.red('✗')} ${t.argv.join(' ')}: ${t.timedOut ? `killed after ${formatDuration(t.durationMs)} (no answer)` : `exit ${t.exitCode ?? 'none'} in ${formatDuration(t.durationMs)}`}`)
  if (t.exitCode !== 0 && !t.timedOut) {
    if (t.stderr.trim()) {
      out.push(`    ${c.dim(`${p.toolstack} said:`)}`)
      for (const line of t.stderr.trimEnd().split('\n')) out.push(`      ${line}`)
    }
    if (t.explanation) {
      out.push(`    ${c.bold('what it means:')} ${t.explanation.explanation}`)
      out.push(`    ${c.dim('→')} ${t.explanation.advice}`)
    }
  }
  if (r.rollback.armed) {
    const a = r.rollback.armed
    out.push(`  ${c.green('✓')} dead-man rollback armed: back to ${formatKiB(a.previousKiB)} at ${a.deadline} unless \`memguard confirm\` is run ${c.dim(`(reverter pid ${a.reverterPid}, log ${a.logPath})`)}`)
  }
  if (r.brake) {
    out.push(`  ${c.red('✗')} ${c.bold('emergency brake')} after ${formatDuration(r.brake.atMs)}:`)
    for (const s of r.brake.seen) out.push(`      - ${s}`)
    const rs = r.brake.restore
    if (rs.balloon) out.push(`    ${rs.balloon.ok ? c.green('✓') : c.red('✗')} balloon: wrote ${rs.balloon.text} to ${rs.balloon.path}${rs.balloon.error ? ` (${rs.balloon.error})` : ''}`)
    if (rs.toolstack) out.push(`    ${rs.toolstack.exitCode === 0 ? c.green('✓') : c.red('✗')} ${rs.toolstack.argv.join(' ')}: exit ${rs.toolstack.exitCode ?? 'none'}${rs.toolstack.stderr.trim() ? ` – ${rs.toolstack.stderr.trim().split('\n')[0]}` : ''}`)
    if (r.rollback.cancelled) out.push(`    ${c.dim('the dead-man rollback is no longer needed and was cancelled')}`)
  }
  if (r.watch) {
    const w = r.watch
    if (w.lowestMemAvailableKiB !== null) out.push(`    ${c.dim(`lowest MemAvailable seen: ${formatKiB(w.lowestMemAvailableKiB)}`)}`)
    for (const problem of w.readProblems) out.push(`  ${c.yellow('?')} ${problem}`)
  }
  for (const n of r.notes) out.push(`  ${c.yellow('!')} ${n}`)
  for (const w of r.audit.warnings) out.push(`  ${c.yellow('!')} ${w}`)
  const mark = r.exitCode === 0 ? c.green('✓') : r.exitCode === 4 ? c.yellow('!') : c.red('✗')
  out.push('', `${mark} ${r.summary} ${c.dim(`(exit ${r.exitCode})`)}`)
  if (r.outcome === 'not-converged' && p.action === 'shrink') {
    if (p.domain.isDom0) out.push(c.dim('  The Linux balloon gives up after max_retry_count failed rounds and does not try again for an hour unless the target changes.'))
    out.push(c.dim(`  To go back: memguard mem-set ${p.domain.id} ${toXlSizeArg(p.previousTargetKiB)}${r.rollback.armed ? ' (or let the dead-man rollback do it, or run memguard rollback now)' : ''}`))
  }
  return out
}

/** The one-line progress indicator (stderr, TTY only). */
export function progressLine(sample: WatchSample, subject: WatchSubject): string {
  const parts = [`${subject.domain.isDom0 ? 'dom0' : subject.domain.name}: ${sample.currentKiB === null ? '?' : formatKiB(sample.currentKiB)} → ${formatKiB(subject.targetKiB)}`]
  if (sample.memAvailableKiB !== null) parts.push(`MemAvailable ${formatKiB(sample.memAvailableKiB)}`)
  parts.push(formatDuration(sample.elapsedMs))
  return parts.join('  ·  ')
}

export function renderConfirmText(r: ConfirmResult, c: ChalkInstance, hostLabel: string): string {
  const out = [`${c.bold('memguard confirm')} — ${hostLabel}`, `${r.exitCode === 0 ? c.green('✓') : c.yellow('!')} ${r.summary}`]
  for (const l of r.reverterLog) out.push(c.dim(`    ${l}`))
  for (const w of r.auditWarnings) out.push(`  ${c.yellow('!')} ${w}`)
  return out.join('\n')
}

export function renderRollbackText(r: RollbackNowResult, c: ChalkInstance, hostLabel: string): string {
  const out: string[] = [`${c.bold('memguard rollback')} — ${hostLabel}`]
  if (r.restore) {
    const rs = r.restore
    if (rs.balloon) out.push(`  ${rs.balloon.ok ? c.green('✓') : c.red('✗')} balloon: wrote ${rs.balloon.text} to ${rs.balloon.path}${rs.balloon.error ? ` (${rs.balloon.error})` : ''}`)
    if (rs.toolstack) {
      out.push(`  ${rs.toolstack.exitCode === 0 ? c.green('✓') : c.red('✗')} ${rs.toolstack.argv.join(' ')}: exit ${rs.toolstack.exitCode ?? 'none'}`)
      if (rs.toolstack.exitCode !== 0 && rs.toolstack.stderr.trim()) for (const l of rs.toolstack.stderr.trimEnd().split('\n')) out.push(`      ${l}`)
      if (rs.toolstack.explanation && rs.toolstack.exitCode !== 0) out.push(`    ${c.dim('→')} ${rs.toolstack.explanation.explanation} ${rs.toolstack.explanation.advice}`)
    }
  }
  for (const l of r.reverterLog) out.push(c.dim(`    ${l}`))
  for (const w of r.auditWarnings) out.push(`  ${c.yellow('!')} ${w}`)
  out.push(`${r.exitCode === 0 ? c.green('✓') : r.exitCode === 4 ? c.yellow('!') : c.red('✗')} ${r.summary} ${c.dim(`(exit ${r.exitCode})`)}`)
  return out.join('\n')
}
