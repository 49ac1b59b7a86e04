import {MemguardError, ParseError, quoteValue} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {formatKiB, formatKiBExact, parseSize, toXlSizeArg, toXmSizeArg, type ParsedSize, type SizeUnit} from '../lib/size.js'
import {isProtected} from '../linux/critical-services.js'
import {describeRollback} from '../ops/rollback.js'
import type {Dom0Memory, HostState} from '../state/host-state.js'
import {findDomainConfig, UNLIMITED_MAX_KIB} from '../xen/xl-list-long.js'
import {findDomain, isDomainDying, isDomainPaused, isDomainShutdown, type XlListDomain} from '../xen/xl-list.js'
import type {ExplanationLine} from './explanation.js'
import {memSetArgv} from '../xen/toolstack.js'
import {computeDom0Floor, LIBXL_MIN_DOM0_KiB, type FloorResult, type HeadroomOption} from './floor.js'
import {evaluateDom0Target, type Dom0Verdict} from './verdict.js'
import {dom0SizeInputOf, recommendDom0Size} from './dom0-size.js'

/**
 * The whole preflight of `memguard mem-set <domain> <size>`, for any domain: pure policy on a
 * HostState (and, for a guest read with `--guest`, the guest's HostState). It decides whether the
 * change may be applied, and says everything the command prints or returns as JSON: the size as
 * understood, the numbers behind the verdict, every refusal with its advice, the exact toolstack
 * argv, how the change will be watched and when the emergency brake fires.
 *
 * Refusals are either soft (memguard's own safety judgement: `--force --reason` overrides them)
 * or hard (the toolstack's own limits and states it cannot act on: never overridden, because the
 * toolstack would fail or the change could never take effect).
 */

export type MemSetAction = 'shrink' | 'grow' | 'no-op'

export const REFUSAL_CODES = [
  'below-floor', //               dom0 (or a guest read with --guest): the safety model says no
  'below-xl-minimum', //          dom0 under libxl's 128 MiB (hard)
  'above-static-max', //          above the domain's static maximum (hard)
  'above-boot-max', //            dom0 above dom0_mem's max:, which its kernel was sized for at boot (hard)
  'exceeds-xen-free-memory', //   a grow larger than Xen's free memory
  'domain-dying', //              (hard)
  'domain-shut-down', //          (hard)
  'domain-not-running', //        xend's inactive domain: no ID (hard)
  'domain-paused', //             its balloon driver cannot run
  'guest-unverified', //          a domU shrink below its target with nothing known about its memory
  'guest-unreadable', //          --guest given, but the guest's /proc/meminfo could not be read
  'cannot-judge', //              dom0's /proc/meminfo could not be read
  'rollback-pending', //          a dead-man rollback state exists (armed, overdue, orphaned, interrupted): confirm or roll back first (hard)
] as const
export type RefusalCode = (typeof REFUSAL_CODES)[number]

export interface Refusal {
  code: RefusalCode
  message: string
  advice: string | null
  /** Not even `--force` overrides it. */
  hard: boolean
}

export interface MemSetSize {
  text: string
  /** What the text means, KiB (rounded down to whole KiB). */
  requestedKiB: number
  unit: SizeUnit
  bare: boolean
  /** What memguard understood, with its unit: `1024 MiB`. */
  understood: string
  /** Why the understood size may surprise: a bare number, a fraction, xm's whole MiB. */
  notes: string[]
}

export interface GuestInput {
  /** `--guest` as given (user@host). */
  target: string
  /** The guest read over its own transport; meminfo null when it could not be read. */
  state: HostState
}

export interface MemSetRequest {
  domain: string
  size: string
  headroom?: HeadroomOption
  countSwapAsHeadroom?: boolean
  force?: boolean
  reason?: string
  guest?: GuestInput | null
}

export interface BrakePlan {
  /** Which kernel's memory is watched: dom0's own, or the guest's over --guest. */
  observes: 'dom0' | 'guest'
  /** Brake when MemAvailable falls below this. */
  memAvailableFloorKiB: number
  reserveKiB: number
  headroomKiB: number
  explanation: ExplanationLine[]
  /** Brake on a new OOM kill in the kernel log (dmesg) or in /proc/vmstat oom_kill. */
  onOomKill: true
  /** What the brake restores. */
  restoreKiB: number
}

export interface WatchPlan {
  /** Where convergence is read: dom0's balloon (sysfs or /proc/xen/balloon) or the toolstack's list. */
  source: 'balloon-sysfs' | 'balloon-proc' | 'toolstack-list'
  /** Converged when |current − target| is at most this. */
  toleranceKiB: number
}

export interface MemSetPreflight {
  hostLabel: string
  toolstack: 'xl' | 'xm'
  domain: {id: number; name: string; isDom0: boolean; state: string | null}
  size: MemSetSize
  /** The target that will be set (xm: whole MiB). */
  targetKiB: number
  /** For a domU the same shape, from the toolstack's list. */
  current: Dom0Memory
  /** What a rollback or the brake restores: the current target, else the current allocation. */
  previousTargetKiB: number
  action: MemSetAction
  /** target − allocation (negative for a shrink). */
  changeKiB: number
  /** `apply`: safe; `refuse`: refused; `force`: refused, but --force overrides every refusal. */
  decision: 'apply' | 'refuse' | 'force'
  refusals: Refusal[]
  /** Why it is safe (when it is), in words. */
  reasons: string[]
  warnings: string[]
  /** Whose memory the floor was computed for. */
  judged: 'dom0' | 'guest' | 'none'
  floor: FloorResult | null
  verdict: Dom0Verdict | null
  /** What to do instead, when refused. */
  alternatives: string[]
  argv: [string, ...string[]]
  watch: WatchPlan
  /** null: no brake (a grow, or a guest shrink without --guest). */
  brake: BrakePlan | null
  force: boolean
  reason: string | null
}

/** Xen's "no limit" (xend 16777215 MiB): no target can be this large. */
const MAX_TARGET_KiB = UNLIMITED_MAX_KIB

/**
 * `<size>` as `xl mem-set` and `xm mem-set` read it: b k m g t / KiB MiB GiB TiB in any case,
 * decimals allowed, and a bare number is MiB (their code; xl's man page says KiB).
 */
export function parseMemSetSize(text: string, toolstack: 'xl' | 'xm' = 'xl'): MemSetSize {
  const parsed: ParsedSize = parseSize(text, {bareUnit: 'MiB', allowFraction: true, what: 'size'})
  if (parsed.bytes === 0) throw new ParseError(`size ${quoteValue(text)} is zero; give the new memory size, e.g. 1024m`)
  if (parsed.kib === 0) throw new ParseError(`size ${quoteValue(text)} is less than 1 KiB; Xen counts memory in KiB`)
  if (parsed.kib > MAX_TARGET_KiB) {
    throw new ParseError(`size ${quoteValue(text)} (${formatKiB(parsed.kib)}) does not fit: it is above Xen's largest domain size (${formatKiB(MAX_TARGET_KiB)})`, undefined, parsed.bare ? bareHint(text) : undefined)
  }
  const notes: string[] = []
  if (parsed.bare) {
    notes.push(`a number without a unit is MiB, as xl and xm read it (xl's man page says KiB since Xen 4.13, but its code has always read MiB): ${text} means ${formatKiBExact(parsed.kib)}; write ${toXlSizeArg(parsed.kib)} to be explicit`)
  }
  if (!Number.isInteger(Number(/^\s*([\d.]+)/.exec(text)?.[1] ?? '0'))) {
    notes.push(`xl itself rejects fractions ("invalid memory size"); memguard passes the whole number ${toolstack === 'xl' ? toXlSizeArg(parsed.kib) : toXmSizeArg(parsed.kib)}`)
  }
  if (parsed.bytes % 1024 !== 0) notes.push(`${text} is not a whole number of KiB; rounded down to ${parsed.kib} KiB`)
  let kib = parsed.kib
  if (toolstack === 'xm' && kib % 1024 !== 0) {
    kib = Math.floor(kib / 1024) * 1024
    if (kib === 0) throw new ParseError(`size ${quoteValue(text)} is less than 1 MiB; xm mem-set takes whole MiB`)
    notes.push(`xm mem-set takes whole MiB: ${formatKiBExact(parsed.kib)} becomes ${formatKiBExact(kib)}`)
  }
  return {text, requestedKiB: kib, unit: parsed.unit, bare: parsed.bare, understood: formatKiBExact(kib), notes}
}

function bareHint(text: string): string {
  return `a number without a unit is MiB to xl and xm (not KiB, whatever xl's man page says); if you meant KiB, write ${text.trim()}k`
}

/**
 * Find the domain like xl's find_domain(): all digits is an ID, anything else a name. An unknown
 * domain is a usage error (exit 2) that lists the domains there are.
 */
export function resolveDomain(state: HostState, spec: string): XlListDomain {
  const xen = state.xen
  if (!xen.toolstack) {
    const why = xen.detection.problem?.message ?? 'no Xen toolstack answered'
    throw new MemguardError(`cannot change domain memory on ${state.label}: ${why}`, {
      exitCode: ExitCode.failure,
      hint: 'mem-set runs in a Xen dom0 (or against one with --host / --snapshot), as root, with xl or xm working',
    })
  }
  if (!xen.domains) {
    throw new MemguardError(`\`${xen.toolstack} list\` could not be read on ${state.label}, so the domain ${quoteValue(spec)} cannot be resolved`, {
      exitCode: ExitCode.failure,
      hint: [...state.readProblems, ...xen.detection.problems.map((p) => p.message)].join('; ') || undefined,
    })
  }
  const trimmed = spec.trim()
  const found = trimmed === '' ? undefined : findDomain(xen.domains, trimmed)
  if (!found) {
    const listed = xen.domains.map((d) => `${d.name} (${d.id === null ? 'not running' : `id ${d.id}`}, ${formatKiB(d.memMiB * 1024)})`).join(', ')
    throw new MemguardError(`no domain ${quoteValue(spec)} on ${state.label}; the domains are: ${listed || 'none'}`, {
      exitCode: ExitCode.usage,
      hint: `give a name or an ID as \`${xen.toolstack} list\` shows them (names are case-sensitive; IDs change when a domain is re-created)`,
    })
  }
  return found
}

/** The brake floor: the kernel's own reserve (≈ min_free_kbytes) plus half the headroom. */
export function brakeFloor(reserveKiB: number, headroomKiB: number): {kib: number; explanation: ExplanationLine[]} {
  const half = Math.ceil(headroomKiB / 2)
  return {
    kib: reserveKiB + half,
    explanation: [
      {label: 'reserve', kib: reserveKiB, note: 'vm.min_free_kbytes: below it allocations stall and the OOM killer runs'},
      {label: 'half headroom', kib: half, note: 'half the floor\'s headroom: room for a login and the backends while memguard reacts'},
    ],
  }
}

export function preflightMemSet(state: HostState, request: MemSetRequest): MemSetPreflight {
  const domain = resolveDomain(state, request.domain)
  const xen = state.xen
  const toolstack = xen.toolstack as 'xl' | 'xm'
  const size = parseMemSetSize(request.size, toolstack)
  const targetKiB = size.requestedKiB
  const refusals: Refusal[] = []
  const warnings: string[] = []
  const reasons: string[] = []
  const alternatives: string[] = []
  const force = request.force === true
  const isDom0 = domain.id === 0

  // A target larger than the whole host is a unit mistake, not a policy question: exit 2.
  const hostKiB = xen.info ? xen.info.totalMemoryMiB * 1024 : null
  if (hostKiB !== null && targetKiB > hostKiB) {
    throw new ParseError(
      `size ${quoteValue(size.text)} is ${formatKiB(targetKiB)}, more than this host's ${formatKiB(hostKiB)} of memory (${toolstack} info total_memory)`,
      undefined,
      size.bare ? bareHint(size.text) : 'give the new size of the domain, not an amount to add',
    )
  }

  // Where the domain stands now.
  const config = xen.domainConfigs && domain.id !== null ? findDomainConfig(xen.domainConfigs, domain.id) : undefined
  let current: MemSetPreflight['current']
  if (isDom0 && xen.dom0) {
    current = {...xen.dom0}
  } else {
    const listed = domain.memMiB * 1024
    current = {
      allocationKiB: listed,
      allocationSource: `${toolstack} list Mem`,
      targetKiB: config?.targetKiB ?? null,
      targetSource: config?.targetKiB ? `${toolstack} list -l target` : null,
      staticMaxKiB: config?.maxMemKiB && !config.maxMemUnlimited ? config.maxMemKiB : null,
      staticMaxSource: config?.maxMemKiB && !config.maxMemUnlimited ? `${toolstack} list -l max_memkb` : null,
    }
  }
  const previousTargetKiB = current.targetKiB ?? current.allocationKiB
  const changeKiB = targetKiB - current.allocationKiB
  const action: MemSetAction = changeKiB < 0 ? 'shrink' : changeKiB > 0 ? 'grow' : 'no-op'
  const shrinksTarget = targetKiB < previousTargetKiB

  const refuse = (code: RefusalCode, message: string, advice: string | null, hard = false) => refusals.push({code, message, advice, hard})

  // memguard's own state: one change at a time, never on top of a rollback – armed, restoring, or
  // orphaned/interrupted (nothing would restore it, and a new change would bury it).
  for (const finding of state.rollbacks ?? []) {
    const {message, advice} = describeRollback(finding)
    refuse('rollback-pending', message, `${advice}; then try again`, true)
  }

  // States the toolstack cannot act on.
  if (domain.id === null) refuse('domain-not-running', `${domain.name} is not running (an inactive xend-managed domain has no ID and no balloon)`, `start it first (${toolstack} start / create), or change its configured memory`, true)
  else if (isDomainDying(domain)) refuse('domain-dying', `${domain.name} (${domain.id}) is dying (state ${domain.state?.text}): Xen is tearing it down, its memory is going back to Xen anyway`, 'wait until it is gone; if it stays dying, a backend still holds its pages (check `xl list` and the backends)', true)
  else if (isDomainShutdown(domain)) refuse('domain-shut-down', `${domain.name} (${domain.id}) has shut down (state ${domain.state?.text}${domain.state?.shutdownReason ? `, ${domain.state.shutdownReason}` : ''}): no balloon driver runs in it`, `destroy or restart it (${toolstack} destroy / create)`, true)
  else if (isDomainPaused(domain) && action !== 'no-op') {
    refuse('domain-paused', `${domain.name} (${domain.id}) is paused (state ${domain.state?.text}): its balloon driver cannot run, so the new target would not be reached until it is unpaused`, `unpause it first (${toolstack} unpause ${domain.id}), or use --force --reason with --no-wait to only set the target`)
  }

  // The toolstack's hard limits.
  if (isDom0 && targetKiB < LIBXL_MIN_DOM0_KiB) {
    refuse('below-xl-minimum', `${formatKiB(targetKiB)} is below the 128 MiB minimum for dom0 (libxl LIBXL_MIN_DOM0_MEM${toolstack === 'xm' ? '; xm does not check it, memguard does' : ''}); even 128 MiB itself killed sshd, cron and xenconsoled on the Xen 4.17 lab`, null, true)
  }
  if (current.staticMaxKiB !== null && targetKiB > current.staticMaxKiB) {
    refuse(
      'above-static-max',
      `${formatKiB(targetKiB)} is above ${isDom0 ? 'dom0' : domain.name}'s static maximum of ${formatKiBExact(current.staticMaxKiB)} (${current.staticMaxSource}); ${toolstack} would refuse it ("memory_dynamic_max must be less than or equal to memory_static_max")`,
      isDom0
        ? `dom0's maximum comes from max: in dom0_mem on the Xen command line and applies from boot: raise it there (memguard dom0-mem) and reboot. (\`${toolstack} mem-max 0\` raises Xen's limit, but dom0's kernel sized its memory at boot and its balloon cannot grow past that without memory hotplug)`
        : `raise the maximum first: ${toolstack} mem-max ${domain.id} ${toolstack === 'xl' ? toXlSizeArg(targetKiB) : toXmSizeArg(targetKiB)} (and maxmem= in its config so it lasts), then run this again`,
      true,
    )
  }

  // dom0's kernel sizes its memory map at boot for dom0_mem's max: (pvops, no memory hotplug):
  // the balloon cannot grow past it even when `xl mem-max 0` has lifted static-max. On the 4.17
  // lab, `xl mem-max 0 2048m` then `xl mem-set 0 1600m` both exited 0 and dom0 stayed at 1536 MiB.
  const bootMaxKiB = isDom0 ? xen.dom0Mem?.maxKiB : undefined
  if (bootMaxKiB !== undefined && targetKiB > bootMaxKiB && !(current.staticMaxKiB !== null && targetKiB > current.staticMaxKiB)) {
    refuse(
      'above-boot-max',
      `${formatKiB(targetKiB)} is above dom0_mem's max:${formatKiBExact(bootMaxKiB).replace(' MiB', 'M').replace(' KiB', 'K')} on the Xen command line: dom0's kernel was sized for that at boot, so its balloon cannot grow past it (${toolstack} would accept the target${current.staticMaxKiB !== null && current.staticMaxKiB > bootMaxKiB ? `, since \`${toolstack} mem-max\` raised static-max to ${formatKiB(current.staticMaxKiB)}` : ''}, and dom0 would stay at ${formatKiB(Math.min(current.allocationKiB, bootMaxKiB))})`,
      'raise max: in dom0_mem (memguard dom0-mem) and reboot',
      true,
    )
  }

  // Growing needs free memory in Xen.
  if (action === 'grow' && xen.info) {
    const freeKiB = xen.info.freeMemoryMiB * 1024
    if (changeKiB > freeKiB) {
      refuse(
        'exceeds-xen-free-memory',
        `growing ${isDom0 ? 'dom0' : domain.name} by ${formatKiB(changeKiB)} needs that much free memory in Xen, which has ${formatKiB(freeKiB)} (${toolstack} info free_memory): the balloon would stall short of the target`,
        `free memory in Xen first (shrink or stop a guest), or ask for at most ${formatKiBExact(current.allocationKiB + Math.floor(freeKiB / 1024) * 1024)}`,
      )
    }
  }

  // The safety model.
  interface Judgement {
    whose: 'dom0' | 'guest'
    floor: FloorResult
    verdict: Dom0Verdict
    brake: BrakePlan | null
  }
  const judgeKernel = (who: HostState, whose: 'dom0' | 'guest'): Judgement => {
    const meminfo = who.meminfo as NonNullable<HostState['meminfo']>
    const floor = computeDom0Floor({meminfo, allocationKiB: current.allocationKiB, headroom: request.headroom, countSwapAsHeadroom: request.countSwapAsHeadroom, isDom0: whose === 'dom0'})
    const verdict = evaluateDom0Target({
      isDom0: whose === 'dom0',
      targetKiB,
      currentAllocationKiB: current.allocationKiB,
      floor,
      meminfo,
      processes: who.processes,
      kernel: who.kernel,
      minFreeKiB: who.sysctls?.minFreeKiB ?? null,
      uptimeSeconds: who.uptimeSeconds,
    })
    const why = verdict.reasons
    if (!verdict.safe && why.length > 0) {
      const name = whose === 'dom0' ? 'dom0' : `${domain.name} (read over ${request.guest?.target})`
      refuse('below-floor', `shrinking ${name} to ${formatKiB(targetKiB)} would push it into the OOM killer:\n${why.map((r) => `- ${r}`).join('\n')}`, null)
    } else reasons.push(...why)
    // mem-set checks static-max and Xen's free memory itself (above), unlike the bare verdict.
    warnings.push(...verdict.warnings.filter((w) => !/^growth is limited by the domain maximum/.test(w)))
    let brake: BrakePlan | null = null
    if (action === 'shrink') {
      const b = brakeFloor(verdict.reserveKiB, floor.headroomKiB)
      brake = {observes: whose, memAvailableFloorKiB: b.kib, reserveKiB: verdict.reserveKiB, headroomKiB: floor.headroomKiB, explanation: b.explanation, onOomKill: true, restoreKiB: previousTargetKiB}
    }
    return {whose, floor, verdict, brake}
  }

  let judgement: Judgement | null = null
  if (isDom0) {
    if (state.meminfo) judgement = judgeKernel(state, 'dom0')
    else if (action === 'shrink') refuse('cannot-judge', `dom0's /proc/meminfo could not be read on ${state.label}, so memguard cannot tell how much of dom0's memory is in use`, 'run memguard as root in dom0 (or check --root / --host); --force --reason overrides this at your own risk')
  } else if (request.guest) {
    if (request.guest.state.meminfo) judgement = judgeKernel(request.guest.state, 'guest')
    else if (action === 'shrink') {
      refuse('guest-unreadable', `the guest's /proc/meminfo could not be read over ${request.guest.target}: ${request.guest.state.readProblems[0] ?? 'no answer'}`, `check that \`ssh ${request.guest.target} cat /proc/meminfo\` works, then try again`)
    }
  } else if (shrinksTarget && action !== 'grow') {
    const shrinkBy = previousTargetKiB - targetKiB
    refuse(
      'guest-unverified',
      `memguard cannot see inside ${domain.name}: taking ${formatKiB(shrinkBy)} from it (target ${formatKiB(previousTargetKiB)} → ${formatKiB(targetKiB)}) may push its kernel into the OOM killer, and nothing on dom0 can tell how much of its memory is in use`,
      `check inside the guest first: its MemAvailable (/proc/meminfo) must cover the ${formatKiB(shrinkBy)} plus headroom (\`memguard status --host root@${domain.name}\` shows its floor); then run again with --guest root@${domain.name} so memguard reads it over ssh, or with --force --reason TEXT`,
    )
  }

  // What to do instead of a refused shrink.
  if (judgement && refusals.some((r) => r.code === 'below-floor' || r.code === 'below-xl-minimum')) {
    const {floor: f, verdict: v, whose} = judgement
    if (v.suggestion.targetKiB !== null && v.suggestion.targetKiB >= (isDom0 ? LIBXL_MIN_DOM0_KiB : 0)) {
      alternatives.push(`shrink no further than the floor: memguard mem-set ${domain.id} ${toXlSizeArg(v.suggestion.targetKiB)}   (${formatKiBExact(v.suggestion.targetKiB)}, the smallest safe size now)`)
    } else alternatives.push(`do not shrink ${isDom0 ? 'dom0' : domain.name}: it already needs ${formatKiBExact(f.floorKiB)}, more than the ${formatKiB(current.allocationKiB)} it holds`)
    const who = whose === 'guest' ? request.guest?.state : state
    const unprotected = (who?.processes ?? []).filter((p) => v.criticalVictims.some((c) => c.pid === p.pid) && !isProtected(p))
    if (unprotected.length > 0) {
      alternatives.push(`keep the critical services out of the OOM killer's reach: memguard protect --apply --persist${whose === 'guest' ? ` --host ${request.guest?.target}` : ''}   (this does not make the shrink safe)`)
    }
    if (isDom0) {
      // The size `memguard dom0-mem` itself recommends, so the two commands never disagree.
      const mib = Math.ceil(recommendDom0Size(dom0SizeInputOf(state, f)).kib / 1024)
      alternatives.push(`fix dom0's size at boot instead of ballooning it: memguard dom0-mem ${mib}M   (dom0_mem=${mib}M,max:${mib}M, autoballoon off; takes effect after a reboot)`)
    }
    alternatives.push(`make room first: stop or move what uses ${isDom0 ? 'dom0' : domain.name}'s memory (the largest are the first victims above), then preflight again`)
  }
  const floor = judgement?.floor ?? null
  const verdict = judgement?.verdict ?? null
  const brake = judgement?.brake ?? null
  const judged = judgement?.whose ?? 'none'

  const hard = refusals.some((r) => r.hard)
  const decision: MemSetPreflight['decision'] = refusals.length === 0 ? 'apply' : force && !hard ? 'force' : 'refuse'
  if (force && hard) warnings.push('--force does not override the toolstack\'s own limits or a pending rollback')
  if (force && refusals.length === 0) warnings.push('--force was given but nothing needed overriding: the change is safe by memguard\'s rules')

  // Watching and braking.
  const balloon = isDom0 ? xen.balloon : null
  const watch: WatchPlan = balloon
    ? {source: balloon.source === 'sysfs' ? 'balloon-sysfs' : 'balloon-proc', toleranceKiB: 1024}
    : {source: 'toolstack-list', toleranceKiB: 1024}
  if (action === 'shrink' && !brake) {
    warnings.push(isDom0
      ? 'no emergency brake: dom0\'s memory cannot be read'
      : `no emergency brake: memguard cannot watch ${domain.name}'s memory without --guest`)
  }

  // A domain without an id (xend's inactive ones) is named; mem-set refuses those before this anyway.
  const argv = memSetArgv(toolstack, domain.id ?? domain.name, targetKiB)
  if (action === 'no-op') reasons.push(`${isDom0 ? 'dom0' : domain.name} already holds ${formatKiB(targetKiB)}: setting the target again changes nothing`)
  if (isDom0 && xen.dom0Mem?.fixed && action === 'shrink') {
    warnings.push('dom0_mem fixes dom0\'s size at boot (size = max:): a shrink now can only be grown back up to that max')
  }

  return {
    hostLabel: state.label,
    toolstack,
    domain: {id: domain.id ?? -1, name: domain.name, isDom0, state: domain.state?.text ?? null},
    size,
    targetKiB,
    current,
    previousTargetKiB,
    action,
    changeKiB,
    decision,
    refusals,
    reasons,
    warnings,
    judged,
    floor,
    verdict,
    alternatives,
    argv,
    watch,
    brake,
    force,
    reason: request.reason ?? null,
  }
}
