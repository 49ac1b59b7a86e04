import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'
import {decimalInteger, indentOf, splitLines, validateResult} from './parse-util.js'
import {XenVersionSchema, type XenVersion} from './version.js'

/**
 * `xl info` and `xm info`: one `key : value` per line (xl prints `%-23s: %s`, tools/xl/xl_info.c).
 *
 * What real outputs do, all seen in the corpus:
 * - empty values, with or without the space after the colon (`xen_changeset          :`);
 * - trailing spaces after values (`xen_caps … hvm-3.0-x86_64 `, the lab's `xen_commandline`);
 * - the xm(1)/xl(1) man-page samples keep POD's one-space indent on every line, and the xm
 *   sample wraps long values by hand onto heavily indented continuation lines;
 * - the field set grows from Xen 3.0 to 4.19 (`xen_version`, `build_id`, `outstanding_claims`,
 *   `free_cpus` came later); xm info on Xen 3.1 has no `xen_commandline` (added in 2009,
 *   commit fa97833ae1), and `xl info | grep memory` subsets exist.
 *
 * Only `total_memory` and `free_memory` are required: they are what memguard needs, and every
 * version prints them. Memory values are MiB (pages / ((1<<20)/pagesize), xl_info.c).
 */

export const XlInfoSchema = z.object({
  host: z.optional(z.string()),
  /** dom0 kernel release (`uname -r` of dom0). */
  release: z.optional(z.string()),
  totalMemoryMiB: z.int().check(z.nonnegative()),
  /** Free for new domains: free pages minus outstanding claims (xl_info.c). */
  freeMemoryMiB: z.int().check(z.nonnegative()),
  nrCpus: z.optional(z.int().check(z.nonnegative())),
  xenVersion: z.optional(XenVersionSchema),
  /** The hypervisor command line; absent on Xen 3.1-era xm (use `xl dmesg`/`xm dmesg` there). */
  xenCommandline: z.optional(z.string()),
  xenScheduler: z.optional(z.string()),
  /** `xend_config_format`: 4 from xl and xend ≥ 3.3, lower from older xend. */
  xendConfigFormat: z.optional(z.int().check(z.nonnegative())),
  /** Every field as printed (values trimmed, continuation lines joined with one space). */
  raw: z.record(z.string(), z.string()),
  /** The 1-based line of each field, for messages that point into the output. */
  lines: z.record(z.string(), z.int().check(z.positive())),
})
export type XlInfo = z.infer<typeof XlInfoSchema>

export interface ReadOptions {
  /** Name for error locations (a snapshot path, `xl info`). */
  file?: string
}

const KEY_RE = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:(.*)$/

interface FieldPosition {
  line: number
  valueColumn: number
}

/** Parse `xl info` / `xm info` stdout. Throws a located ParseError on anything else. */
export function parseXlInfo(text: string, options: ReadOptions = {}): XlInfo {
  const {file} = options
  const lines = splitLines(text)
  // A Map, not an object: a field named `__proto__` must stay data.
  const fields = new Map<string, string>()
  const positions = new Map<string, FieldPosition>()
  let baseIndent: number | undefined
  let lastKey: string | undefined

  lines.forEach((line, index) => {
    const lineNumber = index + 1
    if (line.trim() === '') return
    const indent = indentOf(line)
    baseIndent ??= indent
    if (indent > baseIndent && lastKey !== undefined) {
      // A value wrapped onto the next line (the xm(1) sample): join with one space.
      const previous = fields.get(lastKey) ?? ''
      const more = line.trim()
      fields.set(lastKey, previous === '' ? more : `${previous} ${more}`)
      return
    }
    const body = line.slice(indent)
    const match = KEY_RE.exec(body)
    if (!match) {
      throw new ParseError(
        `line ${lineNumber} is not a "key : value" line: ${quoteValue(line.trim())}`,
        {file, line: lineNumber, column: indent + 1},
        'expected the output of `xl info` or `xm info`',
      )
    }
    const key = match[1] as string
    const rest = match[2] as string
    const value = rest.trim()
    fields.set(key, value)
    const valueOffset = rest.length - rest.trimStart().length
    positions.set(key, {line: lineNumber, valueColumn: indent + body.length - rest.length + valueOffset + 1})
    lastKey = key
  })

  const raw: Record<string, string> = Object.fromEntries(fields)
  const location = (key: string) => {
    const position = positions.get(key)
    return {file, line: position?.line ?? 1, column: position?.valueColumn ?? 1}
  }
  const integerField = (key: string, unit: string): number | undefined => {
    const value = fields.get(key)
    if (value === undefined) return undefined
    const parsed = decimalInteger(value)
    if (parsed === undefined) {
      throw new ParseError(`${key} is ${quoteValue(value)}, not a whole number${unit ? ` of ${unit}` : ''}`, location(key))
    }
    return parsed
  }
  const requiredMiB = (key: string): number => {
    const value = integerField(key, 'MiB')
    if (value === undefined) {
      throw new ParseError(
        `no ${key} field`,
        {file, line: 1, column: 1},
        'expected the output of `xl info` or `xm info`, which always has total_memory and free_memory',
      )
    }
    return value
  }

  const totalMemoryMiB = requiredMiB('total_memory')
  const freeMemoryMiB = requiredMiB('free_memory')
  const nrCpus = integerField('nr_cpus', '')
  const xendConfigFormat = integerField('xend_config_format', '')

  let xenVersion: XenVersion | undefined
  if (fields.has('xen_major') || fields.has('xen_minor')) {
    const major = integerField('xen_major', '')
    const minor = integerField('xen_minor', '')
    if (major !== undefined && minor !== undefined) {
      const extra = fields.get('xen_extra') ?? ''
      // xen_version appeared with 4.x xl; older outputs only have major/minor/extra.
      const printed = fields.get('xen_version')
      const versionText = printed !== undefined && printed !== '' ? printed : `${major}.${minor}${extra}`
      xenVersion = {major, minor, extra, text: versionText}
    }
  }

  const result = {
    host: fields.get('host'),
    release: fields.get('release'),
    totalMemoryMiB,
    freeMemoryMiB,
    nrCpus,
    xenVersion,
    xenCommandline: fields.get('xen_commandline'),
    xenScheduler: fields.get('xen_scheduler'),
    xendConfigFormat,
    raw,
    lines: Object.fromEntries([...positions].map(([key, position]) => [key, position.line])),
  }
  return validateResult(XlInfoSchema, result, {file, line: 1, column: 1}, 'xl info')
}
