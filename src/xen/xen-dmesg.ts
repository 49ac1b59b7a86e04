import * as z from 'zod/mini'
import {splitLines, validateResult} from './parse-util.js'
import type {ReadOptions} from './xl-info.js'

/**
 * The hypervisor's boot facts from its console ring (`xl dmesg`, `xm dmesg`) or from xenconsoled's
 * `/var/log/xen/console/hypervisor.log`. Xen prints `Command line: %s` at boot
 * (xen/arch/x86/setup.c, present in 3.1 too), which is how memguard reads the dom0_mem of a Xen
 * whose `xm info` has no xen_commandline (Xen 3.1 / RHEL5).
 *
 * Line shapes seen in real logs:
 * - `(XEN) Command line: …`, and with console_timestamps `(XEN) [    3.067593] …` or the raw
 *   `(XEN) [00000000168dc7c4] …` of the xenlab boot;
 * - hypervisor.log prefixes every line with `[YYYY-MM-DD hh:mm:ss] ` and holds several boots;
 * - banner lines without `(XEN)` (` Xen 4.19.1`), blank `(XEN)` lines;
 * - `(XEN) Built-in command line: …` (a build-time default, not the bootloader's);
 * - the Linux dom0's own `Command line:` in `dmesg`, without `(XEN)`: not Xen's, ignored.
 * Nothing here is ever invalid: a log without the line gives commandLine null.
 */

export const XenBootInfoSchema = z.object({
  /** The hypervisor command line of the last boot in the text, trimmed; null when not found. */
  commandLine: z.nullable(z.string()),
  /** 1-based line of that `Command line:`. */
  commandLineLine: z.nullable(z.int().check(z.positive())),
  /** How many `Command line:` lines (more than one: several boots in hypervisor.log). */
  commandLineCount: z.int().check(z.nonnegative()),
  /** `Built-in command line:` (CONFIG_CMDLINE), which Xen combines with the bootloader's. */
  builtInCommandLine: z.nullable(z.string()),
  /** From `Xen version 4.17.7 (…`. */
  xenVersionText: z.nullable(z.string()),
  /**
   * The command line may have been mangled by terminal wrapping: it was continued on a line
   * without `(XEN)`, or it has a long run of spaces (a pasted log; see the S32G excerpt).
   */
  suspectWrapped: z.boolean(),
})
export type XenBootInfo = z.infer<typeof XenBootInfoSchema>

const LOGFILE_DATE_RE = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] /
const XEN_PREFIX_RE = /^\(XEN\) ?/
/** console_timestamps: `[    3.067593]`, raw `[00000000168dc7c4]`, `[2020-12-24 08:34:49(.ms)]`. */
const CONSOLE_STAMP_RE = /^\[(?:[ \d]+\.\d+|[0-9a-fA-F]{8,16}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)\] ?/
const BANNER_RE = /^ Xen \d/

interface ConsoleLine {
  /** The text after the log-file date, `(XEN)` and console timestamp. */
  content: string
  /** The line came from Xen's console (had `(XEN)`). */
  xen: boolean
  /** The line had hypervisor.log's `[date] ` prefix. */
  dated: boolean
  /** 1-based. */
  line: number
}

function consoleLines(text: string): ConsoleLine[] {
  return splitLines(text).map((raw, index) => {
    const dated = LOGFILE_DATE_RE.test(raw)
    const undated = raw.replace(LOGFILE_DATE_RE, '')
    const xen = XEN_PREFIX_RE.test(undated)
    const content = xen ? undated.replace(XEN_PREFIX_RE, '').replace(CONSOLE_STAMP_RE, '') : undated
    return {content, xen, dated, line: index + 1}
  })
}

/** Read the hypervisor's boot facts from `xl dmesg` / `xm dmesg` / hypervisor.log text. */
export function parseXenDmesg(text: string, options: ReadOptions = {}): XenBootInfo {
  const lines = consoleLines(text)
  let commandLine: string | null = null
  let commandLineLine: number | null = null
  let commandLineCount = 0
  let builtInCommandLine: string | null = null
  let xenVersionText: string | null = null
  let suspectWrapped = false

  lines.forEach((entry, index) => {
    if (!entry.xen) return
    const {content} = entry
    const command = /^Command line:(.*)$/.exec(content)
    if (command) {
      let value = command[1] as string
      let wrapped = false
      // A terminal-wrapped paste continues on lines without (XEN): take them back.
      for (let next = index + 1; next < lines.length; next++) {
        const following = lines[next] as ConsoleLine
        // In hypervisor.log every real line is dated; a wrapped piece is not.
        if (following.xen || following.dated || following.content.trim() === '' || BANNER_RE.test(following.content)) break
        value += following.content
        wrapped = true
      }
      commandLine = value.trim()
      commandLineLine = entry.line
      commandLineCount++
      suspectWrapped = wrapped || / {20,}/.test(commandLine)
      return
    }
    const builtIn = /^Built-in command line:(.*)$/.exec(content)
    if (builtIn) {
      builtInCommandLine = (builtIn[1] as string).trim()
      return
    }
    const version = /^Xen version (\S+)/.exec(content)
    if (version) xenVersionText = version[1] as string
  })

  return validateResult(
    XenBootInfoSchema,
    {commandLine, commandLineLine, commandLineCount, builtInCommandLine, xenVersionText, suspectWrapped},
    {file: options.file, line: 1, column: 1},
    'xl dmesg',
  )
}

/** Just the hypervisor command line (last boot), or null. */
export function findXenCommandLine(text: string): string | null {
  return parseXenDmesg(text).commandLine
}
