import {formatKiB} from '../lib/size.js'
import {lintSources, type LintResult} from '../lint/runner.js'
import type {Finding, SourceFile} from '../lint/types.js'
import {describeRollback} from '../ops/rollback.js'
import type {HostState} from '../state/host-state.js'
import {detectKind} from '../xen/config/detect.js'
import {effectiveSettings, parseXlConfig} from '../xen/config/xl-cfg.js'
import {unprotectedCriticalWarning} from './oom-ranking.js'
import type {ProtectPlan} from './protect-plan.js'
import type {StatusAssessment, StatusWarning} from './status-assessment.js'

/**
 * `memguard doctor`: a host checked end to end, one check per area, each ok | warning | critical |
 * unknown with a one-line summary, the detail behind it and what to do. Pure: it reads the
 * HostState, the status assessment (most checks are its warnings, with the same severities), the
 * lint of the host's own config files and, when given, what `memguard protect` would still change.
 *
 * Overall = the worst check, ranked ok < unknown < warning < critical; a host that is not a Xen
 * dom0 is `unknown` as a whole (doctor checks dom0s).
 */

export type CheckStatus = 'ok' | 'warning' | 'critical' | 'unknown'

export const CHECK_IDS = [
  'toolstack',
  'dom0-mem',
  'ballooning',
  'dom0-floor',
  'balloon',
  'critical-services',
  'oom-log',
  'swap',
  'backstop',
  'rollback',
  'config-lint',
] as const
export type CheckId = (typeof CHECK_IDS)[number]

export interface DoctorCheck {
  id: CheckId
  status: CheckStatus
  /** Short, for the one Nagios line: `dom0_mem absent`. */
  summary: string
  /** The numbers and reasons behind it. */
  detail: string
  /** What to do; null when nothing is to be done. */
  advice: string | null
}

export interface DoctorPerf {
  floorKiB: number | null
  dom0KiB: number | null
  availableKiB: number | null
  swapUsedKiB: number | null
  oomKills: number | null
}

export interface DoctorReport {
  overall: CheckStatus
  checks: DoctorCheck[]
  perf: DoctorPerf
}

/** What `memguard protect` would still change (from its plan on the same gather). */
export interface PendingProtections {
  /** Running processes whose oom knob would be set. */
  runtime: string[]
  /** Files that would be created or updated so protection survives restarts. */
  files: string[]
}

export interface DoctorInputs {
  state: HostState
  assessment: StatusAssessment
  /** The lint of the host's config files (lintHostConfig); null when none could be read. */
  lint: LintResult | null
  /** The config files that were linted (hostConfigSources): xl.conf's autoballoon is read from them. */
  configSources?: readonly SourceFile[]
  pendingProtections?: PendingProtections | null
}

const RANK: Record<CheckStatus, number> = {ok: 0, unknown: 1, warning: 2, critical: 3}

export function worstStatus(statuses: readonly CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'ok')
}

/** Rule ids whose findings are about ballooning dom0 down (the `ballooning` check, not `config-lint`). */
export const BALLOONING_RULES: readonly string[] = ['autoballoon-with-dom0-mem', 'autoballoon-invalid', 'xend-dom0-ballooning']

/** The host's Xen/bootloader config files among gathered files, as lint sources (kind detected). */
export function hostConfigSources(files: ReadonlyMap<string, string | null>, paths: readonly string[]): SourceFile[] {
  const sources: SourceFile[] = []
  for (const path of paths) {
    const text = files.get(path)
    if (text === null || text === undefined) continue
    const kind = detectKind(path, text)
    if (kind) sources.push({path, text, kind})
  }
  return sources
}

/** Lint the host's config files with the facts of the running host (version, memory, command line). */
export function lintHostConfig(sources: readonly SourceFile[], state: HostState): LintResult | null {
  if (sources.length === 0) return null
  const info = state.xen.info
  return lintSources(sources, {
    facts: {
      xenVersion: info?.xenVersion?.text,
      hostMemoryKiB: info ? info.totalMemoryMiB * 1024 : undefined,
      hostMemorySource: info ? `${state.xen.toolstack ?? 'xl'} info total_memory` : undefined,
      xenCommandline: state.xen.commandLine?.text,
    },
  })
}

/** The runtime and file changes a protect plan still has to make. */
export function pendingProtections(plan: ProtectPlan): PendingProtections {
  return {
    runtime: plan.runtime.filter((t) => t.action === 'set').map((t) => `${t.name} (pid ${t.pid})`),
    files: plan.persist.files.filter((f) => f.action !== 'unchanged').map((f) => f.path),
  }
}

export function runDoctor(inputs: DoctorInputs): DoctorReport {
  const {state, assessment} = inputs
  const warning = (id: string): StatusWarning | undefined => assessment.warnings.find((w) => w.id === id)
  const checks: DoctorCheck[] = [
    toolstackCheck(state),
    dom0MemCheck(state, warning),
    ballooningCheck(state, inputs.lint, inputs.configSources ?? []),
    floorCheck(state, assessment),
    balloonCheck(state, warning),
    servicesCheck(state, assessment, inputs.pendingProtections ?? null),
    oomLogCheck(state),
    swapCheck(state, warning),
    backstopCheck(state, assessment),
    rollbackCheck(state),
    configLintCheck(state, inputs.lint),
  ]
  const overall = state.xen.isDom0 ? worstStatus(checks.map((c) => c.status)) : 'unknown'
  const {meminfo, xen} = state
  return {
    overall,
    checks,
    perf: {
      floorKiB: assessment.floor?.floorKiB ?? null,
      dom0KiB: xen.dom0?.allocationKiB ?? null,
      availableKiB: meminfo?.memAvailableKiB ?? null,
      swapUsedKiB: meminfo?.swapUsedKiB ?? null,
      oomKills: state.oomLog?.kills.length ?? null,
    },
  }
}

type WarningOf = (id: string) => StatusWarning | undefined

const check = (id: CheckId, status: CheckStatus, summary: string, detail: string, advice: string | null = null): DoctorCheck => ({id, status, summary, detail, advice})
const fromSeverity = (w: StatusWarning): CheckStatus => (w.severity === 'critical' ? 'critical' : w.severity === 'warning' ? 'warning' : 'ok')
const notDom0 = (id: CheckId, what: string): DoctorCheck => check(id, 'unknown', `${what} unknown (not a dom0)`, 'this host is not a Xen dom0 (or its toolstack could not be found): nothing to judge')

function toolstackCheck(state: HostState): DoctorCheck {
  const {xen} = state
  const messages = xen.detection.problems.map((p) => p.message + (p.stderr ? ` (${p.stderr.split('\n')[0]})` : ''))
  if (!xen.isDom0) return check('toolstack', 'unknown', 'not a Xen dom0', messages[0] ?? 'no Xen toolstack answered and /proc/xen/capabilities does not say control_d', 'run doctor on a dom0: --host root@dom0, or --snapshot DIR')
  if (!xen.toolstack) return check('toolstack', 'unknown', 'toolstack unreachable', messages.join('; ') || 'neither xl nor xm answered', 'run memguard as root on the dom0; make sure xenstored (and xend for xm) are running')
  const version = xen.info?.xenVersion ? `, Xen ${xen.info.xenVersion.text}` : ''
  if (messages.length) return check('toolstack', 'warning', `${xen.toolstack} answers, with problems`, `${xen.toolstack} info answered${version}; ${messages.join('; ')}`)
  return check('toolstack', 'ok', `${xen.toolstack} reachable`, `${xen.toolstack} info answered${version}`)
}

function dom0MemCheck(state: HostState, warning: WarningOf): DoctorCheck {
  const {xen} = state
  if (!xen.isDom0) return notDom0('dom0-mem', 'dom0_mem')
  const j = xen.dom0Mem
  if (!xen.commandLine || !j) return check('dom0-mem', 'unknown', 'dom0_mem unknown', 'the running Xen command line could not be read (not in xl/xm info, no longer in xl/xm dmesg)', 'memguard lint /etc/default/grub /boot/grub checks the boot configuration instead')
  const absent = warning('no-dom0-mem')
  if (!j.present) return check('dom0-mem', 'critical', 'dom0_mem absent', absent?.message ?? `dom0_mem is not on the Xen command line (${xen.commandLine.source})`, absent?.advice ?? 'memguard dom0-mem')
  const tokens = j.tokens.map((t) => t.text).join(' ')
  const problems = j.problems.filter((p) => p.code !== 'absent')
  const worst = worstStatus(problems.map((p) => (p.severity === 'error' ? 'critical' : p.severity === 'warning' ? 'warning' : 'ok')))
  const advice = 'memguard dom0-mem rewrites it in the one safe form, dom0_mem=<N>M,max:<N>M'
  if (worst !== 'ok') return check('dom0-mem', worst, `dom0_mem ${worst === 'critical' ? 'broken' : 'questionable'}`, `${tokens}: ${problems.map((p) => p.message).join('; ')}`, advice)
  if (!j.fixed) return check('dom0-mem', 'warning', 'dom0_mem not fixed', `${tokens}: dom0 does not start at its max, so it can still balloon (the fixed form is dom0_mem=X,max:X)`, advice)
  return check('dom0-mem', 'ok', 'dom0_mem fixed', `${tokens} (${xen.commandLine.source})`)
}

function ballooningCheck(state: HostState, lint: LintResult | null, sources: readonly SourceFile[]): DoctorCheck {
  const {xen} = state
  if (!xen.isDom0) return notDom0('ballooning', 'ballooning')
  const findings = lintFindings(lint).filter((f) => BALLOONING_RULES.includes(f.ruleId))
  if (findings.length) {
    const hint = findings.map((f) => f.hint).find((h) => h)
    return check('ballooning', 'warning', 'dom0 ballooning on', findings.map(findingText).join('; '), `${hint ? `${hint}; ` : ''}memguard dom0-mem turns ballooning off`)
  }
  const kinds = new Set(lint?.files.map((f) => f.kind))
  if (xen.toolstack === 'xm' && !kinds.has('xend-config')) return check('ballooning', 'unknown', 'xend ballooning unknown', 'xend-config.sxp could not be read: whether xend balloons dom0 down is unknown')
  if (xen.toolstack === 'xl' && !kinds.has('xl-conf')) {
    // No xl.conf: autoballoon is "auto", off only when xl's regex sees a dom0_mem on the command line.
    if (xen.dom0Mem?.present && xen.dom0Mem.xlAutoballoonSeesIt) return check('ballooning', 'ok', 'autoballoon off', 'no /etc/xen/xl.conf: autoballoon is "auto", which sees dom0_mem on the Xen command line and stays off')
    return check('ballooning', 'warning', 'autoballoon on', 'no /etc/xen/xl.conf: autoballoon is "auto", and xl sees no dom0_mem on the Xen command line, so xl balloons dom0 down to start guests', 'memguard dom0-mem sets dom0_mem and autoballoon="off"')
  }
  if (!xen.toolstack) return check('ballooning', 'unknown', 'ballooning unknown', 'no toolstack answered')
  if (xen.toolstack === 'xl' && !(xen.dom0Mem?.present && xen.dom0Mem.xlAutoballoonSeesIt)) {
    // autoballoon "auto" (or unset) is off only when xl sees a dom0_mem; lint says nothing here.
    const value = xlConfAutoballoon(sources)
    if (value !== 'off' && value !== '0') return check('ballooning', 'warning', 'autoballoon on', `xl.conf autoballoon is ${value === undefined ? 'unset ("auto")' : JSON.stringify(value)} and xl sees no dom0_mem on the Xen command line: xl balloons dom0 down to start guests`, 'memguard dom0-mem sets dom0_mem and autoballoon="off"')
  }
  if (xen.toolstack === 'xl') {
    const value = xlConfAutoballoon(sources)
    if (value !== 'off' && value !== '0') {
      // Off in effect, but only while the command line keeps a dom0_mem xl recognises.
      return check('ballooning', 'ok', 'autoballoon off ("auto")', `xl.conf leaves autoballoon ${value === undefined ? 'unset (or commented out): "auto"' : `at ${JSON.stringify(value)}`}, which stays off because xl sees dom0_mem on the Xen command line; memguard dom0-mem writes autoballoon="off" so it does not depend on that`)
    }
  }
  return check('ballooning', 'ok', xen.toolstack === 'xm' ? 'xend ballooning off' : 'autoballoon off', `${xen.toolstack === 'xm' ? 'xend-config.sxp' : 'xl.conf'} does not let the toolstack balloon dom0 down`)
}

function floorCheck(state: HostState, assessment: StatusAssessment): DoctorCheck {
  const {floor} = assessment
  if (!floor || !state.meminfo) return check('dom0-floor', 'unknown', 'floor unknown', state.readProblems.find((p) => p.includes('meminfo')) ?? '/proc/meminfo could not be read: memguard cannot judge memory use without it')
  const held = state.xen.dom0?.allocationKiB ?? state.meminfo.memTotalKiB
  const what = state.xen.dom0 ? 'dom0 holds' : 'MemTotal is'
  const numbers = `${what} ${formatKiB(held)}; safe floor ${formatKiB(floor.floorKiB)} (in use ${formatKiB(floor.inUseKiB)} + headroom ${formatKiB(floor.headroomKiB)}); MemAvailable ${formatKiB(state.meminfo.memAvailableKiB)}`
  const below = assessment.warnings.find((w) => w.id === 'dom0-below-floor')
  if (held < floor.floorKiB) return check('dom0-floor', 'critical', 'below floor', below?.message ?? numbers, below?.advice ?? null)
  if (held < floor.warnLevelKiB) return check('dom0-floor', 'warning', 'little headroom', `${numbers}; below the warning level ${formatKiB(floor.warnLevelKiB)} (1.3 × used + 350 MiB)`, 'grow dom0 (memguard mem-set 0 SIZE) or fix it larger at boot (memguard dom0-mem)')
  return check('dom0-floor', 'ok', 'above floor', numbers)
}

function balloonCheck(state: HostState, warning: WarningOf): DoctorCheck {
  const {dom0} = state.xen
  if (!state.xen.isDom0) return notDom0('balloon', 'balloon')
  if (!dom0 || dom0.targetKiB === null) return check('balloon', 'unknown', 'balloon target unknown', 'neither the balloon driver, `list -l` nor xenstore gave dom0\'s target')
  const w = warning('balloon-not-at-target')
  if (w) return check('balloon', fromSeverity(w), dom0.allocationKiB > dom0.targetKiB ? 'balloon above target' : 'balloon below target', w.message, w.advice ?? null)
  return check('balloon', 'ok', 'balloon at target', `holds ${formatKiB(dom0.allocationKiB)} (${dom0.allocationSource}), target ${formatKiB(dom0.targetKiB)} (${dom0.targetSource ?? '?'})`)
}

function servicesCheck(state: HostState, assessment: StatusAssessment, pending: PendingProtections | null): DoctorCheck {
  if (state.processes.length === 0) return check('critical-services', 'unknown', 'services unknown', 'the process table could not be read')
  const unprotected = unprotectedCriticalWarning(assessment.criticalServices)
  if (unprotected) {
    const byPid = new Map(assessment.criticalServices.map((r) => [r.pid, r]))
    const services = new Set(unprotected.pids.map((pid) => byPid.get(pid)?.critical?.service ?? String(pid)))
    return check('critical-services', 'warning', `${services.size} critical service${services.size === 1 ? '' : 's'} unprotected`, unprotected.message, unprotected.advice)
  }
  if (pending && pending.files.length) {
    return check('critical-services', 'warning', 'protection not persistent', `critical services are protected now, but a restart or reboot loses it: memguard protect would write ${pending.files.join(', ')}`, 'memguard protect --apply --persist')
  }
  const names = [...new Set(assessment.criticalServices.map((r) => r.critical?.service ?? r.name))]
  return check('critical-services', 'ok', 'critical services protected', names.length ? `protected as memguard's policy wants: ${names.join(', ')}` : 'no critical services running')
}

function oomLogCheck(state: HostState): DoctorCheck {
  const log = state.oomLog
  if (!log) return check('oom-log', 'unknown', 'kernel log unreadable', 'dmesg could not be read (dmesg_restrict? run as root)')
  if (log.kills.length === 0) return check('oom-log', 'ok', 'no OOM kills', 'no OOM kill in the kernel ring buffer')
  const last = log.kills.at(-1)
  const names = [...new Set(log.kills.map((k) => k.name ?? '?'))]
  return check('oom-log', 'warning', `${log.kills.length} OOM kill${log.kills.length === 1 ? '' : 's'}`, `OOM kills in the kernel log: ${names.join(', ')}; last: ${last?.name ?? '?'} (pid ${last?.pid ?? '?'})${last?.timestamp?.text ? ` at ${last.timestamp.text}` : ''}`, 'memguard oom shows who is next; memguard status shows whether dom0 is above its floor')
}

function swapCheck(state: HostState, warning: WarningOf): DoctorCheck {
  const m = state.meminfo
  if (!m) return check('swap', 'unknown', 'swap unknown', '/proc/meminfo could not be read')
  if (m.swapTotalKiB === 0) return check('swap', 'ok', 'no swap', 'no swap configured')
  const w = warning('swap-in-use')
  if (w && w.severity === 'warning') return check('swap', 'warning', 'swap nearly full', w.message, 'dom0 is short of RAM: grow it (memguard mem-set 0 SIZE) or find the user (memguard status)')
  return check('swap', 'ok', 'swap fine', `${formatKiB(m.swapUsedKiB)} of ${formatKiB(m.swapTotalKiB)} swap in use`)
}

function backstopCheck(state: HostState, assessment: StatusAssessment): DoctorCheck {
  if (!state.xen.isDom0) return notDom0('backstop', 'backstop')
  const panicOnOom = state.sysctls?.panicOnOom ?? null
  const watchdog = assessment.criticalServices.find((r) => r.critical?.service === 'xenwatchdogd')
  const parts = [`vm.panic_on_oom = ${panicOnOom ?? 'unknown'}`, watchdog ? `xenwatchdogd running (pid ${watchdog.pid})` : 'xenwatchdogd not running']
  if ((panicOnOom !== null && panicOnOom > 0) || watchdog) return check('backstop', 'ok', 'backstop in place', parts.join('; '))
  if (panicOnOom === null && state.processes.length === 0) return check('backstop', 'unknown', 'backstop unknown', 'neither vm.panic_on_oom nor the process table could be read')
  return check('backstop', 'warning', 'no OOM backstop', `${parts.join('; ')}: if the OOM killer runs out of victims the host stays up but unreachable, as in the incident`, 'memguard protect --backstop explains the options (panic_on_oom + kernel.panic, xenwatchdogd)')
}

/**
 * An armed or restoring rollback is a WARNING (a change awaits confirmation); an orphaned or
 * interrupted one is CRITICAL: the dead-man switch the admin relied on is gone, the host will not
 * go back by itself, and the state never clears without a person (docs/commands/doctor.md).
 */
function rollbackCheck(state: HostState): DoctorCheck {
  const described = (state.rollbacks ?? []).map(describeRollback)
  const worst = described.find((d) => d.severity === 'critical') ?? described[0]
  if (!worst) return check('rollback', 'ok', 'no pending rollback', 'no dead-man rollback of memguard mem-set is pending')
  const detail = described.map((d) => d.message).join('; ')
  return check('rollback', worst.severity, worst.summary, detail, worst.advice)
}

function configLintCheck(state: HostState, lint: LintResult | null): DoctorCheck {
  if (!lint) {
    if (!state.xen.isDom0) return notDom0('config-lint', 'config')
    return check('config-lint', 'unknown', 'no config files', 'none of the Xen/bootloader config files memguard knows could be read')
  }
  const findings = lintFindings(lint).filter((f) => !BALLOONING_RULES.includes(f.ruleId))
  const errors = findings.filter((f) => f.severity === 'error')
  const checked = `${lint.files.length} file${lint.files.length === 1 ? '' : 's'} checked (${lint.files.map((f) => f.path).join(', ')})`
  if (errors.length) return check('config-lint', 'warning', `${errors.length} config error${errors.length === 1 ? '' : 's'}`, errors.map(findingText).join('; '), 'memguard lint on these files explains each finding; memguard dom0-mem fixes dom0_mem and ballooning')
  const warnings = findings.length ? `; ${findings.length} lint warning(s): ${findings.map(findingText).join('; ')}` : ''
  return check('config-lint', 'ok', 'config clean', `${checked}: no errors${warnings}`, findings.length ? 'memguard lint on these files explains each finding' : null)
}

function xlConfAutoballoon(sources: readonly SourceFile[]): string | undefined {
  const conf = sources.find((s) => s.kind === 'xl-conf')
  if (!conf) return undefined
  const setting = effectiveSettings(parseXlConfig(conf.text, {file: conf.path})).get('autoballoon')
  return setting?.value.type === 'atom' ? setting.value.value : undefined
}

function lintFindings(lint: LintResult | null): Finding[] {
  return lint?.files.flatMap((f) => f.findings) ?? []
}

function findingText(f: Finding): string {
  return `${f.path}:${f.span.start.line}: ${f.message} [${f.ruleId}]`
}
