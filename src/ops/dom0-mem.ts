import type {Gathered, Host} from '../host/host.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {checkDom0Size, dom0SizeInputOf, recommendDom0Size, type Dom0SizeRecommendation, type GuestCounts} from '../safety/dom0-size.js'
import {computeDom0Floor, type FloorResult, type HeadroomOption} from '../safety/floor.js'
import {buildHostState, type HostState} from '../state/host-state.js'
import {CONFIG_FILES, LINUX_FILES, TOOLSTACK_COMMANDS, XEN_FILES} from '../state/plan.js'
import {
  DOM0_MEM_CONFIG_FILES,
  EFI_DIR,
  GRUB_DEFAULTS_DIR,
  grubDropIns,
  isEfiXenCfgName,
  planDom0MemConfig,
  type Bootloader,
  type Dom0MemConfigPlan,
  type Dom0MemHostFacts,
  type PlannedFile,
  type Toolstack,
} from '../xen/dom0-mem-config.js'
import {rewriteFile} from './rewrite-file.js'
import {auditErrorText, recordAudit, type AuditRecord, type ChangeContext, type Dom0MemAuditEntry} from './audit.js'
import {staleLockNote, withHostLock} from './lock.js'

/**
 * `memguard dom0-mem` on a host: read (one gather, then the files found in /etc/default/grub.d and
 * the EFI vendor directories), decide the size (given or recommended, checked against the floor),
 * plan every file, and with --apply write them – atomically, with a timestamped backup, keeping
 * owner and mode (Host.writeFileAtomic). Nothing here decides what a file must say: that is
 * src/xen/dom0-mem-config.ts; the size policy is src/safety/dom0-size.ts.
 */

export interface SizeRequest {
  kib: number
  /** The argument as typed, and the unit a bare number was taken in. */
  text: string
  unit: string
  bare: boolean
  /** The typed size was not a whole MiB and was rounded up. */
  roundedFromKiB: number | null
}

export interface Dom0MemOptions {
  size: SizeRequest | null
  bootloader: Bootloader | 'auto'
  toolstack: Toolstack | 'auto'
  headroom?: HeadroomOption
  countSwapAsHeadroom?: boolean
}

export interface Dom0MemPlan {
  host: {label: string; hostname: string | null; kind: Host['kind']; readOnly: boolean}
  sizeKiB: number
  size: {source: 'given' | 'recommended'; text: string | null; unit: string | null; bare: boolean; roundedFromKiB: number | null}
  recommendation: Dom0SizeRecommendation
  floor: FloorResult | null
  guests: GuestCounts | null
  hostMemoryKiB: number | null
  config: Dom0MemConfigPlan
  /** Notes from the size check. */
  sizeNotes: string[]
  /** What dom0 runs with now (for people). */
  current: {cmdline: string | null; cmdlineSource: string | null; allocationKiB: number | null}
}

/** One gather for the state and every fixed config path, then the directory finds. */
export async function readDom0MemInputs(host: Host): Promise<{state: HostState; files: Map<string, string | null>; dropIns: string[]; efiConfigs: string[]}> {
  const gathered: Gathered = await host.gather({
    files: [...new Set([...LINUX_FILES, ...XEN_FILES, ...CONFIG_FILES, ...DOM0_MEM_CONFIG_FILES])],
    dirs: [GRUB_DEFAULTS_DIR, EFI_DIR],
    commands: TOOLSTACK_COMMANDS,
  })
  const state = buildHostState(gathered, host.label)
  const files = new Map(gathered.files)
  const dropIns = grubDropIns(gathered.dirs.get(GRUB_DEFAULTS_DIR))
  const vendors = (gathered.dirs.get(EFI_DIR) ?? []).map((v) => `${EFI_DIR}/${v}`)
  const second = await host.gather({files: dropIns.filter((p) => !files.has(p)), dirs: vendors, commands: []})
  for (const [p, t] of second.files) files.set(p, t)
  const efiConfigs = vendors.flatMap((dir) => (second.dirs.get(dir) ?? []).filter(isEfiXenCfgName).map((n) => `${dir}/${n}`))
  const unread = efiConfigs.filter((p) => !files.has(p))
  if (unread.length > 0) {
    const third = await host.gather({files: unread, commands: []})
    for (const [p, t] of third.files) files.set(p, t)
  }
  return {state, files, dropIns, efiConfigs}
}

export function hostFacts(state: HostState): Dom0MemHostFacts {
  const info = state.xen.info
  const machine = `${info?.raw.machine ?? ''} ${info?.raw.xen_caps ?? ''}`
  return {
    toolstack: state.xen.toolstack,
    xenVersion: info?.xenVersion ? {major: info.xenVersion.major, minor: info.xenVersion.minor, text: info.xenVersion.text} : undefined,
    xendConfigFormat: info?.xendConfigFormat,
    arch: /aarch64|\barm/i.test(machine) ? 'arm' : info?.raw.machine ? 'x86' : undefined,
    runningCmdline: state.xen.commandLine ? {text: state.xen.commandLine.text, source: state.xen.commandLine.source} : undefined,
    dom0AllocationKiB: state.xen.dom0?.allocationKiB,
    freeMemoryKiB: info ? info.freeMemoryMiB * 1024 : undefined,
  }
}

export async function planDom0Mem(host: Host, options: Dom0MemOptions): Promise<Dom0MemPlan> {
  const {state, files, dropIns, efiConfigs} = await readDom0MemInputs(host)
  const floor =
    state.meminfo && state.xen.dom0
      ? computeDom0Floor({meminfo: state.meminfo, allocationKiB: state.xen.dom0.allocationKiB, headroom: options.headroom, countSwapAsHeadroom: options.countSwapAsHeadroom})
      : null
  const sizeInput = dom0SizeInputOf(state, floor)
  const recommendation = recommendDom0Size(sizeInput)
  const sizeKiB = options.size?.kib ?? recommendation.kib
  const check = checkDom0Size(sizeKiB, sizeInput)
  if (!check.ok) {
    throw new MemguardError(`refusing dom0_mem of ${sizeKiB / 1024} MiB: ${check.message}`, {exitCode: check.reason === 'above-host' ? ExitCode.usage : ExitCode.refused, hint: check.hint})
  }
  const config = planDom0MemConfig({kib: sizeKiB, files, grubDropIns: dropIns, efiConfigs, bootloader: options.bootloader, toolstack: options.toolstack, facts: hostFacts(state)})
  const sizeNotes = [...check.notes]
  if (!state.xen.isDom0) sizeNotes.push(`${host.label} does not look like a Xen dom0 (${state.xen.detection.problem?.message ?? 'no toolstack answered'}): the files are planned from what is on disk`)
  return {
    host: {label: host.label, hostname: state.hostname, kind: host.kind, readOnly: host.readOnly},
    sizeKiB,
    size: options.size
      ? {source: 'given', text: options.size.text, unit: options.size.unit, bare: options.size.bare, roundedFromKiB: options.size.roundedFromKiB}
      : {source: 'recommended', text: null, unit: null, bare: false, roundedFromKiB: null},
    recommendation,
    floor,
    guests: sizeInput.guests ?? null,
    hostMemoryKiB: sizeInput.hostMemoryKiB ?? null,
    config,
    sizeNotes,
    current: {cmdline: state.xen.commandLine?.text ?? null, cmdlineSource: state.xen.commandLine?.source ?? null, allocationKiB: state.xen.dom0?.allocationKiB ?? null},
  }
}

export interface FileWrite {
  path: string
  action: 'written' | 'created' | 'already' | 'conflict' | 'failed'
  backupPath: string | null
  error: string | null
}

export interface Dom0MemApplyResult {
  files: FileWrite[]
  failed: boolean
  /** A stale lock broken to take this one. */
  notes: string[]
  /** Where the change was recorded, and problems recording it; null when nothing was written. */
  audit: AuditRecord | null
}

/**
 * Write the changed files. Each is read again first: if it now already says what the plan wants
 * (a symlink to a file written a moment ago: RHEL's /etc/grub.conf → /boot/grub/grub.conf), it is
 * left alone; if it says something else than when it was planned, it is not touched (conflict).
 * Each outcome goes into `results` as it happens. Neither locks nor audits: a command changes a
 * host through applyDom0MemChange.
 */
export async function applyDom0MemPlan(host: Host, plan: Dom0MemPlan, results: FileWrite[] = []): Promise<Dom0MemApplyResult> {
  if (host.readOnly) throw new MemguardError(`${host.label} is read-only: nothing can be applied there`, {exitCode: ExitCode.usage})
  for (const file of plan.config.files.filter((f: PlannedFile) => f.changed)) {
    try {
      const r = await rewriteFile(host, file, 0o644)
      if (r.outcome === 'already') results.push({path: file.path, action: 'already', backupPath: null, error: null})
      else if (r.outcome === 'conflict') results.push({path: file.path, action: 'conflict', backupPath: null, error: 'the file changed since memguard read it; nothing was written – run memguard dom0-mem again'})
      else results.push({path: file.path, action: r.outcome, backupPath: r.backupPath, error: null})
    } catch (error) {
      results.push({path: file.path, action: 'failed', backupPath: null, error: error instanceof MemguardError ? error.located : (error as Error).message})
    }
  }
  return {files: results, failed: anyFailed(results), notes: [], audit: null}
}

const anyFailed = (files: readonly FileWrite[]) => files.some((r) => r.action === 'conflict' || r.action === 'failed')

/**
 * `dom0-mem --apply` on a host: under the host lock (the one mem-set takes; a held lock is refused
 * before anything is written), write the files, then record the value, every file with its backup
 * and the commands left to run in the audit log – also when a write failed or the run was cut
 * short (`action: failed`, with what was written before). Nothing written (every file already
 * right): no audit line.
 */
export async function applyDom0MemChange(host: Host, plan: Dom0MemPlan, context: ChangeContext): Promise<Dom0MemApplyResult> {
  if (host.readOnly) throw new MemguardError(`${host.label} is read-only: nothing can be applied there`, {exitCode: ExitCode.usage})
  if (!plan.config.files.some((f) => f.changed)) return {files: [], failed: false, notes: [], audit: null}
  return withHostLock(host, context.command, async (lock) => {
    const results: FileWrite[] = []
    const notes = lock.brokeStale ? [staleLockNote(lock.brokeStale)] : []
    let error: string | undefined
    let audit: Dom0MemApplyResult['audit'] = null
    try {
      await applyDom0MemPlan(host, plan, results)
    } catch (thrown) {
      error = auditErrorText(thrown)
      throw thrown
    } finally {
      if (error !== undefined || results.some((r) => r.action !== 'already')) {
        const entry = dom0MemAuditEntry(plan, results, context, error)
        audit = await recordAudit(host, entry, context.auditLogPath)
      }
    }
    return {files: results, failed: anyFailed(results), notes, audit}
  }, context.isLocalPidAlive)
}

/** The audit line of a dom0-mem apply. */
export function dom0MemAuditEntry(plan: Dom0MemPlan, files: readonly FileWrite[], context: Pick<ChangeContext, 'command' | 'user'>, error?: string): Dom0MemAuditEntry {
  return {
    time: new Date().toISOString(),
    kind: 'dom0-mem',
    action: error !== undefined || anyFailed(files) ? 'failed' : 'applied',
    command: context.command,
    dom0Mem: {
      rendered: plan.config.rendered,
      sizeKiB: plan.sizeKiB,
      sizeSource: plan.size.source,
      files: files.map((f) => ({path: f.path, action: f.action, backupPath: f.backupPath, ...(f.error === null ? {} : {error: f.error})})),
      followUp: plan.config.commands.map((c) => c.command),
    },
    ...(error !== undefined ? {error} : {}),
    user: context.user,
  }
}
