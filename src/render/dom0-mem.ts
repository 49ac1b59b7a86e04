import type {ChalkInstance} from 'chalk'
import {unifiedDiff} from '../lib/unified-diff.js'
import {renderAuditRecord} from './audit.js'
import {formatKiB, formatKiBExact} from '../lib/size.js'
import type {Dom0MemApplyResult, Dom0MemPlan} from '../ops/dom0-mem.js'
import type {PlannedFile} from '../xen/dom0-mem-config.js'

/**
 * `memguard dom0-mem` output: the size and where it comes from, one unified diff per file, the
 * commands to run next, notes. `dom0MemJson` is the stable --json shape (docs/commands/dom0-mem.md).
 */

export const DOM0_MEM_JSON_VERSION = 1

export function fileDiff(f: PlannedFile): string {
  // A second path to the same file (a symlink) shows no diff of its own.
  return f.sameAs ? '' : unifiedDiff(f.path, f.before, f.after)
}

export function dom0MemJson(plan: Dom0MemPlan, applied: Dom0MemApplyResult | null) {
  const c = plan.config
  return {
    schemaVersion: DOM0_MEM_JSON_VERSION,
    host: plan.host,
    sizeKiB: plan.sizeKiB,
    rendered: c.rendered,
    size: plan.size,
    recommendation: plan.recommendation,
    floor: plan.floor ? {floorKiB: plan.floor.floorKiB, inUseKiB: plan.floor.inUseKiB, explanation: plan.floor.explanation} : null,
    hostMemoryKiB: plan.hostMemoryKiB,
    guests: plan.guests,
    current: plan.current,
    bootloaders: c.bootloaders,
    toolstacks: c.toolstacks,
    xendSemantics: c.xendSemantics,
    files: c.files.map((f) => ({
      path: f.path,
      kind: f.kind,
      role: f.role,
      diff: fileDiff(f),
      changed: f.changed,
      created: f.before === null,
      sameAs: f.sameAs ?? null,
      changes: f.changes,
      notes: f.notes,
    })),
    commands: c.commands,
    notes: allNotes(plan),
    problems: c.problems,
    applied,
  }
}

/** Notes of the size check, of the recommendation (when it chose the size) and of the files. */
function allNotes(plan: Dom0MemPlan): string[] {
  return [...plan.sizeNotes, ...(plan.size.source === 'recommended' ? plan.recommendation.notes : []), ...plan.config.notes]
}

export type Dom0MemJson = ReturnType<typeof dom0MemJson>

export function renderDom0MemText(plan: Dom0MemPlan, applied: Dom0MemApplyResult | null, apply: boolean, c: ChalkInstance): string {
  const out: string[] = []
  const head = (t: string, note = '') => out.push('', c.bold(t) + (note ? c.dim(`  ${note}`) : ''))
  const cfg = plan.config
  out.push(c.bold(`memguard dom0-mem — ${plan.host.hostname ?? 'unknown host'}`) + c.dim(`  (${plan.host.label})`))

  head('Size', `${formatKiBExact(plan.sizeKiB)} → ${cfg.rendered}`)
  if (plan.size.source === 'given') {
    const s = plan.size
    out.push(`  given: ${JSON.stringify(s.text)} read as ${s.bare ? `${s.text?.trim()} ${s.unit} (a bare number is MiB here, as for xl/xm mem-set; on the Xen command line it would be KiB, so memguard writes the unit)` : formatKiBExact(s.roundedFromKiB ?? plan.sizeKiB)}`)
    if (s.roundedFromKiB !== null) out.push(`  rounded up from ${s.roundedFromKiB} KiB to a whole MiB (xend and the Xen line take MiB)`)
    out.push(c.dim(`  memguard would recommend ${formatKiB(plan.recommendation.kib)}: ${plan.recommendation.formula}`))
  } else {
    out.push(`  recommended: ${plan.recommendation.formula}`)
    for (const l of plan.recommendation.explanation) out.push(`    ${l.label.padEnd(26)}${formatKiB(l.kib).padStart(10)}  ${c.dim(l.note)}`)
  }
  if (plan.floor) {
    out.push(`  safe floor now: ${formatKiB(plan.floor.floorKiB)} ${c.dim(`(${plan.floor.explanation.map((l) => `${l.label} ${formatKiB(l.kib)}`).join(' + ')})`)}`)
  }
  const host = plan.hostMemoryKiB === null ? '' : ` for this ${formatKiB(plan.hostMemoryKiB)} host`
  out.push(`  vendor rules${host}:`)
  for (const r of plan.recommendation.vendorRules) {
    out.push(`    ${r.name.padEnd(40)}${(r.kib === null ? '–' : formatKiB(r.kib)).padStart(10)}  ${c.dim(r.formula)}${r.note ? c.yellow(`  (${r.note})`) : ''}`)
  }
  if (plan.current.cmdline !== null) out.push(c.dim(`  running Xen command line (${plan.current.cmdlineSource}): ${plan.current.cmdline.trim()}`))

  head('Files', `${cfg.bootloaders.length > 0 ? `bootloader: ${cfg.bootloaders.join(', ')}` : 'no bootloader found'}; toolstack: ${cfg.toolstacks.length > 0 ? cfg.toolstacks.join(', ') : 'none'}`)
  if (cfg.files.length === 0) out.push('  (none)')
  for (const f of cfg.files) {
    const state = f.sameAs ? c.dim('same file') : !f.changed ? c.green('already right') : f.before === null ? c.yellow('create') : c.yellow('change')
    out.push(`  ${f.path}  ${c.dim(`(${f.kind})`)}  ${state}`)
    for (const ch of f.changes) out.push(`    ${ch}`)
    for (const n of f.notes) out.push(c.dim(`    ${n}`))
    const diff = fileDiff(f)
    if (diff) out.push(...diff.trimEnd().split('\n').map((l) => `    ${colourDiff(l, c)}`))
  }

  const changed = cfg.files.filter((f) => f.changed && !f.sameAs)
  if (cfg.commands.length > 0) {
    head('Then run', applied || changed.length === 0 ? '' : 'after --apply')
    for (const cmd of cfg.commands) out.push(`  ${c.bold(cmd.command)}`, c.dim(`      ${cmd.why}`))
  }

  const notes = allNotes(plan)
  if (notes.length > 0) {
    head('Notes')
    for (const n of notes) out.push(`  - ${n}`)
  }
  if (cfg.problems.length > 0) {
    head('Not done')
    for (const p of cfg.problems) out.push(`  ${c.red('✗')} ${p}`)
  }

  if (applied) {
    head('Applied')
    if (applied.files.length === 0) out.push('  nothing to write: every file already says this')
    for (const w of applied.files) {
      const what =
        w.action === 'written' ? c.green('written') : w.action === 'created' ? c.green('created') : w.action === 'already' ? c.dim('already so (same file as one written above)') : c.red(w.action)
      out.push(`  ${w.path}  ${what}${w.backupPath ? c.dim(`  backup: ${w.backupPath}`) : ''}${w.error ? `  ${w.error}` : ''}`)
    }
    for (const n of applied.notes) out.push(`  ${c.cyan('i')} ${n}`)
    if (applied.audit) out.push(...renderAuditRecord(applied.audit, c))
  } else if (changed.length === 0) {
    out.push('', c.green('Nothing to change: every file already says this.'))
  } else if (plan.host.readOnly) {
    out.push('', c.dim(`Plan only: ${plan.host.label} is read-only.`))
  } else if (!apply) {
    out.push('', c.dim(`Plan only. --apply writes ${changed.length === 1 ? 'this file' : `these ${changed.length} files`} (atomically, each with a timestamped backup, owner and mode kept).`))
  }
  return out.join('\n')
}

function colourDiff(line: string, c: ChalkInstance): string {
  if (line.startsWith('+++') || line.startsWith('---')) return c.bold(line)
  if (line.startsWith('+')) return c.green(line)
  if (line.startsWith('-')) return c.red(line)
  if (line.startsWith('@@')) return c.cyan(line)
  return line
}
