import type {CommandResult, Gathered} from '../host/host.js'
import {MemguardError} from '../lib/errors.js'
import {parseKernelRelease, type KernelVersion} from '../linux/kernel-version.js'
import {MEMINFO_PATH, parseMeminfo, type Meminfo} from '../linux/meminfo.js'
import {parseProcesses, type ProcessInfo} from '../linux/processes.js'
import {scanOomLog, type OomLogScan} from '../linux/oom-log.js'
import {parseSwaps, SWAPS_PATH, type Swaps} from '../linux/swaps.js'
import {parseSysctls, type Sysctls} from '../linux/sysctl.js'
import {parseUptimeSeconds, UPTIME_PATH} from '../linux/uptime.js'
import {findRollbacks, parseRollbackState, ROLLBACK_STATE_PATH, uncheckedRollbacks, type RollbackFinding, type RollbackState} from '../ops/rollback.js'
import {BALLOON_SYSFS_PATHS, parseBalloonSysfs, parseProcXenBalloon, PROC_XEN_BALLOON, type BalloonState} from '../xen/balloon.js'
import {judgeDom0Mem, type Dom0MemJudgement} from '../xen/dom0-mem.js'
import {detectToolstack, PROC_XEN_CAPABILITIES, XEN_COMMANDS, type ToolstackDetection} from '../xen/toolstack.js'
import {parseXenDmesg} from '../xen/xen-dmesg.js'
import type {XlInfo} from '../xen/xl-info.js'
import {findDomainConfig, parseXlListLong, UNLIMITED_MAX_KIB, type DomainMemoryConfig} from '../xen/xl-list-long.js'
import {findDomain, parseXlList, type XlListDomain} from '../xen/xl-list.js'
import {XENSTORE_DOM0_MEMORY_COMMAND} from './plan.js'

/**
 * One host, read once and parsed: the input of every policy and renderer. Building it never throws
 * for odd host data: a file or output that cannot be read is recorded in `readProblems` with its
 * location, and the rest of the picture is still built.
 */
export interface HostState {
  label: string
  hostname: string | null
  kernel: KernelVersion | null
  meminfo: Meminfo | null
  swaps: Swaps | null
  sysctls: Sysctls | null
  uptimeSeconds: number | null
  processes: ProcessInfo[]
  xen: XenState
  /** OOM events in the kernel log (dmesg), when it could be read. */
  oomLog: OomLogScan | null
  pendingRollback: RollbackState | null
  /**
   * Every rollback state found (pending, then one being or left half restored), judged by whether
   * its reverter still runs. buildHostState cannot ask (condition `unknown`); checkRollbacks
   * (src/ops/rollback.ts) does, with one probe per state.
   */
  rollbacks: RollbackFinding[]
  readProblems: string[]
}

export interface CommandLineSource {
  text: string
  /** Where it came from: `xl info` xen_commandline, or the `Command line:` of xl/xm dmesg. */
  source: 'xl info' | 'xm info' | 'xl dmesg' | 'xm dmesg'
}

export interface Dom0Memory {
  /** What dom0 holds now (balloon current, else `xl list` Mem). */
  allocationKiB: number
  allocationSource: string
  /** What the balloon is asked to reach. */
  targetKiB: number | null
  targetSource: string | null
  /** The most dom0 may hold (static-max): `xl mem-set` above it fails. null: unlimited/unknown. */
  staticMaxKiB: number | null
  staticMaxSource: string | null
}

export interface XenState {
  detection: ToolstackDetection
  toolstack: 'xl' | 'xm' | null
  isDom0: boolean
  info: XlInfo | null
  domains: XlListDomain[] | null
  domainConfigs: DomainMemoryConfig[] | null
  balloon: BalloonState | null
  commandLine: CommandLineSource | null
  dom0Mem: Dom0MemJudgement | null
  dom0: Dom0Memory | null
}

export function buildHostState(gathered: Gathered, label: string): HostState {
  const readProblems: string[] = []
  const file = (path: string) => gathered.files.get(path) ?? null
  const attempt = <T>(what: string, fn: () => T): T | null => {
    try {
      return fn()
    } catch (error) {
      if (error instanceof MemguardError) readProblems.push(`${what}: ${error.located}`)
      else readProblems.push(`${what}: ${(error as Error).message}`)
      return null
    }
  }
  const fromFile = <T>(path: string, parse: (text: string) => T): T | null => {
    const text = file(path)
    return text === null ? null : attempt(path, () => parse(text))
  }

  const sysctls = attempt('sysctls', () => parseSysctls(gathered.files))
  const meminfo = fromFile(MEMINFO_PATH, (t) => parseMeminfo(t, {minFreeKiB: sysctls?.minFreeKiB ?? null}))
  if (file(MEMINFO_PATH) === null) readProblems.push(`${MEMINFO_PATH} could not be read: memguard cannot judge memory use without it`)
  const kernel = fromFile('/proc/sys/kernel/osrelease', (t) => parseKernelRelease(t))
  const processTable = gathered.processes ? attempt('process table', () => parseProcesses(gathered.processes ?? [])) : null

  const xen = buildXenState(gathered, readProblems, attempt)
  const dmesg = gathered.commands.get('dmesg')

  return {
    label,
    hostname: file('/proc/sys/kernel/hostname')?.trim() || xen.info?.host || null,
    kernel,
    meminfo,
    swaps: fromFile(SWAPS_PATH, (t) => parseSwaps(t)),
    sysctls,
    uptimeSeconds: fromFile(UPTIME_PATH, (t) => parseUptimeSeconds(t)),
    processes: processTable?.processes ?? [],
    xen,
    oomLog: dmesg && dmesg.exitCode === 0 ? scanOomLog(dmesg.stdout) : null,
    pendingRollback: parseRollbackState(file(ROLLBACK_STATE_PATH)),
    rollbacks: uncheckedRollbacks(findRollbacks(file), Date.now()),
    readProblems,
  }
}

type Attempt = <T>(what: string, fn: () => T) => T | null

function buildXenState(gathered: Gathered, readProblems: string[], attempt: Attempt): XenState {
  const file = (path: string) => gathered.files.get(path) ?? null
  const command = (spec: {id: string; argv: readonly string[]}): CommandResult | undefined =>
    gathered.commands.get(spec.id) ?? [...gathered.commands.values()].find((r) => r.argv.join(' ') === spec.argv.join(' '))

  const detection = detectToolstack({xlInfo: command(XEN_COMMANDS.xlInfo), xmInfo: command(XEN_COMMANDS.xmInfo), capabilities: file(PROC_XEN_CAPABILITIES)})
  const toolstack = detection.toolstack
  const info = detection.info
  const ok = (r: CommandResult | undefined): r is CommandResult => r !== undefined && r.exitCode === 0

  const listResult = toolstack ? command(toolstack === 'xl' ? XEN_COMMANDS.xlList : XEN_COMMANDS.xmList) : undefined
  const domains = ok(listResult) ? attempt(`${toolstack} list`, () => parseXlList(listResult.stdout, {file: `${toolstack} list`}).domains) : null
  const longResult = toolstack ? command(toolstack === 'xl' ? XEN_COMMANDS.xlListLong : XEN_COMMANDS.xmListLong) : undefined
  const domainConfigs = ok(longResult) ? attempt(`${toolstack} list -l`, () => parseXlListLong(longResult.stdout, {file: `${toolstack} list -l`})) : null

  const balloon = readBalloon(file, attempt)

  // The hypervisor command line: xl info has it since Xen 3.4; on 3.1 only the boot log does.
  let commandLine: CommandLineSource | null = null
  if (info?.xenCommandline !== undefined) commandLine = {text: info.xenCommandline, source: toolstack === 'xm' ? 'xm info' : 'xl info'}
  else if (toolstack) {
    const dmesgResult = command(toolstack === 'xl' ? XEN_COMMANDS.xlDmesg : XEN_COMMANDS.xmDmesg)
    const boot = ok(dmesgResult) ? attempt(`${toolstack} dmesg`, () => parseXenDmesg(dmesgResult.stdout, {file: `${toolstack} dmesg`})) : null
    if (boot?.commandLine) commandLine = {text: boot.commandLine, source: toolstack === 'xl' ? 'xl dmesg' : 'xm dmesg'}
    else readProblems.push(`the Xen command line is not in \`${toolstack} info\` and no longer in the \`${toolstack} dmesg\` ring buffer: dom0_mem cannot be judged from the running hypervisor`)
  }
  const hostMemoryKiB = info ? info.totalMemoryMiB * 1024 : undefined
  const dom0Mem = commandLine ? attempt('dom0_mem', () => judgeDom0Mem(commandLine.text, {xenVersion: info?.xenVersion?.text, hostMemoryKiB})) : null

  const dom0 = readDom0Memory({balloon, domains, domainConfigs, dom0Mem, xenstore: command(XENSTORE_DOM0_MEMORY_COMMAND)})
  return {detection, toolstack, isDom0: detection.isDom0, info, domains, domainConfigs, balloon, commandLine, dom0Mem, dom0}
}

function readBalloon(file: (path: string) => string | null, attempt: Attempt): BalloonState | null {
  const targetKb = file(BALLOON_SYSFS_PATHS.targetKb)
  const currentKb = file(BALLOON_SYSFS_PATHS.currentKb)
  if (targetKb !== null && currentKb !== null) {
    return attempt('balloon (sysfs)', () => parseBalloonSysfs({targetKb, currentKb, lowKb: file(BALLOON_SYSFS_PATHS.lowKb), highKb: file(BALLOON_SYSFS_PATHS.highKb)}))
  }
  const proc = file(PROC_XEN_BALLOON)
  return proc === null ? null : attempt(PROC_XEN_BALLOON, () => parseProcXenBalloon(proc))
}

interface Dom0Inputs {
  balloon: BalloonState | null
  domains: XlListDomain[] | null
  domainConfigs: DomainMemoryConfig[] | null
  dom0Mem: Dom0MemJudgement | null
  xenstore: CommandResult | undefined
}

/** dom0's allocation, target and static-max, each from the most direct source available. */
export function readDom0Memory({balloon, domains, domainConfigs, dom0Mem, xenstore}: Dom0Inputs): Dom0Memory | null {
  const listed = domains ? findDomain(domains, 0) : undefined
  const config = domainConfigs ? findDomainConfig(domainConfigs, 0) : undefined
  const [xsTarget, xsStaticMax] = xenstore?.exitCode === 0 ? xenstore.stdout.split('\n').map((l) => Number(l.trim())) : []
  const validKiB = (n: number | undefined): n is number => n !== undefined && Number.isSafeInteger(n) && n > 0

  let allocationKiB: number
  let allocationSource: string
  if (balloon) {
    allocationKiB = balloon.currentKiB
    allocationSource = balloon.source === 'sysfs' ? 'balloon info/current_kb' : '/proc/xen/balloon Current allocation'
  } else if (listed) {
    allocationKiB = listed.memMiB * 1024
    allocationSource = 'xl list Mem'
  } else return null

  let targetKiB: number | null = null
  let targetSource: string | null = null
  if (balloon) [targetKiB, targetSource] = [balloon.targetKiB, balloon.source === 'sysfs' ? 'balloon target_kb' : '/proc/xen/balloon Requested target']
  else if (config?.targetKiB) [targetKiB, targetSource] = [config.targetKiB, 'list -l target']
  else if (validKiB(xsTarget)) [targetKiB, targetSource] = [xsTarget, 'xenstore memory/target']

  let staticMaxKiB: number | null = null
  let staticMaxSource: string | null = null
  if (config?.maxMemKiB && !config.maxMemUnlimited) [staticMaxKiB, staticMaxSource] = [config.maxMemKiB, 'list -l max_memkb']
  // xend writes 16777215 MiB (~16 TiB) for "no limit"; that is not a maximum worth reporting.
  else if (validKiB(xsStaticMax) && xsStaticMax < UNLIMITED_MAX_KIB) [staticMaxKiB, staticMaxSource] = [xsStaticMax, 'xenstore memory/static-max']
  else if (dom0Mem?.maxKiB !== undefined) [staticMaxKiB, staticMaxSource] = [dom0Mem.maxKiB, 'dom0_mem max:']

  return {allocationKiB, allocationSource, targetKiB, targetSource, staticMaxKiB, staticMaxSource}
}

/**
 * Who a gathered host is, without parsing the rest: its hostname and working toolstack. What
 * `snapshot` writes into its manifest.
 */
export function hostIdentity(gathered: Gathered): {hostname: string; toolstack: 'xl' | 'xm' | null} {
  const detection = detectToolstack({
    xlInfo: gathered.commands.get(XEN_COMMANDS.xlInfo.id),
    xmInfo: gathered.commands.get(XEN_COMMANDS.xmInfo.id),
    capabilities: gathered.files.get(PROC_XEN_CAPABILITIES) ?? null,
  })
  const hostname = gathered.files.get('/proc/sys/kernel/hostname')?.trim() || detection.info?.host || 'unknown'
  return {hostname, toolstack: detection.toolstack}
}
