import {toXlSizeArg, toXmSizeArg} from '../lib/size.js'
import * as z from 'zod/mini'
import type {CommandResult, CommandSpec, GatherPlan} from '../host/host.js'
import {ParseError} from '../lib/errors.js'
import {parseXlInfo, type XlInfo} from './xl-info.js'

/**
 * Which toolstack drives this host, decided from what `xl info` and `xm info` did, plus
 * `/proc/xen/capabilities` (`control_d` in dom0; XenLinux has it always, pvops once xenfs is
 * mounted on /proc/xen). Pure: the caller gathers, this only reads.
 *
 * xl (libxl) is the toolstack from Xen 4.1 on and the only one from 4.5 (xend removed, commit
 * 9e8672f1c3); xm talks to xend (Xen 3.x, RHEL5). On 4.1–4.4 both may be installed, and xl
 * refuses to run while xend is up ("xend is running, which may cause unpredictable results",
 * tools/libxl/xl.c @RELEASE-4.4.0).
 */

const TIMEOUT_MS = 30_000

function spec(id: string, ...argv: [string, ...string[]]): CommandSpec {
  return {id, argv, timeoutMs: TIMEOUT_MS}
}

/** The commands the src/xen readers understand. `id` is also the snapshot file name. */
export const XEN_COMMANDS = {
  xlInfo: spec('xl-info', 'xl', 'info'),
  xlList: spec('xl-list', 'xl', 'list'),
  xlListLong: spec('xl-list-long', 'xl', 'list', '-l'),
  xlDmesg: spec('xl-dmesg', 'xl', 'dmesg'),
  xmInfo: spec('xm-info', 'xm', 'info'),
  xmList: spec('xm-list', 'xm', 'list'),
  xmListLong: spec('xm-list-long', 'xm', 'list', '--long'),
  xmDmesg: spec('xm-dmesg', 'xm', 'dmesg'),
} as const satisfies Record<string, CommandSpec>

export const PROC_XEN_CAPABILITIES = '/proc/xen/capabilities'

/** What detectToolstack needs, as one gather. */
export const TOOLSTACK_GATHER_PLAN: GatherPlan = {
  files: [PROC_XEN_CAPABILITIES],
  commands: [XEN_COMMANDS.xlInfo, XEN_COMMANDS.xmInfo],
}

/** The commands that list domains and read the hypervisor log for a given toolstack. */
export function commandsFor(toolstack: 'xl' | 'xm'): {info: CommandSpec; list: CommandSpec; listLong: CommandSpec; dmesg: CommandSpec} {
  return toolstack === 'xl'
    ? {info: XEN_COMMANDS.xlInfo, list: XEN_COMMANDS.xlList, listLong: XEN_COMMANDS.xlListLong, dmesg: XEN_COMMANDS.xlDmesg}
    : {info: XEN_COMMANDS.xmInfo, list: XEN_COMMANDS.xmList, listLong: XEN_COMMANDS.xmListLong, dmesg: XEN_COMMANDS.xmDmesg}
}

export const TOOLSTACK_PROBLEM_CODES = [
  'no-toolstack',
  'not-dom0',
  'xl-permission-denied',
  'xl-no-context',
  'xl-failed',
  'xl-blocked-by-xend',
  'xend-not-running',
  'xm-failed',
  'timed-out',
  'unreadable-output',
  'not-captured',
] as const

export const ToolstackProblemSchema = z.object({
  code: z.enum(TOOLSTACK_PROBLEM_CODES),
  message: z.string(),
  /** The tool's stderr, verbatim, when it failed. */
  stderr: z.optional(z.string()),
})
export type ToolstackProblem = z.infer<typeof ToolstackProblemSchema>

export interface ToolstackDetection {
  toolstack: 'xl' | 'xm' | null
  /** This is the control domain: capabilities say `control_d`, or a toolstack answered. */
  isDom0: boolean
  /** The parsed `xl info`/`xm info` of the working toolstack. */
  info: XlInfo | null
  /** The problem that decided the outcome (problems[0]), if any. */
  problem?: ToolstackProblem
  /** Everything worth saying, the deciding problem first. */
  problems: ToolstackProblem[]
}

export interface ToolstackInputs {
  xlInfo?: CommandResult
  xmInfo?: CommandResult
  /** The text of /proc/xen/capabilities, or null when it could not be read. */
  capabilities?: string | null
}

const ran = (result: CommandResult | undefined): result is CommandResult =>
  result !== undefined && !result.notFound && !result.notCaptured

function stderrOf(result: CommandResult): string {
  return result.stderr.trimEnd()
}

function tryInfo(result: CommandResult, tool: string, problems: ToolstackProblem[]): XlInfo | null {
  try {
    return parseXlInfo(result.stdout, {file: `${tool} info`})
  } catch (error) {
    if (!(error instanceof ParseError)) throw error
    problems.push({code: 'unreadable-output', message: `\`${tool} info\` exited 0 but its output could not be read: ${error.located}`})
    return null
  }
}

/** Decide the toolstack from the gathered results. Never throws for odd tool output. */
export function detectToolstack(inputs: ToolstackInputs): ToolstackDetection {
  const {xlInfo, xmInfo, capabilities} = inputs
  const problems: ToolstackProblem[] = []
  let toolstack: 'xl' | 'xm' | null = null
  let info: XlInfo | null = null

  if (ran(xlInfo) && xlInfo.exitCode === 0) {
    info = tryInfo(xlInfo, 'xl', problems)
    if (info) toolstack = 'xl'
  }
  if (!toolstack && ran(xmInfo) && xmInfo.exitCode === 0) {
    info = tryInfo(xmInfo, 'xm', problems)
    if (info) toolstack = 'xm'
  }

  // Say why xl did not answer, even when xm did: it matters on 4.1–4.4.
  if (ran(xlInfo) && xlInfo.exitCode !== 0) problems.push(xlProblem(xlInfo, toolstack === 'xm'))
  if (!toolstack && ran(xmInfo) && xmInfo.exitCode !== 0) problems.push(xmProblem(xmInfo))
  for (const [tool, result] of [['xl', xlInfo], ['xm', xmInfo]] as const) {
    if (result?.notCaptured && !toolstack) problems.push({code: 'not-captured', message: `the snapshot has no \`${tool} info\``})
  }

  const hasControlD = capabilities !== null && capabilities !== undefined && /\bcontrol_d\b/.test(capabilities)
  const isDom0 = hasControlD || toolstack !== null
  if (!toolstack && !problems.some((p) => p.code !== 'not-captured')) {
    const neither = (!xlInfo || xlInfo.notFound) && (!xmInfo || xmInfo.notFound)
    if (neither) {
      problems.unshift({
        code: 'no-toolstack',
        message: hasControlD
          ? 'this is a Xen dom0 (control_d), but neither xl nor xm is installed or on PATH'
          : 'neither xl nor xm is installed, and /proc/xen/capabilities does not say control_d: this does not look like a Xen dom0',
      })
    }
  }
  if (capabilities !== null && capabilities !== undefined && !hasControlD && toolstack === null) {
    problems.push({code: 'not-dom0', message: `/proc/xen/capabilities is ${JSON.stringify(capabilities.trim())}, without control_d: this is a Xen guest (domU), not dom0`})
  }
  return problems.length > 0 ? {toolstack, isDom0, info, problem: problems[0], problems} : {toolstack, isDom0, info, problems}
}

function xlProblem(result: CommandResult, xmAnswered: boolean): ToolstackProblem {
  const stderr = stderrOf(result)
  if (result.timedOut) return {code: 'timed-out', message: '`xl info` did not finish in time: xenstored or the hypervisor may be wedged', stderr}
  if (/xend is running/.test(stderr)) {
    return {
      code: 'xl-blocked-by-xend',
      message: `xl refuses to run while xend is running${xmAnswered ? '; using xm' : ''} (Xen 4.1–4.4)`,
      stderr,
    }
  }
  if (/cannot init xl context/.test(stderr) && /Permission denied/.test(stderr)) {
    return {code: 'xl-permission-denied', message: 'xl is installed but cannot open the hypervisor interface: run memguard as root', stderr}
  }
  if (/cannot init xl context/.test(stderr)) {
    return {code: 'xl-no-context', message: 'xl is installed but cannot reach the hypervisor or xenstored: is this host running Xen, with xenstored up?', stderr}
  }
  return {code: 'xl-failed', message: `\`xl info\` failed (exit ${result.exitCode ?? 'none'})`, stderr}
}

function xmProblem(result: CommandResult): ToolstackProblem {
  const stderr = stderrOf(result)
  if (result.timedOut) return {code: 'timed-out', message: '`xm info` did not finish in time: xend may be wedged', stderr}
  if (/Is xend running\?|Unable to connect to xend|xend.*not running/i.test(stderr + result.stdout)) {
    return {code: 'xend-not-running', message: 'xm is installed but xend is not running: start it (service xend start) or use xl', stderr}
  }
  return {code: 'xm-failed', message: `\`xm info\` failed (exit ${result.exitCode ?? 'none'})`, stderr}
}

/**
 * The toolstack argv that sets a memory target: always an explicit unit for xl (`1536m`, or `k`
 * when not whole MiB) and whole MiB for xm – never a bare number whose unit the man page and the
 * code disagree on (xen-facts §0.1).
 */
export function memSetArgv(toolstack: 'xl' | 'xm', domain: number | string, kib: number): [string, ...string[]] {
  return [toolstack, 'mem-set', String(domain), toolstack === 'xl' ? toXlSizeArg(kib) : toXmSizeArg(kib)]
}
