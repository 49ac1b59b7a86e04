import type {Gathered} from '../host/host.js'
import type {ProcessInfo} from './processes.js'

/**
 * How services are started on a host – systemd units or SysV init scripts – and where memguard finds
 * them. Pure: everything comes from gathered files, directory listings and command output.
 *
 * Used by `memguard protect --persist` to decide where OOM protection must live so that it survives
 * a service restart: a systemd drop-in (`/etc/systemd/system/<unit>.d/…`), or on SysV hosts
 * (RHEL5/6 style) a hook in the defaults file the init script sources (`/etc/sysconfig/<name>`,
 * `/etc/default/<name>`) plus rc.local.
 *
 * Sources: systemd.unit(5) "unit file load path" (/etc/systemd/system, /run/systemd/system,
 * /usr/lib/systemd/system; /lib/systemd/system on Debian before usrmerge); sd_booted(3) (a system
 * booted with systemd has the directory /run/systemd/system); systemd-sysv-generator(8) (an init
 * script /etc/init.d/NAME without a native unit becomes NAME.service, which takes drop-ins).
 */

/** The unit load path, highest precedence first. */
export const SYSTEMD_UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'] as const
/** Exists only when the running system was booted with systemd (sd_booted(3)). */
export const SYSTEMD_RUNTIME_DIR = '/run/systemd/system'
export const INIT_SCRIPT_DIRS = ['/etc/init.d', '/etc/rc.d/init.d'] as const
/** Defaults files an init script sources: RHEL/SUSE, Debian. */
export const DEFAULTS_DIRS = ['/etc/sysconfig', '/etc/default'] as const
/** rc.local: RHEL keeps the real file in /etc/rc.d (/etc/rc.local is a symlink to it); Debian in /etc. */
export const RC_LOCAL_PATHS = ['/etc/rc.d/rc.local', '/etc/rc.local'] as const

/** memguard's drop-in in a unit's directory (systemd.unit(5): `<unit>.d/*.conf`, read in name order). */
export const DROP_IN_NAME = '50-memguard-oom.conf'

export function dropInPath(unit: string): string {
  return `/etc/systemd/system/${unit}.d/${DROP_IN_NAME}`
}

export const SYSTEMCTL_VERSION_COMMAND = {id: 'systemctl-version', argv: ['systemctl', '--version'] as [string, ...string[]], timeoutMs: 10_000}

/**
 * Where each service memguard knows may be started from. Native unit names per distribution
 * (Debian/Ubuntu `ssh.service` and `cron.service`; RHEL/Fedora/SUSE `sshd.service` and
 * `crond.service`; Arch `cronie.service`; upstream Xen `xenstored.service`/`xenconsoled.service`/
 * `xen-watchdog.service`) and SysV script names (RHEL `sshd`, `crond`, `xend` (Xen 3.x starts
 * xenstored and xenconsoled), `xencommons` (Xen ≥ 4.1); Debian `ssh`, `cron`, `xen` – Debian 12
 * still starts oxenstored and xenconsoled from /etc/init.d/xen, as the xenlab shows).
 */
export const SERVICE_LOCATIONS: Readonly<Record<string, {units: readonly string[]; initScripts: readonly string[]}>> = {
  sshd: {units: ['ssh.service', 'sshd.service'], initScripts: ['sshd', 'ssh']},
  cron: {units: ['cron.service', 'crond.service', 'cronie.service'], initScripts: ['crond', 'cron']},
  xenstored: {units: ['xenstored.service', 'oxenstored.service'], initScripts: ['xencommons', 'xen', 'xend', 'xenstored']},
  xenconsoled: {units: ['xenconsoled.service'], initScripts: ['xencommons', 'xen', 'xend', 'xenconsoled']},
  journald: {units: ['systemd-journald.service'], initScripts: []},
  xenwatchdogd: {units: ['xen-watchdog.service'], initScripts: ['xen-watchdog']},
}

/** Where a service named by the user (`--process NAME`) may be started from. */
export function locationsFor(service: string, processName?: string): {units: string[]; initScripts: string[]} {
  const known = SERVICE_LOCATIONS[service]
  if (known) return {units: [...known.units], initScripts: [...known.initScripts]}
  const name = processName ?? service
  return {units: [`${name}.service`], initScripts: [name]}
}

/** Every unit file memguard may need to read, in every directory of the load path. */
export function candidateUnitFiles(): string[] {
  const units = new Set<string>()
  for (const loc of Object.values(SERVICE_LOCATIONS)) loc.units.forEach((u) => units.add(u))
  return [...units].flatMap((u) => SYSTEMD_UNIT_DIRS.filter((d) => d !== SYSTEMD_RUNTIME_DIR).map((d) => `${d}/${u}`))
}

/** Units that may carry memguard's drop-in: native ones and the ones generated from init scripts. */
export function candidateDropInUnits(): string[] {
  const units = new Set<string>()
  for (const loc of Object.values(SERVICE_LOCATIONS)) {
    loc.units.forEach((u) => units.add(u))
    loc.initScripts.forEach((s) => units.add(`${s}.service`))
  }
  return [...units]
}

/** Init scripts, read through /etc/init.d (on RHEL a symlink to /etc/rc.d/init.d). */
export function candidateInitScripts(): string[] {
  const names = new Set<string>()
  for (const loc of Object.values(SERVICE_LOCATIONS)) loc.initScripts.forEach((s) => names.add(s))
  return [...names].map((n) => `/etc/init.d/${n}`)
}

export function candidateDefaultsFiles(): string[] {
  const names = new Set<string>()
  for (const loc of Object.values(SERVICE_LOCATIONS)) loc.initScripts.forEach((s) => names.add(s))
  return [...names].flatMap((n) => DEFAULTS_DIRS.map((d) => `${d}/${n}`))
}

export type InitSystem = 'systemd' | 'sysvinit' | 'unknown'

export interface UnitFile {
  name: string
  path: string
  text: string | null
}

export interface InitScript {
  name: string
  path: string
  text: string
}

export interface ServiceInventory {
  initSystem: InitSystem
  /** Why memguard thinks so, for the report. */
  initEvidence: string
  /** `systemctl --version`'s number; null when unknown. */
  systemdVersion: number | null
  /** Unit names present in a directory of the load path (listings and gathered files). */
  unitNames: ReadonlySet<string>
  /** Gathered unit files by name (the highest-precedence copy). */
  unitFiles: ReadonlyMap<string, UnitFile>
  /** Init scripts by name. */
  initScripts: ReadonlyMap<string, InitScript>
  /** Every file gathered for services (drop-ins, defaults files, rc.local, sysctl files…): path → text or null. */
  files: ReadonlyMap<string, string | null>
  /** Directory listings gathered (null: missing). */
  dirs: ReadonlyMap<string, readonly string[] | null>
  /** pid → the systemd unit the process runs in, from /proc/<pid>/cgroup (live hosts only). */
  cgroupUnits: ReadonlyMap<number, string>
  /** Where a xenwatchdogd binary was found; null: looked, none; undefined: could not look (snapshot). */
  xenwatchdogdPath: string | null | undefined
}

export interface InventoryExtras {
  /** pid → text of /proc/<pid>/cgroup (null when unreadable). */
  cgroups?: ReadonlyMap<number, string | null>
  /** Listings of the directories a xenwatchdogd binary may be in. */
  binDirs?: ReadonlyMap<string, readonly string[] | null>
}

/** Assemble the service picture from a gather. Never throws. */
export function buildServiceInventory(gathered: Pick<Gathered, 'files' | 'dirs' | 'commands'>, processes: readonly ProcessInfo[], extras: InventoryExtras = {}): ServiceInventory {
  const files = gathered.files
  const dirs = gathered.dirs
  const pid1 = processes.find((p) => p.pid === 1)

  const unitNames = new Set<string>()
  const unitFiles = new Map<string, UnitFile>()
  for (const dir of SYSTEMD_UNIT_DIRS) {
    for (const entry of dirs.get(dir) ?? []) if (isUnitName(entry)) unitNames.add(entry)
  }
  // Gathered unit files, in load-path precedence (a listing may be absent on a snapshot).
  for (const dir of SYSTEMD_UNIT_DIRS) {
    for (const [path, text] of files) {
      if (text === null || !path.startsWith(`${dir}/`)) continue
      const name = path.slice(dir.length + 1)
      if (!isUnitName(name) || name.includes('/')) continue
      unitNames.add(name)
      if (!unitFiles.has(name)) unitFiles.set(name, {name, path, text})
    }
  }

  const initScripts = new Map<string, InitScript>()
  for (const dir of INIT_SCRIPT_DIRS) {
    for (const [path, text] of files) {
      if (text === null || !path.startsWith(`${dir}/`)) continue
      const name = path.slice(dir.length + 1)
      if (!initScripts.has(name)) initScripts.set(name, {name, path, text})
    }
  }

  const systemdVersion = parseSystemdVersion(gathered.commands.get(SYSTEMCTL_VERSION_COMMAND.id)?.stdout ?? '')
  let initSystem: InitSystem = 'unknown'
  let initEvidence = 'no /run/systemd/system, no init scripts found and pid 1 unknown'
  if (dirs.get(SYSTEMD_RUNTIME_DIR)) {
    initSystem = 'systemd'
    initEvidence = `${SYSTEMD_RUNTIME_DIR} exists (sd_booted)`
  } else if (pid1 && (pid1.comm === 'systemd' || (pid1.cmdline[0] ?? '').endsWith('/systemd'))) {
    initSystem = 'systemd'
    initEvidence = 'pid 1 is systemd'
  } else if (initScripts.size > 0 || INIT_SCRIPT_DIRS.some((d) => (dirs.get(d)?.length ?? 0) > 0)) {
    initSystem = 'sysvinit'
    initEvidence = `pid 1 is ${pid1 ? pid1.comm : 'not systemd'}; services start from ${INIT_SCRIPT_DIRS.find((d) => dirs.get(d)) ?? [...initScripts.values()][0]?.path.replace(/\/[^/]+$/, '') ?? '/etc/init.d'}`
  } else if (pid1 && pid1.comm === 'init') {
    initSystem = 'sysvinit'
    initEvidence = 'pid 1 is init (SysV or upstart)'
  }

  const cgroupUnits = new Map<number, string>()
  for (const [pid, text] of extras.cgroups ?? []) {
    const unit = text === null ? null : unitFromCgroup(text)
    if (unit) cgroupUnits.set(pid, unit)
  }

  let xenwatchdogdPath: string | null | undefined
  if (extras.binDirs) {
    xenwatchdogdPath = null
    for (const [dir, entries] of extras.binDirs) {
      if (entries?.includes('xenwatchdogd')) {
        xenwatchdogdPath = `${dir}/xenwatchdogd`
        break
      }
    }
  }

  return {initSystem, initEvidence, systemdVersion: initSystem === 'systemd' ? systemdVersion : null, unitNames, unitFiles, initScripts, files, dirs, cgroupUnits, xenwatchdogdPath}
}

function isUnitName(name: string): boolean {
  return /^[A-Za-z0-9:_.@\\-]+\.(service|socket|target|timer|mount|path|scope|slice)$/.test(name)
}

/** `systemd 252 (252.22-1~deb12u1)` → 252. */
export function parseSystemdVersion(stdout: string): number | null {
  const m = /^systemd (\d+)/m.exec(stdout)
  return m ? Number(m[1]) : null
}

/**
 * The systemd service a process runs in, from /proc/<pid>/cgroup: cgroup v2 `0::/system.slice/ssh.service`,
 * v1 `1:name=systemd:/system.slice/cron.service`. Only `.service` units count (a `session-3.scope` is
 * a login, not a service).
 */
export function unitFromCgroup(text: string): string | null {
  const lines = text.split('\n')
  const pick = (path: string): string | null => {
    const parts = path.split('/').filter((s) => s.length > 0)
    for (let i = parts.length - 1; i >= 0; i--) {
      const part = parts[i] as string
      if (part.endsWith('.service')) return part
    }
    return null
  }
  // Prefer the unified hierarchy, then the named systemd one.
  for (const prefix of ['0::', '1:name=systemd:']) {
    const line = lines.find((l) => l.startsWith(prefix) || (prefix === '1:name=systemd:' && /^\d+:name=systemd:/.test(l)))
    if (line) {
      const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1)
      const unit = pick(path)
      if (unit) return unit
    }
  }
  return null
}

/**
 * The directives of one section of a unit file (systemd.syntax(7)): `Key=value` lines, `#`/`;`
 * comments, backslash continuations. Later assignments are kept in order (the caller decides
 * whether the last one wins or an empty one resets).
 */
export function unitDirectives(text: string, section = 'Service'): Map<string, string[]> {
  const out = new Map<string, string[]>()
  let current = ''
  const lines = text.replace(/\\\n/g, ' ').split('\n')
  for (const raw of lines) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) {
      current = header[1] as string
      continue
    }
    if (current !== section) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    const list = out.get(key)
    if (list) list.push(value)
    else out.set(key, [value])
  }
  return out
}

/** The effective value of a directive (the last assignment), or null. */
export function lastDirective(text: string | null, key: string, section = 'Service'): string | null {
  if (text === null) return null
  const values = unitDirectives(text, section).get(key)
  return values && values.length > 0 ? (values[values.length - 1] as string) : null
}

/**
 * The defaults file an init script sources: `. /etc/sysconfig/sshd`, `[ -f /etc/sysconfig/crond ] && . /etc/sysconfig/crond`,
 * `. /etc/default/ssh`, `source /etc/default/cron`. The first sourced /etc/sysconfig or /etc/default
 * file wins; null when the script sources none (then only rc.local can re-apply protection).
 */
export function sourcedDefaultsFile(initScript: string): string | null {
  const re = /(?:^|[\s;&|({])(?:\.|source)\s+["']?(\/etc\/(?:sysconfig|default)\/[A-Za-z0-9._-]+)["']?/gm
  for (const line of initScript.split('\n')) {
    const trimmed = line.trim()
    if (trimmed.startsWith('#')) continue
    re.lastIndex = 0
    const m = re.exec(line)
    if (m) return m[1] as string
  }
  return null
}

/** Does a directory listing (or a gathered file under it) show this name? */
export function listed(inv: Pick<ServiceInventory, 'dirs' | 'files'>, dir: string, name: string): boolean {
  if (inv.dirs.get(dir)?.includes(name)) return true
  const text = inv.files.get(`${dir}/${name}`)
  return text !== undefined && text !== null
}

/**
 * Boot-time sysctl settings (sysctl.d(5): /etc/sysctl.d/*.conf, applied in lexical order, then
 * /etc/sysctl.conf on most systems). RHEL5's initscripts read only /etc/sysctl.conf.
 */
export const SYSCTL_CONF = '/etc/sysctl.conf'
export const SYSCTL_D = '/etc/sysctl.d'
/** memguard's backstop settings (`memguard protect --apply --backstop`). */
export const BACKSTOP_SYSCTL_FILE = `${SYSCTL_D}/90-memguard-oom-backstop.conf`

/** `name = value` settings of a sysctl.conf-style text (comments `#`/`;` skipped): name → last value. */
export function sysctlSettings(text: string | null): Map<string, string> {
  const out = new Map<string, string>()
  if (text === null) return out
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    out.set(line.slice(0, eq).trim().replace(/^-/, '').replace(/\//g, '.'), line.slice(eq + 1).trim())
  }
  return out
}
