import {mergePlans, type Host} from '../host/host.js'
import {classifyCritical} from '../linux/critical-services.js'
import {buildServiceInventory, dropInPath, locationsFor, INIT_SCRIPT_DIRS, SYSTEMD_UNIT_DIRS, SYSTEMD_RUNTIME_DIR, type ServiceInventory} from '../linux/init-system.js'
import {indexByPid, programName} from '../linux/processes.js'
import {buildProtectPlan, type FileChange, type PlannedCommand, type ProtectOptions, type ProtectPlan} from '../safety/protect-plan.js'
import {buildHostState, type HostState} from '../state/host-state.js'
import {protectPlan, statusPlan} from '../state/plan.js'
import {rewriteFile} from './rewrite-file.js'
import {auditErrorText, recordAudit, type AuditRecord, type AuditCommandRun, type AuditFile, type AuditValue, type ChangeContext, type ProtectAuditEntry} from './audit.js'
import {staleLockNote, withHostLock} from './lock.js'

/**
 * `memguard protect` on a host: read what the plan needs (one gather, plus one small one on live
 * hosts for the units the critical processes run in), then carry out the parts the flags ask for –
 * runtime values (read back and verified), files (atomic, with a backup), `systemctl daemon-reload`,
 * the backstop – and report each step as it went. Nothing here decides *what* to change: that is
 * src/safety/protect-plan.ts.
 */

export interface ProtectInputs {
  state: HostState
  services: ServiceInventory
  plan: ProtectPlan
}

/** Where a xenwatchdogd binary may be installed (Debian: /usr/lib/xen-<major>.<minor>/bin). */
function xenBinDirs(state: HostState): string[] {
  const v = state.xen.info?.xenVersion
  return ['/usr/sbin', '/usr/lib/xen/bin', '/usr/lib64/xen/bin', '/usr/libexec/xen/bin', ...(v ? [`/usr/lib/xen-${v.major}.${v.minor}/bin`] : [])]
}

export async function readProtectInputs(host: Host, options: ProtectOptions = {}): Promise<ProtectInputs> {
  const extraNames = options.extraNames ?? []
  const gathered = await host.gather(mergePlans(statusPlan(), protectPlan()))
  const state = buildHostState(gathered, host.label)
  const files = new Map(gathered.files)
  const dirs = new Map(gathered.dirs)

  // --process names: their unit files, drop-ins and init scripts are not in the fixed plan.
  const extraFiles = extraNames.flatMap((n) => {
    const loc = locationsFor(n, n)
    return [
      ...loc.units.flatMap((u) => [...SYSTEMD_UNIT_DIRS.filter((d) => d !== SYSTEMD_RUNTIME_DIR).map((d) => `${d}/${u}`), dropInPath(u)]),
      ...loc.initScripts.flatMap((s) => INIT_SCRIPT_DIRS.map((d) => `${d}/${s}`)),
    ]
  })

  let cgroups: Map<number, string | null> | undefined
  let binDirs: Map<string, readonly string[] | null> | undefined
  if (host.kind !== 'snapshot') {
    const byPid = indexByPid(state.processes)
    const pids = state.processes
      .filter((p) => !p.isKernelThread && (classifyCritical(p, byPid)?.critical || extraNames.some((n) => p.comm === n || programName(p) === n)))
      .map((p) => p.pid)
    const second = await host.gather({files: [...pids.map((pid) => `/proc/${pid}/cgroup`), ...extraFiles], dirs: xenBinDirs(state), commands: []})
    cgroups = new Map(pids.map((pid) => [pid, second.files.get(`/proc/${pid}/cgroup`) ?? null]))
    binDirs = new Map(second.dirs)
    for (const path of extraFiles) files.set(path, second.files.get(path) ?? null)
  }

  const build = () => {
    const services = buildServiceInventory({files, dirs, commands: gathered.commands}, state.processes, {cgroups, binDirs})
    return {services, plan: buildProtectPlan(state, services, options)}
  }
  let {services, plan} = build()
  // A file the plan writes but that was not read (a defaults file named by an init script, a unit
  // found through cgroups): read it, then plan again, so the diff shows the real current content.
  for (let round = 0; round < 2 && host.kind !== 'snapshot'; round++) {
    const unknown = allFiles(plan).filter((f) => !f.beforeKnown).map((f) => f.path)
    if (unknown.length === 0) break
    const more = await host.gather({files: unknown, commands: []})
    for (const path of unknown) files.set(path, more.files.get(path) ?? null)
    ;({services, plan} = build())
  }
  return {state, services, plan}
}

export function allFiles(plan: ProtectPlan): FileChange[] {
  return [...plan.persist.files, ...(plan.backstop ? [plan.backstop.file] : [])]
}

export interface KnobResult {
  /** `/proc/<pid>/oom_score_adj`, `/proc/sys/vm/panic_on_oom`. */
  path: string
  what: string
  from: number | null
  to: number
  ok: boolean
  readBack: number | null
  /** Why it failed, in plain words ("kernel refused: needs CAP_SYS_RESOURCE …"). */
  error: string | null
}

export interface FileResult {
  path: string
  action: FileChange['action']
  ok: boolean
  backupPath: string | null
  error: string | null
}

export interface CommandRun {
  argv: readonly string[]
  ok: boolean
  exitCode: number | null
  output: string
}

export interface ProtectOutcome {
  runtime: KnobResult[]
  files: FileResult[]
  commands: CommandRun[]
  backstop: {sysctls: KnobResult[]; file: FileResult | null; commands: CommandRun[]} | null
  /** Advice for what the flags did not run (daemon-reload without --apply…). */
  notes: string[]
  failed: boolean
  /** Where the change was recorded, and problems recording it; null when nothing was changed. */
  audit: AuditRecord | null
}

export interface ExecuteFlags {
  apply: boolean
  persist: boolean
  backstop: boolean
}

export function newProtectOutcome(): ProtectOutcome {
  return {runtime: [], files: [], commands: [], backstop: null, notes: [], failed: false, audit: null}
}

/**
 * Carry out the plan's parts the flags ask for, step by step into `outcome` (so a caller still
 * knows what was done when a step throws). Never throws for a refused write: it is reported.
 * Neither locks nor audits: a command changes a host through executeProtectChange.
 */
export async function executeProtectPlan(host: Host, plan: ProtectPlan, flags: ExecuteFlags, outcome: ProtectOutcome = newProtectOutcome()): Promise<ProtectOutcome> {
  if (flags.apply) {
    for (const t of plan.runtime) {
      if (t.action === 'ok') continue
      outcome.runtime.push(await setKernelValue(host, t.path, `${t.service} (pid ${t.pid}) ${t.knob}`, t.current, t.desired, 'process'))
    }
  }

  if (flags.persist) {
    for (const f of plan.persist.files) {
      if (f.action === 'unchanged') continue
      outcome.files.push(await writeFile(host, f))
    }
    const changed = outcome.files.some((f) => f.ok)
    for (const c of plan.persist.commands) {
      if (!changed) break
      if (flags.apply) outcome.commands.push(await runCommand(host, c))
      else outcome.notes.push(`run \`${c.argv.join(' ')}\` now (or rerun with --apply --persist): ${c.why}`)
    }
  }

  if (flags.apply && flags.backstop && plan.backstop) {
    const b = plan.backstop
    const done: NonNullable<ProtectOutcome['backstop']> = {sysctls: [], file: null, commands: []}
    outcome.backstop = done
    for (const s of b.sysctls) {
      if (s.action === 'ok') continue
      done.sysctls.push(await setKernelValue(host, s.path, s.name, s.current, s.desired, 'sysctl'))
    }
    if (b.file.action !== 'unchanged') done.file = await writeFile(host, b.file)
    for (const c of b.watchdog.commands) done.commands.push(await runCommand(host, c))
  }

  outcome.failed = anyFailed(outcome)
  return outcome
}

function anyFailed(o: ProtectOutcome): boolean {
  return o.runtime.some((r) => !r.ok) || o.files.some((f) => !f.ok) || o.commands.some((c) => !c.ok) ||
    (o.backstop !== null && (o.backstop.sysctls.some((s) => !s.ok) || o.backstop.file?.ok === false || o.backstop.commands.some((c) => !c.ok)))
}

/** Whether the flags ask for a change the plan has (a plan-only run, or a second run, has none). */
export function protectChangesHost(plan: ProtectPlan, flags: ExecuteFlags): boolean {
  const runtime = flags.apply && plan.runtime.some((t) => t.action !== 'ok')
  const files = flags.persist && plan.persist.files.some((f) => f.action !== 'unchanged')
  const b = plan.backstop
  const backstop = flags.apply && flags.backstop && b !== null && (b.sysctls.some((s) => s.action !== 'ok') || b.file.action !== 'unchanged' || b.watchdog.commands.length > 0)
  return runtime || files || backstop
}

/**
 * `protect --apply` / `--persist` on a host: under the host lock (the one mem-set takes; a held
 * lock is refused before anything is written), carry out the plan, then record what was set,
 * written and run in the audit log – also when a step failed or threw half-way (`action: failed`,
 * with what was done before it). Nothing to do: no lock, no audit line.
 */
export async function executeProtectChange(host: Host, plan: ProtectPlan, flags: ExecuteFlags, context: ChangeContext): Promise<ProtectOutcome> {
  const outcome = newProtectOutcome()
  if (!protectChangesHost(plan, flags)) return executeProtectPlan(host, plan, flags, outcome)
  return withHostLock(host, context.command, async (lock) => {
    if (lock.brokeStale) outcome.notes.push(staleLockNote(lock.brokeStale))
    let error: string | undefined
    try {
      return await executeProtectPlan(host, plan, flags, outcome)
    } catch (thrown) {
      error = auditErrorText(thrown)
      throw thrown
    } finally {
      outcome.failed ||= error !== undefined || anyFailed(outcome)
      const entry = protectAuditEntry(plan, outcome, context, error)
      outcome.audit = await recordAudit(host, entry, context.auditLogPath)
    }
  }, context.isLocalPidAlive)
}

/** A failed command's output is kept in the audit line up to this many characters. */
const AUDIT_OUTPUT_MAX_CHARS = 500

/** The audit line of a protect run: per process, sysctl, file and command, in the order they were done. */
export function protectAuditEntry(plan: ProtectPlan, o: ProtectOutcome, context: Pick<ChangeContext, 'command' | 'user'>, error?: string): ProtectAuditEntry {
  const value = (r: KnobResult): AuditValue => ({from: r.from, to: r.to, verified: r.ok, ...(r.ok ? {} : {readBack: r.readBack, ...(r.error ? {error: r.error} : {})})})
  const file = (f: FileResult): AuditFile => ({path: f.path, action: !f.ok ? 'failed' : f.action === 'create' ? 'created' : 'written', backupPath: f.backupPath, ...(f.error ? {error: f.error} : {})})
  const command = (c: CommandRun): AuditCommandRun => ({argv: c.argv, ok: c.ok, exitCode: c.exitCode, ...(c.ok ? {} : {output: c.output.slice(0, AUDIT_OUTPUT_MAX_CHARS)})})
  const targets = new Map(plan.runtime.map((t) => [t.path, t]))
  return {
    time: new Date().toISOString(),
    kind: 'protect',
    action: o.failed || error !== undefined ? 'failed' : 'applied',
    command: context.command,
    protect: {
      processes: o.runtime.map((r) => {
        // Every result comes from a plan target with this path.
        const t = targets.get(r.path)
        return {pid: t?.pid ?? -1, name: t?.name ?? r.what, service: t?.service ?? r.what, knob: t?.knob ?? 'oom_score_adj', ...value(r)}
      }),
      sysctls: (o.backstop?.sysctls ?? []).map((r) => ({name: r.what, ...value(r)})),
      files: [...o.files, ...(o.backstop?.file ? [o.backstop.file] : [])].map(file),
      commands: [...o.commands, ...(o.backstop?.commands ?? [])].map(command),
    },
    ...(error !== undefined ? {error} : {}),
    user: context.user,
  }
}

/** Write a value to a /proc file, read it back, and say plainly why it did not stick. */
export async function setKernelValue(host: Host, path: string, what: string, from: number | null, to: number, kind: 'process' | 'sysctl'): Promise<KnobResult> {
  let writeError: string | null = null
  try {
    await host.writeKernelFile(path, `${to}\n`)
  } catch (error) {
    writeError = (error as Error).message
  }
  const text = await host.readFile(path).catch(() => null)
  const readBack = text === null ? null : parseInteger(text)
  if (readBack === to) return {path, what, from, to, ok: true, readBack, error: null}

  let error: string
  if (text === null) {
    error = kind === 'process' ? `the process exited (${path} is gone)` : `${path} does not exist on this kernel`
  } else if (kind === 'process' && (from === null || to < from) && (readBack === from || refusedByKernel(writeError))) {
    error = `kernel refused: needs CAP_SYS_RESOURCE to lower ${path.split('/').pop()} from ${from ?? 'its value'} to ${to} (still ${readBack ?? 'unreadable'})`
  } else {
    error = `${path} reads ${readBack ?? JSON.stringify(text.trim())} after writing ${to}`
  }
  if (writeError && !error.includes(writeError)) error += ` – ${writeError}`
  return {path, what, from, to, ok: false, readBack, error}
}

function refusedByKernel(message: string | null): boolean {
  return message !== null && /EACCES|EPERM|EIO|ermission denied|peration not permitted|nput\/output error/.test(message)
}

function parseInteger(text: string): number | null {
  const t = text.trim()
  return /^-?\d+$/.test(t) ? Number(t) : null
}

async function writeFile(host: Host, f: FileChange): Promise<FileResult> {
  try {
    const r = await rewriteFile(host, f, f.mode)
    if (r.outcome === 'conflict') return {path: f.path, action: f.action, ok: false, backupPath: null, error: `${f.path} changed since memguard read it; nothing was written – run memguard protect again`}
    return {path: f.path, action: f.action, ok: true, backupPath: r.outcome === 'already' ? null : r.backupPath, error: null}
  } catch (error) {
    return {path: f.path, action: f.action, ok: false, backupPath: null, error: (error as Error).message}
  }
}

async function runCommand(host: Host, c: PlannedCommand): Promise<CommandRun> {
  const result = await host.run({id: c.argv.join('-').replace(/[^A-Za-z0-9._-]/g, '_'), argv: c.argv, timeoutMs: 60_000})
  const output = `${result.stdout}${result.stderr}`.trim()
  return {argv: c.argv, ok: result.exitCode === 0, exitCode: result.exitCode, output: result.notFound ? `${c.argv[0]}: command not found` : result.timedOut ? `timed out: ${output}` : output}
}
