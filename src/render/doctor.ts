import type {ChalkInstance} from 'chalk'
import type {CheckStatus, DoctorReport} from '../safety/doctor.js'
import type {HostState} from '../state/host-state.js'

/**
 * `memguard doctor` output: `doctorJson` is the stable --json shape (docs/commands/doctor.md),
 * `renderDoctorText` a line per check, `renderDoctorNagios` standard Nagios plugin output.
 */

export const DOCTOR_JSON_VERSION = 1

/** Nagios plugin exit codes (Nagios Plugin Development Guidelines). */
export const NAGIOS_EXIT: Record<CheckStatus, 0 | 1 | 2 | 3> = {ok: 0, warning: 1, critical: 2, unknown: 3}

const ORDER: Record<CheckStatus, number> = {critical: 0, warning: 1, unknown: 2, ok: 3}

export function doctorJson(state: HostState, report: DoctorReport) {
  return {
    schemaVersion: DOCTOR_JSON_VERSION,
    host: {label: state.label, hostname: state.hostname},
    overall: report.overall,
    checks: report.checks,
    perf: report.perf,
    readProblems: state.readProblems,
  }
}

export type DoctorJson = ReturnType<typeof doctorJson>

export function renderDoctorText(state: HostState, report: DoctorReport, c: ChalkInstance): string {
  const mark: Record<CheckStatus, string> = {ok: c.green('✓'), warning: c.yellow('!'), critical: c.red('✗'), unknown: c.dim('?')}
  const word: Record<CheckStatus, string> = {ok: c.green('OK'), warning: c.yellow('WARNING'), critical: c.red('CRITICAL'), unknown: c.dim('UNKNOWN')}
  const out = [c.bold(`memguard doctor — ${state.hostname ?? 'unknown host'}`) + c.dim(`  (${state.label})`), '']
  const width = Math.max(...report.checks.map((k) => k.id.length))
  for (const k of report.checks) {
    out.push(`${mark[k.status]} ${k.id.padEnd(width)}  ${k.status === 'ok' ? k.summary : c.bold(k.summary)}`)
    if (k.status !== 'ok') out.push(...k.detail.split('\n').map((l) => c.dim(`    ${l}`)))
    if (k.advice && k.status !== 'ok') out.push(`    → ${k.advice}`)
  }
  out.push('', `overall: ${word[report.overall]}`)
  return out.join('\n')
}

/**
 * One status line with perfdata, then a line per check that is not ok (Nagios long output):
 * `MEMGUARD CRITICAL - dom0_mem absent; below floor | floor=3047MB;;; dom0=1536MB;;; available=52MB;;;`
 */
export function renderDoctorNagios(report: DoctorReport): string {
  const failing = report.checks.filter((k) => k.status !== 'ok').sort((a, b) => ORDER[a.status] - ORDER[b.status])
  // Not a dom0: say so once; the dom0 checks it makes unknown are in the long output.
  const notDom0 = report.checks.some((k) => k.id === 'toolstack' && k.status === 'unknown')
  // …and first: it is why the whole host is UNKNOWN, whatever else the Linux side shows.
  const shown = notDom0
    ? [...failing.filter((k) => k.id === 'toolstack'), ...failing.filter((k) => k.id !== 'toolstack' && k.status !== 'unknown')]
    : failing
  const text = shown.length ? shown.map((k) => k.summary).join('; ') : 'all checks passed'
  const mb = (kib: number | null) => (kib === null ? null : `${Math.floor(kib / 1024)}MB`)
  const perf = [
    ['floor', mb(report.perf.floorKiB)],
    ['dom0', mb(report.perf.dom0KiB)],
    ['available', mb(report.perf.availableKiB)],
    ['swap_used', mb(report.perf.swapUsedKiB)],
    ['oom_kills', report.perf.oomKills === null ? null : String(report.perf.oomKills)],
  ]
    .filter((p): p is [string, string] => p[1] !== null)
    .map(([label, value]) => `${label}=${value};;;`)
  const head = `MEMGUARD ${report.overall.toUpperCase()} - ${sanitize(text)}${perf.length ? ` | ${perf.join(' ')}` : ''}`
  // `|` starts perfdata in Nagios output: never let it appear in text.
  const long = failing.map((k) => sanitize(`[${k.status.toUpperCase()}] ${k.id}: ${k.detail}${k.advice ? ` – ${k.advice}` : ''}`))
  return [head, ...long].join('\n')
}

function sanitize(text: string): string {
  return text.replace(/\|/g, '/').replace(/\s*\n\s*/g, ' ')
}
