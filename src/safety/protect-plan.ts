import {unifiedDiff} from '../lib/unified-diff.js'
import {classifyCritical} from '../linux/critical-services.js'
import {
  BACKSTOP_SYSCTL_FILE,
  dropInPath,
  lastDirective,
  locationsFor,
  sourcedDefaultsFile,
  sysctlSettings,
  SYSCTL_CONF,
  SYSCTL_D,
  type InitScript,
  type ServiceInventory,
} from '../linux/init-system.js'
import {hasOomScoreAdj} from '../linux/kernel-version.js'
import {buildHookScript, defaultsFileBlock, HOOK_SCRIPT_PATH, isSafeProcessName, rcLocalBlock, upsertBlock, type HookEntry} from '../linux/oom-hook-script.js'
import {indexByPid, programName, type ProcessInfo} from '../linux/processes.js'
import {SYSCTL_PATHS} from '../linux/sysctl.js'
import type {HostState} from '../state/host-state.js'
import {customPolicy, OOM_SCORE_ADJ_MIN, policyFor, wantedValue, type ServicePolicy} from './protection-policy.js'

/**
 * `memguard protect`: what to change so the OOM killer stays off the services that matter – on the
 * running processes, in files that survive restarts and reboots, and (asked for) a host-level
 * backstop. Pure: HostState + ServiceInventory in, a plan out; src/ops/protect.ts carries it out.
 *
 * The values and their reasons are in protection-policy.ts. This module decides, per host:
 * - the knob: oom_score_adj where the process has it (kernels ≥ 2.6.36), else oom_adj;
 * - which processes: the daemon of each critical service (the sshd listener, not its sessions;
 *   crond, not its jobs), plus `--process NAME` (the topmost process of that name);
 * - the persistent form: a systemd drop-in per unit, or on SysV hosts the hook described in
 *   src/linux/oom-hook-script.ts;
 * - with --backstop: vm.panic_on_oom + kernel.panic and xenwatchdogd, with what they cost.
 * Every file is shown as a unified diff; a file already right is `unchanged`, so a second run has
 * nothing to do.
 */

export type Knob = 'oom_score_adj' | 'oom_adj'

export interface ProtectOptions {
  /** `--process NAME…`: more processes to exempt (−1000 / −17). */
  extraNames?: readonly string[]
  /** `--backstop`: plan the host-level backstop too. */
  backstop?: boolean
}

export interface RuntimeTarget {
  service: string
  pid: number
  name: string
  command: string
  knob: Knob
  /** `/proc/<pid>/<knob>`. */
  path: string
  current: number | null
  desired: number
  action: 'set' | 'ok'
  /** Lowering below the current value needs CAP_SYS_RESOURCE; raising never does. */
  direction: 'lower' | 'raise' | 'none'
  why: string
  children: string
  /** The systemd unit it runs in, when known. */
  unit: string | null
  note: string | null
  /** Added with --process. */
  requested: boolean
}

export interface LeftAlone {
  service: string
  pid: number | null
  name: string
  why: string
}

export type FileKind = 'systemd-drop-in' | 'hook-script' | 'defaults-hook' | 'rc-local' | 'sysctl'

export interface FileChange {
  path: string
  kind: FileKind
  purpose: string
  action: 'create' | 'update' | 'unchanged'
  before: string | null
  after: string
  /** Mode for a new file (an existing one keeps its mode and owner). */
  mode: number
  /** Unified diff (empty when unchanged). */
  diff: string
  /** The current content was read (false: memguard must read it before writing). */
  beforeKnown: boolean
}

export interface PlannedCommand {
  argv: [string, ...string[]]
  why: string
  /** Which flags run it. */
  runsWith: '--apply --persist' | '--apply --backstop'
}

export interface PersistPlan {
  mechanism: 'systemd-drop-ins' | 'sysvinit-hook' | 'none'
  files: FileChange[]
  commands: PlannedCommand[]
  notes: string[]
}

export interface SysctlChange {
  name: string
  path: string
  current: number | null
  desired: number
  action: 'set' | 'ok'
}

export type WatchdogStatus = 'running' | 'available' | 'binary-only' | 'unavailable' | 'not-dom0' | 'unknown'

export interface BackstopPlan {
  explanation: string[]
  sysctls: SysctlChange[]
  file: FileChange
  watchdog: {status: WatchdogStatus; text: string; pid: number | null; commands: PlannedCommand[]}
  warnings: string[]
}

export interface ProtectPlan {
  host: {label: string; hostname: string | null; kernel: string | null; isDom0: boolean; xenVersion: string | null}
  knob: Knob
  knobWhy: string
  initSystem: ServiceInventory['initSystem']
  initEvidence: string
  systemdVersion: number | null
  runtime: RuntimeTarget[]
  leftAlone: LeftAlone[]
  notRunning: Array<{service: string; why: string}>
  persist: PersistPlan
  backstop: BackstopPlan | null
  warnings: string[]
  /** Nothing to change at runtime, in files, or in the backstop. */
  nothingToDo: boolean
}

const BACKSTOP_BEGIN = '# BEGIN memguard oom-backstop'
const BACKSTOP_END = '# END memguard oom-backstop'
export const DEFAULT_KERNEL_PANIC_SECONDS = 10
/** OOMPolicy= came with systemd 243 (systemd.service(5); NEWS for v243). */
export const SYSTEMD_OOM_POLICY_VERSION = 243

/** Services memguard expects on a dom0 and reports when they are not running. */
const EXPECTED = ['sshd', 'cron', 'xenstored', 'xenconsoled', 'journald'] as const

export function buildProtectPlan(state: HostState, inv: ServiceInventory, options: ProtectOptions = {}): ProtectPlan {
  const processes = state.processes
  const byPid = indexByPid(processes)
  const warnings: string[] = []
  const {knob, knobWhy} = chooseKnob(state)

  // --- which processes
  const runtime: RuntimeTarget[] = []
  const leftAlone: LeftAlone[] = []
  const seen = new Set<number>()
  const servicesSeen = new Set<string>()
  const matchedByService = new Set<string>()
  const extra = [...new Set(options.extraNames ?? [])]
  for (const name of extra) {
    if (!isSafeProcessName(name)) throw new Error(`not a process name: ${JSON.stringify(name)}`)
  }

  for (const p of processes) {
    if (p.isKernelThread) continue
    const cls = classifyCritical(p, byPid)
    if (!cls?.critical) continue
    servicesSeen.add(cls.service)
    const policy = policyFor(cls.service)
    if (!policy) continue
    // An inetd-style `sshd -i` serves one connection: a session, not the listener.
    if (cls.service === 'sshd' && p.cmdline.includes('-i')) continue
    // `--process NAME` matches the process name, or a critical service's id (`xend` runs as python).
    const byService = extra.filter((n) => n === cls.service)
    byService.forEach((n) => matchedByService.add(n))
    const requested = byService.length > 0 || extra.some((n) => matchesName(p, n))
    if (policy.mode === 'protect' || (policy.mode === 'opt-in' && requested)) {
      runtime.push(target(p, cls.service, policy, knob, inv, requested && policy.mode === 'opt-in'))
      seen.add(p.pid)
    } else if (policy.mode === 'leave' && requested && cls.service !== 'init') {
      // Asked for by name: the admin's call wins over memguard's default, with memguard's reason.
      const t = target(p, p.comm, customPolicy(p.comm), knob, inv, true)
      t.note = `memguard leaves ${cls.service} killable by default: ${policy.why}`
      runtime.push(t)
      seen.add(p.pid)
    } else if (policy.mode === 'leave' || policy.mode === 'opt-in') {
      if (cls.service === 'init') continue
      leftAlone.push({service: cls.service, pid: p.pid, name: p.comm, why: policy.why})
    }
  }

  const notRunning: ProtectPlan['notRunning'] = []
  for (const name of extra) {
    const matches = processes.filter((p) => !p.isKernelThread && matchesName(p, name) && !seen.has(p.pid))
    // The topmost process of that name: not one whose parent has the same name (workers, sessions).
    const daemons = matches.filter((p) => {
      const parent = byPid.get(p.ppid)
      return !(parent && matchesName(parent, name))
    })
    if (daemons.length === 0 && !matchedByService.has(name) && !processes.some((p) => seen.has(p.pid) && matchesName(p, name))) {
      notRunning.push({service: name, why: `no running process named ${name} (--process): nothing to set now${inv.initSystem === 'sysvinit' ? '; the boot hook still covers it' : ''}`})
    }
    for (const p of daemons) {
      if (p.pid === 1) continue
      runtime.push(target(p, name, customPolicy(name), knob, inv, true))
      seen.add(p.pid)
    }
  }

  for (const service of EXPECTED) {
    if (servicesSeen.has(service)) continue
    if ((service === 'xenstored' || service === 'xenconsoled') && !state.xen.isDom0) continue
    if (service === 'journald' && inv.initSystem !== 'systemd') continue
    notRunning.push({service, why: `${service} is not running${service === 'cron' ? ' – whatever it would run (a watchdog job) is not running either' : ''}: nothing to protect now`})
  }

  runtime.sort((a, b) => a.pid - b.pid)
  for (const t of runtime) if (t.service === 'sshd' && t.note) warnings.push(t.note)

  // --- persistent
  const persist = planPersist(runtime, inv, byPid)

  // --- backstop
  const backstop = options.backstop ? planBackstop(state, inv) : null
  if (backstop) warnings.push(...backstop.warnings)

  const nothingToDo = runtime.every((t) => t.action === 'ok') &&
    persist.files.every((f) => f.action === 'unchanged') &&
    (backstop === null || (backstop.sysctls.every((s) => s.action === 'ok') && backstop.file.action === 'unchanged' && backstop.watchdog.commands.length === 0))

  return {
    host: {label: state.label, hostname: state.hostname, kernel: state.kernel?.text ?? null, isDom0: state.xen.isDom0, xenVersion: state.xen.info?.xenVersion?.text ?? null},
    knob,
    knobWhy,
    initSystem: inv.initSystem,
    initEvidence: inv.initEvidence,
    systemdVersion: inv.systemdVersion,
    runtime,
    leftAlone,
    notRunning,
    persist,
    backstop,
    warnings,
    nothingToDo,
  }
}

function chooseKnob(state: HostState): {knob: Knob; knobWhy: string} {
  const withScoreAdj = state.processes.some((p) => p.oomScoreAdj !== null)
  const withAdjOnly = state.processes.some((p) => p.oomScoreAdj === null && p.oomAdj !== null)
  const k = state.kernel
  if (withScoreAdj) return {knob: 'oom_score_adj', knobWhy: `${k ? `kernel ${k.text}: ` : ''}/proc/<pid>/oom_score_adj exists (kernels ≥ 2.6.36): −1000 means never chosen`}
  if (withAdjOnly || (k && !hasOomScoreAdj(k))) return {knob: 'oom_adj', knobWhy: `${k ? `kernel ${k.text}: ` : ''}no oom_score_adj (it came with 2.6.36): oom_adj, where −17 (OOM_DISABLE) means never chosen`}
  return {knob: 'oom_score_adj', knobWhy: `${k ? `kernel ${k.text}` : 'kernel unknown'}: oom_score_adj assumed (≥ 2.6.36)`}
}

function matchesName(p: ProcessInfo, name: string): boolean {
  return p.comm === name || programName(p) === name || (name.length > 15 && p.comm === name.slice(0, 15))
}

function target(p: ProcessInfo, service: string, policy: ServicePolicy, planKnob: Knob, inv: ServiceInventory, requested: boolean): RuntimeTarget {
  const knob: Knob = p.oomScoreAdj !== null ? 'oom_score_adj' : p.oomAdj !== null ? 'oom_adj' : planKnob
  const current = knob === 'oom_score_adj' ? p.oomScoreAdj : p.oomAdj
  const desired = wantedValue(policy, knob)
  const action = current === desired ? 'ok' : 'set'
  const direction = current === null ? 'lower' : desired < current ? 'lower' : desired > current ? 'raise' : 'none'
  let note: string | null = null
  if (service === 'cron' && current !== null && current < desired) {
    note = `raises it from ${current}: at ${current} every cron job inherited the exemption`
  } else if (service === 'sshd' && action === 'set') {
    note = `sshd (pid ${p.pid}) did not protect its own listener (${knob} ${current ?? 'unknown'}): OpenSSH older than 5.4p1 (RHEL5 ships 4.3p2) or built without it. Such an sshd does not reset its children either, so ssh sessions started after this change inherit ${desired} – keep heavy work out of ssh sessions on this host, or upgrade OpenSSH`
  }
  return {
    service,
    pid: p.pid,
    name: p.comm,
    command: p.cmdline.length > 0 ? p.cmdline.join(' ') : `[${p.comm}]`,
    knob,
    path: `/proc/${p.pid}/${knob}`,
    current,
    desired,
    action,
    direction,
    why: requested && policy.mode === 'opt-in' ? `${policy.why.replace(/^not by default: /, 'added with --process: ')}` : policy.why,
    children: policy.children,
    unit: inv.cgroupUnits.get(p.pid) ?? null,
    note,
    requested,
  }
}

// ---------------------------------------------------------------------------------------------
// Persistent protection

function planPersist(runtime: RuntimeTarget[], inv: ServiceInventory, byPid: Map<number, ProcessInfo>): PersistPlan {
  // Services started by a unit or init script; the reverter and qemu-dm (started by memguard and
  // the toolstack) are protected at runtime only.
  const persistable = runtime.filter((t) => policyOf(t).systemd !== null)
  const transient = runtime.filter((t) => !persistable.includes(t))
  const notes: string[] = transient.map((t) => `${t.service} (pid ${t.pid}) is transient: protected at runtime only`)
  if (persistable.length === 0) return {mechanism: 'none', files: [], commands: [], notes}
  if (inv.initSystem === 'systemd') return planSystemd(persistable, inv, notes, byPid)
  if (inv.initSystem === 'sysvinit') return planSysv(persistable, inv, notes)
  notes.push(`the init system is unknown (${inv.initEvidence}): nothing can be made persistent; rerun \`memguard protect --apply\` after every restart of these services`)
  return {mechanism: 'none', files: [], commands: [], notes}
}

function policyOf(t: RuntimeTarget): ServicePolicy {
  if (t.requested && !policyFor(t.service)) return customPolicy(t.service)
  return policyFor(t.service) ?? customPolicy(t.service)
}

interface UnitChoice {
  unit: string
  source: string
}

function unitFor(inv: ServiceInventory, t: RuntimeTarget): UnitChoice | null {
  if (t.unit) return {unit: t.unit, source: `/proc/${t.pid}/cgroup`}
  const loc = locationsFor(t.service, t.name)
  for (const u of loc.units) if (inv.unitNames.has(u)) return {unit: u, source: inv.unitFiles.get(u)?.path ?? 'unit file'}
  for (const s of loc.initScripts) {
    const script = inv.initScripts.get(s)
    if (script) return {unit: `${s}.service`, source: `generated by systemd-sysv-generator from ${script.path}`}
  }
  return null
}

function planSystemd(targets: RuntimeTarget[], inv: ServiceInventory, notes: string[], byPid: Map<number, ProcessInfo>): PersistPlan {
  if (inv.unitNames.size === 0 && inv.initScripts.size === 0 && inv.cgroupUnits.size === 0) {
    notes.push('no systemd unit file or init script is visible (a snapshot taken before memguard captured them?): no drop-in can be planned, so everything above is protected at runtime only')
    return {mechanism: 'systemd-drop-ins', files: [], commands: [], notes}
  }
  const byUnit = new Map<string, {choice: UnitChoice; targets: RuntimeTarget[]}>()
  for (const t of targets) {
    const choice = unitFor(inv, t)
    if (!choice) {
      notes.push(`no systemd unit found for ${t.service} (pid ${t.pid}, ${t.name}): protected at runtime only; looked for ${locationsFor(t.service, t.name).units.join(', ')}`)
      continue
    }
    if (choice.unit.endsWith('.scope') || !choice.unit.endsWith('.service')) continue
    const entry = byUnit.get(choice.unit)
    if (entry) entry.targets.push(t)
    else byUnit.set(choice.unit, {choice, targets: [t]})
  }
  const oomPolicy = inv.systemdVersion === null || inv.systemdVersion >= SYSTEMD_OOM_POLICY_VERSION
  if (!oomPolicy) notes.push(`systemd ${inv.systemdVersion} has no OOMPolicy= (it came with ${SYSTEMD_OOM_POLICY_VERSION}): the drop-ins set OOMScoreAdjust= only. Older systemd does not stop a unit when the kernel OOM-kills one of its processes, so nothing is lost`)

  const files: FileChange[] = []
  for (const [unit, {choice, targets: ts}] of [...byUnit].sort((a, b) => a[0].localeCompare(b[0]))) {
    const path = dropInPath(unit)
    const before = inv.files.get(path) ?? null
    const unitText = inv.unitFiles.get(unit)?.text ?? null
    const services = [...new Set(ts.map((t) => t.service))]
    const lines: string[] = [
      `# Written by \`memguard protect --persist\`: keep the OOM killer off ${services.join(', ')} (${unit}).`,
      // Nothing volatile (pids) goes into the file: a restart must not make the next run rewrite it.
      `# Unit found from ${choice.source.startsWith('/proc/') ? 'the cgroup the process runs in' : choice.source}. To undo: delete this file, then \`systemctl daemon-reload\`.`,
    ]
    // OOMScoreAdjust= applies to every process the unit starts, from its next start.
    const adjTargets = ts.filter((t) => {
      const policy = policyOf(t)
      if (t.service !== 'sshd') return policy.systemd?.oomScoreAdjust ?? true
      // sshd saves the value it finds at start-up and restores it into every session, so the unit
      // must not set it – unless this sshd does not protect itself (then it resets nothing either),
      // or an earlier run decided so (the listener is protected now, by us).
      return t.action === 'set' || lastDirective(before, 'OOMScoreAdjust') !== null
    })
    const scoreAdj = adjTargets.length ? Math.min(...adjTargets.map((t) => policyOf(t).scoreAdj)) : null
    for (const s of services) {
      const t = ts.find((x) => x.service === s) as RuntimeTarget
      lines.push('#', `# ${s}: ${policyOf(t).why}.`, `# Children: ${policyOf(t).children}.`)
    }
    const others = processesInUnit(inv, unit, byPid).filter((p) => !ts.some((t) => t.pid === p.pid))
    lines.push('#')
    if (scoreAdj !== null) {
      lines.push('# OOMScoreAdjust= is given to every process this unit starts, at its next start (memguard sets the running ones directly).')
      // Which other processes run in the unit changes from minute to minute (cron jobs): said in
      // the plan, never written into the file, or every run would find the file out of date.
      if (others.length) notes.push(`${unit} also runs ${[...new Set(others.map((p) => p.comm))].sort().join(', ')} now: OOMScoreAdjust=${scoreAdj} reaches them too when the unit starts them again`)
    } else {
      lines.push('# No OOMScoreAdjust= on purpose: sshd would save it and restore it into every ssh session. The listener protects itself (OpenSSH >= 5.4p1).')
    }
    if (oomPolicy) lines.push('# OOMPolicy=continue: when the kernel OOM-kills one process of this unit (a cron job, an ssh session), systemd\'s default (DefaultOOMPolicy=stop) would stop the whole unit.')
    const restart = ts.some((t) => policyOf(t).systemd?.restartOnFailure) && unitText !== null && (lastDirective(unitText, 'Restart') ?? 'no') === 'no'
    if (restart) lines.push('# Restart=on-failure: if the kernel kills the daemon itself anyway, systemd starts it again (the unit had no Restart=).')
    lines.push('[Service]')
    if (scoreAdj !== null) lines.push(`OOMScoreAdjust=${scoreAdj}`)
    if (oomPolicy) lines.push('OOMPolicy=continue')
    if (restart) lines.push('Restart=on-failure')
    const vendorAdj = lastDirective(unitText, 'OOMScoreAdjust')
    if (services.includes('sshd') && vendorAdj !== null && Number(vendorAdj) <= OOM_SCORE_ADJ_MIN && scoreAdj === null) {
      notes.push(`${choice.source} sets OOMScoreAdjust=${vendorAdj} for sshd: sshd restores it into every session, so every ssh login is unkillable. memguard does not override the vendor unit; consider an OOMScoreAdjust=0 drop-in`)
    }
    if (scoreAdj === null && !oomPolicy) continue
    const after = `${lines.join('\n')}\n`
    // Same directives, other comments (an older memguard, or the unit found another way: doctor
    // reads no cgroups): already persistent, left as it is.
    const settled = before !== null && sameDirectives(before, after)
    files.push(fileChange(path, 'systemd-drop-in', `systemd drop-in for ${unit}`, before, settled ? before : after, 0o644, inv.files.has(path)))
  }

  const commands: PlannedCommand[] = []
  if (files.some((f) => f.action !== 'unchanged')) {
    commands.push({argv: ['systemctl', 'daemon-reload'], why: 'systemd reads drop-ins on daemon-reload: OOMPolicy= then applies at once, OOMScoreAdjust= at each unit\'s next start (no service is restarted)', runsWith: '--apply --persist'})
  }
  return {mechanism: 'systemd-drop-ins', files, commands, notes}
}

/** The processes systemd runs in `unit`, from cgroups (live hosts only). */
function processesInUnit(inv: ServiceInventory, unit: string, byPid: Map<number, ProcessInfo>): ProcessInfo[] {
  const out: ProcessInfo[] = []
  for (const [pid, u] of inv.cgroupUnits) if (u === unit && byPid.has(pid)) out.push(byPid.get(pid) as ProcessInfo)
  return out
}

/** Interpreters: a hook matching these names would catch every script of that language. */
const GENERIC_NAMES = new Set(['python', 'python2', 'python3', 'perl', 'ruby', 'java', 'node', 'sh', 'bash', 'dash', 'php'])

function planSysv(allTargets: RuntimeTarget[], inv: ServiceInventory, notes: string[]): PersistPlan {
  const entries = new Map<string, HookEntry>()
  const targets = allTargets.filter((t) => {
    if (!GENERIC_NAMES.has(t.name)) return true
    notes.push(`${t.service} (pid ${t.pid}) runs as ${t.name}: the boot hook matches processes by name and would catch every ${t.name} program, so it is protected at runtime only`)
    return false
  })
  for (const t of targets) {
    const policy = policyOf(t)
    const short = t.service === 'sshd' ? 'the listener only (its sessions are children named sshd)' : t.service === 'cron' ? 'a handicap: every job inherits it' : policy.mode === 'protect' && policyFor(t.service) ? 'never chosen' : 'never chosen (--process)'
    const existing = entries.get(t.name)
    if (!existing || policy.scoreAdj < existing.scoreAdj) entries.set(t.name, {name: t.name, scoreAdj: policy.scoreAdj, oomAdj: policy.oomAdj, why: `${t.service}: ${short}`})
  }
  const files: FileChange[] = []
  files.push(fileChange(HOOK_SCRIPT_PATH, 'hook-script', 're-applies the values after a start and at boot', inv.files.get(HOOK_SCRIPT_PATH) ?? null, buildHookScript([...entries.values()]), 0o755, inv.files.has(HOOK_SCRIPT_PATH)))

  // Per init script: the defaults file it sources gets a block naming its daemons.
  const byDefaults = new Map<string, {script: InitScript; names: Set<string>}>()
  const unhooked = new Map<string, Set<string>>()
  for (const t of targets) {
    const loc = locationsFor(t.service, t.name)
    const script = loc.initScripts.map((s) => inv.initScripts.get(s)).find((s) => s !== undefined)
    if (!script) {
      notes.push(`no init script found for ${t.service} (${t.name}; looked for ${loc.initScripts.map((s) => `/etc/init.d/${s}`).join(', ')}): rc.local re-applies its value at boot; after a manual restart run /etc/memguard/oom-protect.sh ${t.name}`)
      continue
    }
    const defaults = sourcedDefaultsFile(script.text)
    if (!defaults) {
      const names = unhooked.get(script.path)
      if (names) names.add(t.name)
      else unhooked.set(script.path, new Set([t.name]))
      continue
    }
    const entry = byDefaults.get(defaults)
    if (entry) entry.names.add(t.name)
    else byDefaults.set(defaults, {script, names: new Set([t.name])})
  }
  for (const [script, names] of unhooked) {
    const list = [...names].sort().join(' ')
    notes.push(`${script} sources no /etc/sysconfig or /etc/default file: rc.local re-applies ${list} at boot; after \`${script} restart\` run ${HOOK_SCRIPT_PATH} ${list}`)
  }
  for (const [path, {script, names}] of [...byDefaults].sort((a, b) => a[0].localeCompare(b[0]))) {
    const before = inv.files.get(path) ?? null
    files.push(fileChange(path, 'defaults-hook', `sourced by ${script.path}: re-applies after every start/restart`, before, upsertBlock(before, defaultsFileBlock(script.path, [...names])), 0o644, inv.files.has(path)))
  }

  const rcPath = rcLocalPath(inv)
  const rcBefore = inv.files.get(rcPath) ?? null
  files.push(fileChange(rcPath, 'rc-local', 'at the end of every boot', rcBefore, upsertBlock(rcBefore, rcLocalBlock(), {shebang: true}), 0o755, inv.files.has(rcPath)))
  if (rcBefore === null) notes.push(`${rcPath} does not exist yet: memguard creates it executable; on Debian rc.local runs only when it is executable, on RHEL /etc/rc.local must link to it`)
  return {mechanism: 'sysvinit-hook', files, commands: [], notes}
}

function rcLocalPath(inv: ServiceInventory): string {
  if ((inv.files.get('/etc/rc.d/rc.local') ?? null) !== null) return '/etc/rc.d/rc.local'
  if ((inv.files.get('/etc/rc.local') ?? null) !== null) return '/etc/rc.local'
  const rhel = inv.dirs.get('/etc/rc.d') || [...inv.initScripts.values()].some((s) => s.path.startsWith('/etc/rc.d/'))
  return rhel ? '/etc/rc.d/rc.local' : '/etc/rc.local'
}

// ---------------------------------------------------------------------------------------------
// Backstop

function planBackstop(state: HostState, inv: ServiceInventory): BackstopPlan {
  const warnings: string[] = []
  const panicOnOom = state.sysctls?.panicOnOom ?? null
  const kernelPanic = state.sysctls?.kernelPanicSeconds ?? null
  const desiredPanic = kernelPanic !== null && kernelPanic !== 0 ? kernelPanic : DEFAULT_KERNEL_PANIC_SECONDS
  const desiredPanicOnOom = panicOnOom !== null && panicOnOom >= 1 ? panicOnOom : 1
  const sysctls: SysctlChange[] = [
    {name: 'vm.panic_on_oom', path: SYSCTL_PATHS.panicOnOom, current: panicOnOom, desired: desiredPanicOnOom, action: panicOnOom === desiredPanicOnOom ? 'ok' : 'set'},
    {name: 'kernel.panic', path: SYSCTL_PATHS.kernelPanic, current: kernelPanic, desired: desiredPanic, action: kernelPanic === desiredPanic ? 'ok' : 'set'},
  ]

  const body = [
    '# vm.panic_on_oom=1: when memory runs out the kernel panics instead of choosing a victim',
    '# (OOMs confined to a memory cgroup, cpuset or mempolicy still kill); kernel.panic=N: N seconds',
    '# after a panic the machine reboots. On a Xen dom0 that reboots the whole host and destroys every',
    '# guest on it without a clean shutdown. See `memguard protect --backstop`. Delete this to undo.',
    `vm.panic_on_oom = ${desiredPanicOnOom}`,
    `kernel.panic = ${desiredPanic}`,
  ]
  const useDropIn = inv.dirs.get(SYSCTL_D) !== null && inv.dirs.get(SYSCTL_D) !== undefined ? true : inv.initSystem === 'systemd'
  let file: FileChange
  if (useDropIn) {
    const before = inv.files.get(BACKSTOP_SYSCTL_FILE) ?? null
    file = fileChange(BACKSTOP_SYSCTL_FILE, 'sysctl', 'the backstop at every boot (sysctl.d)', before, `# Written by \`memguard protect --apply --backstop\`: reboot instead of a brick.\n${body.join('\n')}\n`, 0o644, inv.files.has(BACKSTOP_SYSCTL_FILE))
  } else {
    const before = inv.files.get(SYSCTL_CONF) ?? null
    const block = [`${BACKSTOP_BEGIN} (written by \`memguard protect --apply --backstop\`: reboot instead of a brick)`, ...body, BACKSTOP_END].join('\n')
    file = fileChange(SYSCTL_CONF, 'sysctl', `the backstop at every boot (no ${SYSCTL_D} on this host: a marked block in ${SYSCTL_CONF})`, before, upsertBlock(before, block, {begin: BACKSTOP_BEGIN, end: BACKSTOP_END}), 0o644, inv.files.has(SYSCTL_CONF))
  }
  if (useDropIn) {
    // /etc/sysctl.conf is applied after sysctl.d on most systems: a value there wins.
    const conf = sysctlSettings(inv.files.get(SYSCTL_CONF) ?? null)
    for (const name of ['vm.panic_on_oom', 'kernel.panic']) {
      const v = conf.get(name)
      if (v !== undefined && Number(v) !== (name === 'kernel.panic' ? desiredPanic : desiredPanicOnOom)) warnings.push(`${SYSCTL_CONF} sets ${name} = ${v}; it is applied after ${SYSCTL_D} on most systems and would undo the backstop at boot – remove that line`)
    }
  }

  const watchdog = planWatchdog(state, inv)
  const explanation = [
    `vm.panic_on_oom=${desiredPanicOnOom} + kernel.panic=${desiredPanic}: when dom0 runs out of memory its kernel panics instead of choosing a victim, and ${desiredPanic < 0 ? 'reboots at once' : `reboots ${desiredPanic} s later`}. Available on every kernel memguard meets, 2.6.18 included; it does not depend on cron, sshd or any daemon.`,
    'The cost: a dom0 reboot is a reboot of the whole Xen host. Every guest on it is destroyed without a clean shutdown (unsaved work is lost, filesystems are recovered at their next boot) and comes back only if it is set to start at boot (/etc/xen/auto, xendomains). Every OOM now reboots the host – even one the OOM killer would have settled by killing a runaway process – and with panic_on_oom on, the per-process protection above only matters for OOMs inside a memory cgroup.',
    'What it buys: no brick. In the incident the host answered ping and nothing else until someone drove to the data centre; with the backstop it would have rebooted by itself within a minute or two.',
    `xenwatchdogd (Xen ≥ 4.1): arms the hypervisor's watchdog and pets it (upstream unit: every 15 s, 30 s timeout). If dom0 stalls that long – thrashing, a hung kernel – or the daemon is killed, Xen reboots the host: the same cost, for a stall instead of an OOM, and it also catches the thrashing that never quite reaches the OOM killer. memguard leaves xenwatchdogd killable on purpose: its death is the reboot trigger. ${watchdog.text}`,
  ]
  return {explanation, sysctls, file, watchdog, warnings}
}

function planWatchdog(state: HostState, inv: ServiceInventory): BackstopPlan['watchdog'] {
  const none = {pid: null, commands: []}
  if (!state.xen.isDom0) return {...none, status: 'not-dom0', text: 'This is not a Xen dom0: no xenwatchdogd.'}
  const v = state.xen.info?.xenVersion
  if (v && (v.major < 4 || (v.major === 4 && v.minor < 1))) {
    return {...none, status: 'unavailable', text: `Not available here: xenwatchdogd came with Xen 4.1 and this host runs Xen ${v.text}; panic_on_oom is its only backstop.`}
  }
  const running = state.processes.find((p) => p.comm === 'xenwatchdogd' || programName(p) === 'xenwatchdogd')
  if (running) return {status: 'running', text: `Already running (pid ${running.pid}${running.cmdline.length > 1 ? `: ${running.cmdline.join(' ')}` : ''}).`, pid: running.pid, commands: []}
  if (inv.initSystem === 'systemd' && inv.unitNames.has('xen-watchdog.service')) {
    return {status: 'available', text: 'Installed (xen-watchdog.service) but not running: --apply --backstop enables and starts it.', pid: null, commands: [{argv: ['systemctl', 'enable', '--now', 'xen-watchdog.service'], why: 'start xenwatchdogd now and at every boot', runsWith: '--apply --backstop'}]}
  }
  const script = inv.initScripts.get('xen-watchdog')
  if (inv.initSystem !== 'systemd' && script) {
    return {status: 'available', text: `Installed (${script.path}) but not running: --apply --backstop starts it; enable it at boot with \`chkconfig xen-watchdog on\` (RHEL) or \`update-rc.d xen-watchdog defaults\` (Debian).`, pid: null, commands: [{argv: [script.path, 'start'], why: 'start xenwatchdogd now', runsWith: '--apply --backstop'}]}
  }
  if (inv.xenwatchdogdPath) {
    return {status: 'binary-only', text: `${inv.xenwatchdogdPath} is installed but no unit or init script starts it (Debian ships none): run it from a unit like upstream's xen-watchdog.service (ExecStart=${inv.xenwatchdogdPath} 30 15, Type=forking, KillSignal=USR1 so a clean stop disarms it). memguard does not create one.`, pid: null, commands: []}
  }
  if (inv.xenwatchdogdPath === undefined) return {...none, status: 'unknown', text: 'Whether xenwatchdogd is installed is not known from this snapshot.'}
  return {...none, status: 'unavailable', text: 'xenwatchdogd is not installed (no binary, unit or init script found).'}
}

// ---------------------------------------------------------------------------------------------

/** The non-comment, non-blank lines of a systemd file, trimmed: what systemd acts on. */
function directiveLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'))
    .join('\n')
}

function sameDirectives(a: string, b: string): boolean {
  return directiveLines(a) === directiveLines(b)
}

function fileChange(path: string, kind: FileKind, purpose: string, before: string | null, after: string, mode: number, beforeKnown: boolean): FileChange {
  const action = before === null ? 'create' : before === after ? 'unchanged' : 'update'
  return {path, kind, purpose, action, before, after, mode, diff: action === 'unchanged' ? '' : unifiedDiff(path, before, after), beforeKnown}
}


export {BACKSTOP_SYSCTL_FILE, dropInPath}
