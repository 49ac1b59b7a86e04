import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'
import {decimalInteger, splitLines, validateResult} from './parse-util.js'

/**
 * The dom0 balloon driver's own view: what it was asked for (target) and what it holds (current).
 * Reading and writing it does not need xl, xend or xenstored, which makes it the fastest way to
 * raise a target again when dom0 is being squeezed.
 *
 * - pvops / current kernels: sysfs `xen_memory0` (drivers/xen/xen-balloon.c;
 *   Documentation/ABI/stable/sysfs-devices-system-xen_memory). One number per file, KiB.
 *   `target_kb` takes KiB digits: store_target_kb() does simple_strtoull(buf, …, 0) * 1024, so
 *   a leading 0 would be octal.
 * - XenLinux 2.6.18 (RHEL5 kernel-xen): `/proc/xen/balloon` (drivers/xen/balloon/balloon.c
 *   balloon_read/balloon_write). A write is parsed by memparse(), where a bare number is BYTES,
 *   so memguard always writes a `K` suffix.
 */

export const XEN_MEMORY_SYSFS_DIR = '/sys/devices/system/xen_memory/xen_memory0'
export const BALLOON_SYSFS_PATHS = {
  targetKb: `${XEN_MEMORY_SYSFS_DIR}/target_kb`,
  currentKb: `${XEN_MEMORY_SYSFS_DIR}/info/current_kb`,
  lowKb: `${XEN_MEMORY_SYSFS_DIR}/info/low_kb`,
  highKb: `${XEN_MEMORY_SYSFS_DIR}/info/high_kb`,
} as const
export const PROC_XEN_BALLOON = '/proc/xen/balloon'
/** Every file a balloon reader may need, for a gather plan. */
export const BALLOON_FILES: readonly string[] = [...Object.values(BALLOON_SYSFS_PATHS), PROC_XEN_BALLOON]

export const BalloonStateSchema = z.object({
  source: z.enum(['sysfs', 'proc']),
  /** What the driver is asked to reach (xenstore memory/target, or a local write). */
  targetKiB: z.int().check(z.nonnegative()),
  /** What dom0 holds now. current > target means the balloon is still (or stuck) deflating. */
  currentKiB: z.int().check(z.nonnegative()),
  /** Pages in the balloon (given back to Xen), low and high memory. null: file not readable. */
  lowKiB: z.nullable(z.int().check(z.nonnegative())),
  highKiB: z.nullable(z.int().check(z.nonnegative())),
  /** /proc only: `Driver pages:` (not in every XenLinux version). */
  driverKiB: z.nullable(z.int().check(z.nonnegative())),
  /** /proc only: `Xen hard limit:`; null for `???` (no limit hit yet). */
  hardLimitKiB: z.nullable(z.int().check(z.nonnegative())),
})
export type BalloonState = z.infer<typeof BalloonStateSchema>

/** The text of each sysfs file as read; null where it could not be read. */
export interface BalloonSysfsFiles {
  targetKb: string | null
  currentKb: string | null
  lowKb?: string | null
  highKb?: string | null
}

function sysfsNumber(text: string, path: string): number {
  const trimmed = text.trim()
  const value = decimalInteger(trimmed)
  if (value === undefined) {
    throw new ParseError(`${path} holds ${quoteValue(trimmed)}, not a whole number of KiB`, {file: path, line: 1, column: 1})
  }
  return value
}

/** Balloon state from the sysfs files. target_kb and info/current_kb are required. */
export function parseBalloonSysfs(files: BalloonSysfsFiles): BalloonState {
  const required = (text: string | null, path: string): number => {
    if (text === null) throw new ParseError(`${path} is missing or unreadable`, {file: path}, 'is this a Xen dom0 with the balloon driver (CONFIG_XEN_BALLOON)?')
    return sysfsNumber(text, path)
  }
  const optional = (text: string | null | undefined, path: string): number | null =>
    text === null || text === undefined ? null : sysfsNumber(text, path)
  const state = {
    source: 'sysfs',
    targetKiB: required(files.targetKb, BALLOON_SYSFS_PATHS.targetKb),
    currentKiB: required(files.currentKb, BALLOON_SYSFS_PATHS.currentKb),
    lowKiB: optional(files.lowKb, BALLOON_SYSFS_PATHS.lowKb),
    highKiB: optional(files.highKb, BALLOON_SYSFS_PATHS.highKb),
    driverKiB: null,
    hardLimitKiB: null,
  }
  return validateResult(BalloonStateSchema, state, {file: XEN_MEMORY_SYSFS_DIR}, 'balloon sysfs')
}

const PROC_LABELS = {
  'Current allocation': 'current',
  'Requested target': 'target',
  'Low-mem balloon': 'low',
  'High-mem balloon': 'high',
  'Driver pages': 'driver',
  'Xen hard limit': 'hardLimit',
} as const
type ProcKey = (typeof PROC_LABELS)[keyof typeof PROC_LABELS]

/**
 * Balloon state from `/proc/xen/balloon`:
 *   Current allocation: %8lu kB / Requested target: / Low-mem balloon: / High-mem balloon:
 *   [Driver pages: %8lu kB] / Xen hard limit: %8lu kB | "     ??? kB"
 * Some versions print the hard limit as `%8lu kB (inc. %8lu kB driver headroom)`.
 */
export function parseProcXenBalloon(text: string, options: {file?: string} = {}): BalloonState {
  const file = options.file ?? PROC_XEN_BALLOON
  const values = new Map<ProcKey, number | null>()
  splitLines(text).forEach((line, index) => {
    const match = /^\s*([A-Za-z][A-Za-z -]*?):\s*(.*?)\s*$/.exec(line)
    if (!match) return
    const label = match[1] as string
    if (!Object.hasOwn(PROC_LABELS, label)) return // a line from a newer driver: not needed
    const key: ProcKey = PROC_LABELS[label as keyof typeof PROC_LABELS]
    const rest = match[2] as string
    const column = line.indexOf(rest) + 1
    if (key === 'hardLimit' && /^\?+\s*kB$/.test(rest)) {
      values.set(key, null)
      return
    }
    const number = /^(\d+)\s*kB(?:\s*\(inc\.\s*(\d+)\s*kB driver headroom\))?$/.exec(rest)
    const value = number ? decimalInteger(number[1] as string) : undefined
    if (!number || value === undefined) {
      throw new ParseError(`${label}: ${quoteValue(rest)} is not "<number> kB"`, {file, line: index + 1, column})
    }
    values.set(key, value)
    if (number[2] !== undefined && !values.has('driver')) values.set('driver', decimalInteger(number[2]) ?? null)
  })
  const required = (key: ProcKey, label: string): number => {
    const value = values.get(key)
    if (value === undefined || value === null) {
      throw new ParseError(`no "${label}:" line`, {file, line: 1, column: 1}, `expected the text of ${PROC_XEN_BALLOON} from a XenLinux kernel`)
    }
    return value
  }
  const state = {
    source: 'proc',
    targetKiB: required('target', 'Requested target'),
    currentKiB: required('current', 'Current allocation'),
    lowKiB: values.get('low') ?? null,
    highKiB: values.get('high') ?? null,
    driverKiB: values.get('driver') ?? null,
    hardLimitKiB: values.get('hardLimit') ?? null,
  }
  return validateResult(BalloonStateSchema, state, {file, line: 1, column: 1}, PROC_XEN_BALLOON)
}

/** Where and what to write to set the balloon target locally. */
export interface BalloonTargetWrite {
  path: string
  text: string
}

/**
 * The write that sets a new target through the given interface. sysfs target_kb takes KiB
 * digits; /proc/xen/balloon takes a memparse() string, where a bare number would be bytes.
 */
export function balloonTargetWrite(source: BalloonState['source'], targetKiB: number): BalloonTargetWrite {
  if (!Number.isSafeInteger(targetKiB) || targetKiB <= 0) {
    throw new ParseError(`a balloon target must be a positive whole number of KiB, not ${targetKiB}`)
  }
  return source === 'sysfs'
    ? {path: BALLOON_SYSFS_PATHS.targetKb, text: `${targetKiB}\n`}
    : {path: PROC_XEN_BALLOON, text: `${targetKiB}K\n`}
}

/** How far the balloon is from its target: positive while dom0 still holds more than asked. */
export function balloonGapKiB(state: BalloonState): number {
  return state.currentKiB - state.targetKiB
}
