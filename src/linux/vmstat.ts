/**
 * /proc/vmstat, the one counter mem-set's emergency brake needs: `oom_kill` (Linux ≥ 4.13,
 * commit 8e675f7af507 "mm/oom_kill: count global and memory cgroup oom kills"), the number of
 * OOM kills since boot. It does not depend on the kernel log, which a busy or restricted dmesg
 * (kernel.dmesg_restrict, a ring buffer that wrapped) can hide.
 */

export const VMSTAT_PATH = '/proc/vmstat'

/** The `oom_kill` counter, or null when the kernel has none (before 4.13) or the text is not vmstat. */
export function vmstatOomKills(text: string | null): number | null {
  if (text === null) return null
  const match = /^oom_kill (\d+)\s*$/m.exec(text)
  if (!match) return null
  const value = Number(match[1])
  return Number.isSafeInteger(value) ? value : null
}
