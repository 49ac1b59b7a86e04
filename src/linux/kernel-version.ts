import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'

/**
 * Kernel release strings (`uname -r`, /proc/sys/kernel/osrelease): `2.6.18-419.el5xen`,
 * `3.10.0-1160.el7.x86_64`, `4.9.45-21.pvops.qubes.x86_64`, `6.1.0-56-amd64`, `2.6.32.27`.
 *
 * Only the numeric part is compared. Distribution kernels backport features (RHEL's 2.6.18 may
 * carry OOM fixes, UNVERIFIED), so callers should prefer what the host shows (an oom_score_adj
 * file, a MemAvailable line) over a version test, and use these predicates only as a fallback.
 */

export const OSRELEASE_PATH = '/proc/sys/kernel/osrelease'

export const KernelVersionSchema = z.object({
  /** The release as given, trimmed. */
  text: z.string(),
  major: z.int(),
  minor: z.int(),
  patch: z.int(),
  /** Fourth number of 2.6.x.y stable releases, else null. */
  sublevel: z.nullable(z.int()),
  /** Everything after the numbers: `-419.el5xen`, `-56-amd64`. */
  extra: z.string(),
})
export type KernelVersion = z.infer<typeof KernelVersionSchema>

/** Parse a release string. Throws a located ParseError if it does not start with `N.N`. */
export function parseKernelRelease(text: string, file: string = OSRELEASE_PATH): KernelVersion {
  const release = text.trim()
  const nums: number[] = []
  let pos = 0
  while (nums.length < 4) {
    let end = pos
    while (end < release.length && release.charCodeAt(end) >= 48 && release.charCodeAt(end) <= 57) end++
    if (end === pos) break
    nums.push(Number(release.slice(pos, end)))
    pos = end
    if (release[pos] === '.' && /\d/.test(release[pos + 1] ?? '')) pos++
    else break
  }
  if (nums.length < 2 || nums.some((n) => !Number.isSafeInteger(n))) {
    throw new ParseError(`kernel release ${quoteValue(release)} is not a version; expected e.g. "2.6.18-419.el5xen" or "6.1.0-56-amd64"`, {file, line: 1, column: 1})
  }
  return {
    text: release,
    major: nums[0] as number,
    minor: nums[1] as number,
    patch: nums[2] ?? 0,
    sublevel: nums[3] ?? null,
    extra: release.slice(pos),
  }
}

/** The release from /proc/version ("Linux version 6.1.0-56-amd64 (debian-kernel@…) …"). */
export function parseProcVersion(text: string, file = '/proc/version'): KernelVersion {
  const marker = 'Linux version '
  const at = text.indexOf(marker)
  if (at === -1) throw new ParseError(`no "Linux version" in ${quoteValue(text.trim())}`, {file, line: 1, column: 1})
  const start = at + marker.length
  let end = start
  while (end < text.length && !/\s/.test(text[end] as string)) end++
  return parseKernelRelease(text.slice(start, end), file)
}

type VersionLike = KernelVersion | string

function toTuple(v: VersionLike): [number, number, number, number] {
  const k = typeof v === 'string' ? parseKernelRelease(v, 'version') : v
  return [k.major, k.minor, k.patch, k.sublevel ?? 0]
}

/** −1, 0 or 1 on the numeric parts (the `extra` suffix is ignored). */
export function compareKernelVersions(a: VersionLike, b: VersionLike): -1 | 0 | 1 {
  const x = toTuple(a)
  const y = toTuple(b)
  for (let i = 0; i < 4; i++) {
    const d = (x[i] as number) - (y[i] as number)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return 0
}

export function kernelAtLeast(v: KernelVersion, minimum: string): boolean {
  return compareKernelVersions(v, minimum) >= 0
}

/**
 * /proc/<pid>/oom_score_adj and the rewritten `oom_badness()` (rss + swap + page tables) arrived
 * together in 2.6.36 (commit a63d83f4, "oom: badness heuristic rewrite"; proc.rst §3.1).
 */
export function hasOomScoreAdj(v: KernelVersion): boolean {
  return kernelAtLeast(v, '2.6.36')
}

/** MemAvailable in /proc/meminfo: 3.14 (commit 34e431b0ae39). */
export function hasMemAvailable(v: KernelVersion): boolean {
  return kernelAtLeast(v, '3.14')
}

/**
 * What the OOM killer does with the children of the process it picked:
 * - before 2.6.36: kill the first child (the oldest) that has its own mm instead of the parent
 *   (`oom_kill_process()`, "Try to kill a child first");
 * - 2.6.36 up to 5.0: kill the child with the highest badness instead ("oom: sacrifice child with
 *   highest badness score for parent", David Rientjes, part of the 2.6.36 OOM rewrite series);
 * - 5.1 on: no preference ("mm, oom: remove 'prefer children over parent' heuristic",
 *   Shakeel Butt, Jan 2019).
 */
export function oomChildRule(v: KernelVersion): 'first-child' | 'worst-child' | 'none' {
  if (!kernelAtLeast(v, '2.6.36')) return 'first-child'
  if (!kernelAtLeast(v, '5.1')) return 'worst-child'
  return 'none'
}
