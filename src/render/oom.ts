import type {ChalkInstance} from 'chalk'
import {formatKiB} from '../lib/size.js'
import type {NeverChosenRow, OomFinding, OomRanking, OomRow} from '../safety/oom-ranking.js'
import type {HostState} from '../state/host-state.js'

/**
 * `memguard oom` output. `oomJson` is the stable --json shape (docs/commands/oom.md);
 * `renderOomText` the terminal view.
 */

export const OOM_JSON_VERSION = 1
export const DEFAULT_OOM_TOP = 15

export interface OomView {
  /** --all: every killable process and every exempt one (kernel threads included). */
  all: boolean
  top?: number
}

/** The rows shown: the first N kills, plus every critical process further down (they matter most). */
export function shownOrder(ranking: OomRanking, view: OomView): OomRow[] {
  if (view.all) return ranking.order
  const top = view.top ?? DEFAULT_OOM_TOP
  return ranking.order.filter((r) => r.rank <= top || r.critical)
}

export function shownNeverChosen(ranking: OomRanking, view: OomView): NeverChosenRow[] {
  return view.all ? ranking.neverChosen : ranking.neverChosen.filter((r) => !r.kernelThread)
}

export function oomJson(state: HostState, ranking: OomRanking, view: OomView) {
  return {
    schemaVersion: OOM_JSON_VERSION,
    host: {label: state.label, hostname: state.hostname, kernel: state.kernel?.text ?? null},
    model: ranking.model,
    totalKiB: ranking.totalKiB,
    processCount: ranking.processCount,
    killableCount: ranking.order.length,
    order: shownOrder(ranking, view),
    neverChosen: shownNeverChosen(ranking, view),
    findings: ranking.findings,
    readProblems: state.readProblems,
  }
}

export type OomJson = ReturnType<typeof oomJson>

const MODEL_NAME = {
  'modern-oom-score': 'the kernel’s own oom_score',
  'modern-computed': 'oom_badness computed from /proc (oom_score missing)',
  'legacy-badness': 'the pre-2.6.36 badness() model',
} as const

export function renderOomText(state: HostState, ranking: OomRanking, view: OomView, c: ChalkInstance): string {
  const out: string[] = []
  out.push(c.bold(`memguard oom — ${state.hostname ?? 'unknown host'}`) + c.dim(`  (${state.label})`))
  out.push('', `${c.bold('Model')}  ${MODEL_NAME[ranking.model.kind]}`)
  out.push(c.dim(`  ${ranking.model.description}`))
  out.push(c.dim(`  child rule: ${ranking.model.childRuleText}`))

  const rows = shownOrder(ranking, view)
  const hidden = ranking.order.length - rows.length
  out.push('', c.bold(`Kill order`) + c.dim(` (${ranking.order.length} killable of ${ranking.processCount} processes${hidden > 0 ? `; first ${view.top ?? DEFAULT_OOM_TOP} and every critical one shown – --all for all` : ''})`))
  if (rows.length === 0) out.push(`  ${c.yellow('nothing is killable: the next OOM ends in a panic or a hung host')}`)
  else {
    const scoreHead = ranking.model.kind === 'modern-oom-score' ? 'SCORE' : 'POINTS'
    out.push(c.dim(`  ${'#'.padStart(4)} ${'PID'.padStart(7)}  ${'NAME'.padEnd(16)}${'RSS'.padStart(10)}${'SWAP'.padStart(10)}${scoreHead.padStart(9)}${'ADJ'.padStart(7)}${'FREES'.padStart(11)}${'TOTAL'.padStart(11)}  NOTE`))
    let last = 0
    for (const r of rows) {
      if (r.rank > last + 1) out.push(c.dim(`  ${'…'.padStart(4)}`))
      out.push(orderLine(r, c))
      last = r.rank
    }
    if (last < ranking.order.length) out.push(c.dim(`  ${'…'.padStart(4)} ${ranking.order.length - last} more`))
  }

  const never = shownNeverChosen(ranking, view)
  if (never.length) {
    out.push('', c.bold('Never chosen') + c.dim(view.all ? '' : ' (kernel threads not shown)'))
    for (const r of never) {
      const adj = r.oomScoreAdj ?? r.oomAdj
      const notes = [r.reason, r.critical ? `critical: ${r.service}` : null].filter((s) => s !== null).join('; ')
      out.push(`  ${String(r.pid).padStart(12)}  ${r.name.slice(0, 15).padEnd(16)}${formatKiB(r.rssKiB).padStart(10)}${String(adj ?? '–').padStart(26)}  ${r.protected ? c.green(notes) : c.dim(notes)}`)
    }
  }

  out.push('', c.bold('Findings'))
  if (ranking.findings.length === 0) out.push(`  ${c.green('✓')} every critical service is protected as memguard's policy wants, and no protection leaks into children`)
  for (const f of ranking.findings) out.push(...findingLines(f, c))
  if (state.readProblems.length) {
    out.push('', c.bold('Could not read'))
    for (const p of state.readProblems) out.push(`  ${c.yellow('?')} ${p}`)
  }
  return out.join('\n')
}

function orderLine(r: OomRow, c: ChalkInstance): string {
  const adj = r.oomScoreAdj ?? r.oomAdj
  const notes: string[] = []
  if (r.viaChildRule) notes.push(`child of pid ${r.chosenPid} (chosen; the child dies first)`)
  if (r.protection === 'reduced') notes.push(c.cyan(`handicapped (adj ${adj})`))
  if (r.critical) notes.push(c.red(`critical: ${r.reason ?? r.service}`))
  else if (r.service) notes.push(c.dim(r.service))
  return `  ${String(r.rank).padStart(4)} ${String(r.pid).padStart(7)}  ${r.name.slice(0, 15).padEnd(16)}${formatKiB(r.rssKiB).padStart(10)}${(r.swapKiB ? formatKiB(r.swapKiB) : '–').padStart(10)}${String(r.score).padStart(9)}${String(adj ?? '–').padStart(7)}${formatKiB(r.freesKiB).padStart(11)}${formatKiB(r.cumulativeKiB).padStart(11)}  ${notes.join('; ')}`
}

function findingLines(f: OomFinding, c: ChalkInstance): string[] {
  const mark = f.severity === 'critical' ? c.red('✗') : f.severity === 'warning' ? c.yellow('!') : c.cyan('i')
  const lines = [`  ${mark} ${f.message}`]
  if (f.advice) lines.push(`    ${c.dim('→')} ${f.advice}`)
  return lines
}
