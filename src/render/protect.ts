import type {ChalkInstance} from 'chalk'
import type {CommandRun, FileResult, KnobResult, ProtectOutcome} from '../ops/protect.js'
import type {FileChange, ProtectPlan, RuntimeTarget} from '../safety/protect-plan.js'
import {renderAuditRecord} from './audit.js'

/**
 * `memguard protect` output: the plan (per process, per file, as diffs), then what was done.
 * `protectJson` is the stable --json shape (docs/commands/protect.md).
 */

export const PROTECT_JSON_VERSION = 1

export interface ProtectMode {
  apply: boolean
  persist: boolean
  backstop: boolean
  /** A snapshot: nothing can be changed. */
  readOnly: boolean
}

export function protectJson(plan: ProtectPlan, mode: ProtectMode, outcome: ProtectOutcome | null) {
  return {
    schemaVersion: PROTECT_JSON_VERSION,
    host: plan.host,
    mode,
    plan: {
      knob: plan.knob,
      knobWhy: plan.knobWhy,
      initSystem: plan.initSystem,
      initEvidence: plan.initEvidence,
      systemdVersion: plan.systemdVersion,
      runtime: plan.runtime,
      leftAlone: plan.leftAlone,
      notRunning: plan.notRunning,
      persist: {...plan.persist, files: plan.persist.files.map(fileJson)},
      backstop: plan.backstop ? {...plan.backstop, file: fileJson(plan.backstop.file)} : null,
      warnings: plan.warnings,
      nothingToDo: plan.nothingToDo,
    },
    outcome,
  }
}

export type ProtectJson = ReturnType<typeof protectJson>

/** Files in JSON: the diff and the new content, not the old content twice. */
function fileJson(f: FileChange) {
  return {path: f.path, kind: f.kind, purpose: f.purpose, action: f.action, mode: `0${f.mode.toString(8)}`, diff: f.diff, content: f.after}
}

export function renderProtectText(plan: ProtectPlan, mode: ProtectMode, outcome: ProtectOutcome | null, c: ChalkInstance): string {
  const out: string[] = []
  const head = (t: string, note = '') => out.push('', c.bold(t) + (note ? c.dim(`  ${note}`) : ''))
  out.push(c.bold(`memguard protect — ${plan.host.hostname ?? 'unknown host'}`) + c.dim(`  (${plan.host.label})`))
  out.push(c.dim(`  ${plan.knobWhy}`))
  out.push(c.dim(`  init: ${plan.initSystem}${plan.systemdVersion !== null ? ` ${plan.systemdVersion}` : ''} (${plan.initEvidence})`))

  head('Running processes', mode.apply && !mode.readOnly ? '' : 'plan: --apply sets these')
  if (plan.runtime.length === 0) out.push(`  ${c.yellow('no critical service is running here')}`)
  else {
    out.push(c.dim(`  ${'SERVICE'.padEnd(18)}${'PID'.padStart(7)}  ${'NAME'.padEnd(16)}${'KNOB'.padEnd(14)}${'NOW'.padStart(6)}${'WANT'.padStart(7)}  ACTION`))
    for (const t of plan.runtime) out.push(runtimeLine(t, c))
    out.push('')
    const shown = new Set<string>()
    for (const t of plan.runtime) {
      if (shown.has(t.service)) continue
      shown.add(t.service)
      out.push(`  ${c.bold(t.service)} ${t.desired}: ${t.why}.`)
      if (t.children) out.push(c.dim(`    children: ${t.children}.`))
      if (t.note && t.service !== 'sshd') out.push(c.yellow(`    note: ${t.note}`))
    }
  }
  if (plan.leftAlone.length) {
    out.push('', `  ${c.dim('left alone:')}`)
    for (const l of plan.leftAlone) out.push(`    ${l.name} (pid ${l.pid ?? '–'}): ${c.dim(l.why)}`)
  }
  if (plan.notRunning.length) {
    out.push('', `  ${c.dim('not running:')}`)
    for (const n of plan.notRunning) out.push(`    ${c.dim(n.why)}`)
  }

  const mechanism = plan.persist.mechanism === 'systemd-drop-ins' ? 'systemd drop-ins' : plan.persist.mechanism === 'sysvinit-hook' ? 'SysV hook: defaults files + rc.local' : 'none possible'
  head(`Persistent (${mechanism})`, mode.persist && !mode.readOnly ? '' : 'plan: --persist writes these')
  if (plan.persist.files.length === 0) out.push(`  ${c.dim('nothing to write')}`)
  for (const f of plan.persist.files) out.push(...fileLines(f, c))
  for (const cmd of plan.persist.commands) out.push(`  then: ${c.bold(cmd.argv.join(' '))}  ${c.dim(`(${cmd.runsWith}) – ${cmd.why}`)}`)
  for (const n of plan.persist.notes) out.push(`  ${c.cyan('i')} ${n}`)

  if (plan.backstop) {
    const b = plan.backstop
    head('Backstop: reboot instead of a brick', mode.apply && !mode.readOnly ? '' : 'plan: only --apply --backstop changes anything')
    for (const e of b.explanation) out.push(`  ${e}`)
    out.push('')
    for (const s of b.sysctls) out.push(`  ${s.name.padEnd(18)} now ${String(s.current ?? 'unknown').padStart(4)}  want ${String(s.desired).padStart(4)}  ${s.action === 'ok' ? c.green('ok') : c.yellow('set')}`)
    out.push(...fileLines(b.file, c))
    out.push(`  xenwatchdogd: ${b.watchdog.status}${b.watchdog.commands.length ? ` – runs ${b.watchdog.commands.map((x) => `\`${x.argv.join(' ')}\``).join(', ')} with --apply --backstop` : ''}`)
  }

  if (plan.warnings.length) {
    head('Warnings')
    for (const w of plan.warnings) out.push(`  ${c.yellow('!')} ${w}`)
  }

  out.push('')
  if (mode.readOnly) {
    out.push(c.cyan(`Plan only: ${plan.host.label} is a snapshot (read-only); nothing was changed.${mode.apply || mode.persist ? ' Run the same command on the host (or with --host) to apply it.' : ''}`))
  } else if (!outcome || (!mode.apply && !mode.persist)) {
    out.push(plan.nothingToDo ? c.green('Nothing to do: every value and file is already as memguard wants it.') : c.cyan('Plan only: nothing was changed. --apply sets the running processes, --persist writes the files, --apply --backstop adds the backstop.'))
  } else {
    out.push(...outcomeLines(plan, mode, outcome, c))
  }
  return out.join('\n')
}

function runtimeLine(t: RuntimeTarget, c: ChalkInstance): string {
  const action = t.action === 'ok'
    ? c.green('ok')
    : c.yellow(`set${t.direction === 'lower' ? ' (lowering: needs CAP_SYS_RESOURCE)' : t.direction === 'raise' ? ' (raising)' : ''}`)
  return `  ${t.service.padEnd(18)}${String(t.pid).padStart(7)}  ${t.name.slice(0, 15).padEnd(16)}${t.knob.padEnd(14)}${String(t.current ?? '?').padStart(6)}${String(t.desired).padStart(7)}  ${action}${t.unit ? c.dim(`  ${t.unit}`) : ''}`
}

function fileLines(f: FileChange, c: ChalkInstance): string[] {
  const label = f.action === 'unchanged' ? c.green('unchanged') : f.action === 'create' ? c.yellow('create') : c.yellow('update')
  const lines = [`  ${label} ${f.path}  ${c.dim(`(${f.purpose})`)}`]
  if (f.diff) {
    for (const l of f.diff.replace(/\n$/, '').split('\n')) {
      lines.push(`    ${l.startsWith('+') && !l.startsWith('+++') ? c.green(l) : l.startsWith('-') && !l.startsWith('---') ? c.red(l) : c.dim(l)}`)
    }
  }
  return lines
}

function outcomeLines(plan: ProtectPlan, mode: ProtectMode, o: ProtectOutcome, c: ChalkInstance): string[] {
  const out: string[] = [c.bold('Done')]
  if (plan.nothingToDo) return [...out, `  ${c.green('✓')} nothing to do: every value and file is already as memguard wants it`]
  const knob = (r: KnobResult) => r.ok
    ? `  ${c.green('✓')} ${r.what}: ${r.from ?? '?'} → ${r.to} (read back ${r.readBack})`
    : `  ${c.red('✗')} ${r.what}: ${r.error}`
  const file = (f: FileResult) => f.ok
    ? `  ${c.green('✓')} ${f.action === 'create' ? 'created' : 'updated'} ${f.path}${f.backupPath ? c.dim(`  (backup: ${f.backupPath})`) : ''}`
    : `  ${c.red('✗')} ${f.path}: ${f.error}`
  const cmd = (r: CommandRun) => r.ok
    ? `  ${c.green('✓')} ${r.argv.join(' ')}`
    : `  ${c.red('✗')} ${r.argv.join(' ')} exited ${r.exitCode ?? 'abnormally'}${r.output ? `: ${r.output}` : ''}`
  if (mode.apply) {
    if (o.runtime.length === 0) out.push(`  ${c.green('✓')} running processes: already as wanted`)
    out.push(...o.runtime.map(knob))
  }
  if (mode.persist) {
    if (o.files.length === 0) out.push(`  ${c.green('✓')} files: already as wanted`)
    out.push(...o.files.map(file), ...o.commands.map(cmd))
  }
  if (o.backstop) out.push(...o.backstop.sysctls.map(knob), ...(o.backstop.file ? [file(o.backstop.file)] : []), ...o.backstop.commands.map(cmd))
  else if (mode.backstop && !mode.apply) out.push(`  ${c.dim('backstop: planned only – it changes the host only with --apply --backstop')}`)
  for (const n of o.notes) out.push(`  ${c.cyan('i')} ${n}`)
  if (!mode.apply && plan.runtime.some((t) => t.action === 'set')) out.push(`  ${c.cyan('i')} the running processes were not changed: --apply sets them now; the files take effect at each service's next start`)
  if (!mode.persist && plan.persist.files.some((f) => f.action !== 'unchanged')) out.push(`  ${c.cyan('i')} the values last until these processes restart; --persist makes them survive restarts and reboots`)
  if (o.audit) out.push(...renderAuditRecord(o.audit, c))
  if (o.failed) out.push('', c.red('Some changes did not take: see ✗ above.'))
  return out
}
