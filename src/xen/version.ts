import * as z from 'zod/mini'

/**
 * Xen versions as the tools print them (`4.17.7`, `4.2-unstable`, `3.1.2-128.1.10.el5`). Several
 * Xen behaviours memguard relies on changed between releases (the `dom0_mem` parser in 4.12, the
 * `T` suffix in 4.5, xend's removal in 4.5), so readers take the version as an input.
 */
export const XenVersionSchema = z.object({
  major: z.int().check(z.nonnegative()),
  minor: z.int().check(z.nonnegative()),
  /** What follows `major.minor`: `.7`, `-unstable`, `` (xl info's `xen_extra`). */
  extra: z.string(),
  /** The version as the tool printed it. */
  text: z.string(),
})
export type XenVersion = z.infer<typeof XenVersionSchema>

/** Anything a caller may have at hand: a parsed version, `{major, minor}`, or the text. */
export type XenVersionLike = string | {major: number; minor: number}

const VERSION_RE = /^\s*(\d+)\.(\d+)(.*?)\s*$/

/** `4.17.7` → {major 4, minor 17, extra `.7`}; undefined when the text does not start with N.N. */
export function parseXenVersionText(text: string): XenVersion | undefined {
  const match = VERSION_RE.exec(text)
  if (!match) return undefined
  const major = Number(match[1])
  const minor = Number(match[2])
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor)) return undefined
  return {major, minor, extra: match[3] ?? '', text: text.trim()}
}

export function toXenVersion(version: XenVersionLike | undefined): {major: number; minor: number} | undefined {
  if (version === undefined) return undefined
  if (typeof version === 'string') return parseXenVersionText(version)
  return version
}

/** True when `version` is known and at least `major.minor`. */
export function xenVersionAtLeast(version: XenVersionLike | undefined, major: number, minor: number): boolean {
  const v = toXenVersion(version)
  if (!v) return false
  return v.major > major || (v.major === major && v.minor >= minor)
}

/** True when `version` is known and older than `major.minor`. */
export function xenVersionBefore(version: XenVersionLike | undefined, major: number, minor: number): boolean {
  const v = toXenVersion(version)
  if (!v) return false
  return !xenVersionAtLeast(v, major, minor)
}
