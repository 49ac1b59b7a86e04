import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'

/**
 * The sysctls memguard reads, each from its own /proc/sys file (one integer per file;
 * Documentation/admin-guide/sysctl/vm.rst and kernel.rst). A file that is missing (older kernel,
 * or not gathered) gives null, never an error.
 */

export const SYSCTL_PATHS = {
  /** 0 heuristic, 1 always, 2 strict (CommitLimit). */
  overcommitMemory: '/proc/sys/vm/overcommit_memory',
  overcommitRatio: '/proc/sys/vm/overcommit_ratio',
  /** 3.14+. */
  overcommitKbytes: '/proc/sys/vm/overcommit_kbytes',
  minFreeKbytes: '/proc/sys/vm/min_free_kbytes',
  /** 0 kill, 1 panic unless constrained, 2 always panic. Present in 2.6.18. */
  panicOnOom: '/proc/sys/vm/panic_on_oom',
  oomKillAllocatingTask: '/proc/sys/vm/oom_kill_allocating_task',
  oomDumpTasks: '/proc/sys/vm/oom_dump_tasks',
  swappiness: '/proc/sys/vm/swappiness',
  /** 4.6+. */
  watermarkScaleFactor: '/proc/sys/vm/watermark_scale_factor',
  adminReserveKbytes: '/proc/sys/vm/admin_reserve_kbytes',
  userReserveKbytes: '/proc/sys/vm/user_reserve_kbytes',
  /** Seconds before reboot after a panic; 0 = hang forever, negative = reboot at once. */
  kernelPanic: '/proc/sys/kernel/panic',
  kernelPanicOnOops: '/proc/sys/kernel/panic_on_oops',
} as const

export type SysctlKey = keyof typeof SYSCTL_PATHS

/** Every path, for a GatherPlan. */
export const SYSCTL_FILES: readonly string[] = Object.values(SYSCTL_PATHS)

const intOrNull = z.nullable(z.int())

export const SysctlsSchema = z.object({
  overcommitMemory: intOrNull,
  overcommitRatioPercent: intOrNull,
  overcommitKiB: intOrNull,
  minFreeKiB: intOrNull,
  panicOnOom: intOrNull,
  oomKillAllocatingTask: intOrNull,
  oomDumpTasks: intOrNull,
  swappiness: intOrNull,
  watermarkScaleFactor: intOrNull,
  adminReserveKiB: intOrNull,
  userReserveKiB: intOrNull,
  kernelPanicSeconds: intOrNull,
  kernelPanicOnOops: intOrNull,
})
export type Sysctls = z.infer<typeof SysctlsSchema>

/** The integer in a /proc/sys file (`"4709\n"`). Throws a located ParseError otherwise. */
export function parseSysctlInteger(text: string, path: string): number {
  const value = text.trim()
  if (!/^-?\d+$/.test(value)) {
    throw new ParseError(`${path} holds ${quoteValue(value)}; expected one integer`, {file: path, line: 1, column: 1})
  }
  const n = Number(value)
  if (!Number.isSafeInteger(n)) throw new ParseError(`${path} value ${quoteValue(value)} is too large`, {file: path, line: 1, column: 1})
  return n
}

type FileSource = ReadonlyMap<string, string | null> | Readonly<Record<string, string | null | undefined>>

function lookup(files: FileSource, path: string): string | null {
  if (files instanceof Map) return (files as ReadonlyMap<string, string | null>).get(path) ?? null
  return (files as Readonly<Record<string, string | null | undefined>>)[path] ?? null
}

/** Read every known sysctl from gathered file texts (path → text or null). */
export function parseSysctls(files: FileSource): Sysctls {
  const read = (key: SysctlKey): number | null => {
    const text = lookup(files, SYSCTL_PATHS[key])
    return text === null ? null : parseSysctlInteger(text, SYSCTL_PATHS[key])
  }
  return {
    overcommitMemory: read('overcommitMemory'),
    overcommitRatioPercent: read('overcommitRatio'),
    overcommitKiB: read('overcommitKbytes'),
    minFreeKiB: read('minFreeKbytes'),
    panicOnOom: read('panicOnOom'),
    oomKillAllocatingTask: read('oomKillAllocatingTask'),
    oomDumpTasks: read('oomDumpTasks'),
    swappiness: read('swappiness'),
    watermarkScaleFactor: read('watermarkScaleFactor'),
    adminReserveKiB: read('adminReserveKbytes'),
    userReserveKiB: read('userReserveKbytes'),
    kernelPanicSeconds: read('kernelPanic'),
    kernelPanicOnOops: read('kernelPanicOnOops'),
  }
}

/** `vm.min_free_kbytes` → `/proc/sys/vm/min_free_kbytes`. */
export function sysctlNameToPath(name: string): string {
  return `/proc/sys/${name.trim().replace(/\./g, '/')}`
}

/**
 * `sysctl -a` / `sysctl vm.x` output, or the lab's `vm.x = value` listing: one `name = value` per
 * line. Returns path → value text, so the result can go straight into `parseSysctls`. Lines that
 * are not `name = value` (e.g. `swapon --show` output mixed in) are ignored: this is a listing, not
 * a file the kernel defines.
 */
export function parseSysctlListing(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const eq = line.indexOf(' = ')
    if (eq <= 0) continue
    const name = line.slice(0, eq).trim()
    if (!/^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/.test(name)) continue
    out.set(sysctlNameToPath(name), line.slice(eq + 3).trim())
  }
  return out
}
