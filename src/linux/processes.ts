import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'
import type {ProcessFiles} from '../host/host.js'

/**
 * The process table, from the raw /proc/<pid> files the Host gathered.
 *
 * This runs on every `status`/`oom`/`mem-set` over up to a few thousand processes, so it is
 * hand-written: one pass over each status file with indexOf, one split of the stat tail, no
 * regular expression per line and no zod parse per row (the schema below documents the JSON shape
 * only). A process whose files vanished while they were read (null or empty text: it exited) is
 * skipped and listed in `skipped`; text that is there but malformed is a located ParseError.
 *
 * Sources: Documentation/filesystems/proc.rst (Table 1-2 status, Table 1-4 stat), man proc(5).
 */

export const ProcessInfoSchema = z.object({
  pid: z.int(),
  ppid: z.int(),
  /** The kernel's comm (≤ 15 bytes, truncated: `systemd-journal`), from stat, which is not escaped. */
  comm: z.string(),
  /** argv; empty for kernel threads and zombies. */
  cmdline: z.array(z.string()),
  /** One letter: R S D Z T t X I … */
  state: z.string(),
  uid: z.nullable(z.int()),
  euid: z.nullable(z.int()),
  rssKiB: z.int(),
  /** VmSwap (2.6.34+); 0 when the kernel does not show it. */
  swapKiB: z.int(),
  swapKnown: z.boolean(),
  /** VmSize = mm->total_vm, the base of the pre-2.6.36 badness; null without an mm. */
  vmSizeKiB: z.nullable(z.int()),
  pageTablesKiB: z.int(),
  /** The process has an address space (VmSize is shown): the OOM killer ignores those without. */
  hasMm: z.boolean(),
  isKernelThread: z.boolean(),
  /** /proc/<pid>/oom_score as the kernel reports it (its scale differs by version). */
  oomScore: z.nullable(z.int()),
  /** −1000..1000, kernels ≥ 2.6.36; null when absent. */
  oomScoreAdj: z.nullable(z.int()),
  /** −17..15 (−17 = OOM_DISABLE); null when absent. */
  oomAdj: z.nullable(z.int()),
  utimeTicks: z.int(),
  stimeTicks: z.int(),
  /** Clock ticks (USER_HZ) after boot when the process started. */
  starttimeTicks: z.int(),
  nice: z.int(),
  threads: z.nullable(z.int()),
  /** Controlling terminal from stat field 7 (tty_nr), or null for none: hvc0 is 229:0, ttyS0 4:64. */
  tty: z.nullable(z.object({major: z.int(), minor: z.int()})),
  /** CAP_SYS_ADMIN / CAP_SYS_RAWIO in CapEff (the legacy badness divides by 4 for each); null if unknown. */
  capSysAdmin: z.nullable(z.boolean()),
  capSysRawio: z.nullable(z.boolean()),
})
export type ProcessInfo = z.infer<typeof ProcessInfoSchema>

export const ProcessTableSchema = z.object({
  processes: z.array(ProcessInfoSchema),
  /** Processes that exited while being read. */
  skipped: z.array(z.object({pid: z.int(), reason: z.string()})),
})
export type ProcessTable = z.infer<typeof ProcessTableSchema>

const CAP_SYS_RAWIO_BIT = 17
const CAP_SYS_ADMIN_BIT = 21

/** Parse every process; vanished ones are skipped. Throws a located ParseError on malformed text. */
export function parseProcesses(files: readonly ProcessFiles[]): ProcessTable {
  const processes: ProcessInfo[] = []
  const skipped: ProcessTable['skipped'] = []
  for (const f of files) {
    const info = parseProcess(f)
    if (info === null) skipped.push({pid: f.pid, reason: 'exited while being read'})
    else processes.push(info)
  }
  return {processes, skipped}
}

function vanished(text: string | null): text is null {
  if (text === null) return true
  // A scan rather than trim(): no new string per file.
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 32) return false
  return true
}

/** One process, or null when its status or stat file is gone (the process exited). */
export function parseProcess(files: ProcessFiles): ProcessInfo | null {
  if (vanished(files.status) || vanished(files.stat)) return null
  const pid = files.pid
  // File names are only built for an error message (this runs 2,000 times per status).
  const statusPath = 'status'
  const statPath = 'stat'

  // --- status: "Key:\tvalue" lines. Each needed key is found with one native indexOf of
  // "\nKey:" rather than by walking ~55 lines in JavaScript: a CLI runs this code cold, before the
  // JIT has compiled any loop, and 2,000 status files made the line walk the parser's main cost.
  const status = files.status
  if (!status.startsWith('Name:')) {
    const firstLine = status.slice(0, status.indexOf('\n') === -1 ? status.length : status.indexOf('\n'))
    throw new ParseError(`not a status file: the first line is ${quoteValue(firstLine)}, expected "Name:\t…"`, {file: procPath(pid, statusPath), line: 1, column: 1})
  }
  const nameEnd = lineEnd(status, 5)
  const name = status.slice(status.charCodeAt(5) === 9 ? 6 : 5, nameEnd)
  const stateAt = statusField(status, STATUS_STATE)
  const stateLetter = stateAt === -1 ? null : status.charAt(skipBlanks(status, stateAt))
  const ppidAt = statusField(status, STATUS_PPID)
  if (ppidAt === -1) throw missingPpid(status, procPath(pid, statusPath))
  const ppid = statusInt(status, ppidAt, 'PPid', pid)
  const uidAt = statusField(status, STATUS_UID)
  const uid = uidAt === -1 ? null : statusInt(status, uidAt, 'Uid', pid)
  // "Uid:\treal\teffective\tsaved\tfs": the effective id follows the real one.
  const euidAt = uidAt === -1 ? -1 : nextWord(status, uidAt)
  const euid = euidAt === -1 ? null : statusInt(status, euidAt, 'Uid', pid)
  const vmSizeKiB = optionalInt(status, statusField(status, STATUS_VMSIZE), 'VmSize', pid)
  const rssKiB = optionalInt(status, statusField(status, STATUS_VMRSS), 'VmRSS', pid)
  const swapKiB = optionalInt(status, statusField(status, STATUS_VMSWAP), 'VmSwap', pid)
  const pageTablesKiB = optionalInt(status, statusField(status, STATUS_VMPTE), 'VmPTE', pid)
  const threads = optionalInt(status, statusField(status, STATUS_THREADS), 'Threads', pid)
  const kthread = optionalInt(status, statusField(status, STATUS_KTHREAD), 'Kthread', pid)
  const capEffAt = statusField(status, STATUS_CAPEFF)
  const capEffHex = capEffAt === -1 ? null : status.slice(skipBlanks(status, capEffAt), lineEnd(status, capEffAt)).trim()


  // --- stat: "pid (comm) S ppid …". comm may contain spaces and parentheses, so the fields after
  // it are found from the LAST ')' (proc(5): "(2) comm").
  const stat = files.stat
  const open = stat.indexOf('(')
  const close = stat.lastIndexOf(')')
  if (open === -1 || close < open) {
    throw new ParseError(`no "(comm)" in stat ${quoteValue(stat.trim())}`, {file: procPath(pid, statPath), line: 1, column: 1})
  }
  // Walk the space-separated fields after the comm without splitting (a split allocates ~50
  // strings per process) and convert only the ones used: proc(5) field numbers.
  let statState = ''
  let ttyNr = 0
  let utimeTicks = 0
  let stimeTicks = 0
  let nice = 0
  let starttimeTicks = -1
  let p = close + 1
  while (p < stat.length && stat.charCodeAt(p) === 32) p++
  for (let field = 3; field <= 22 && p < stat.length; field++) {
    let e = stat.indexOf(' ', p)
    if (e === -1) e = stat.length
    while (e > p && (stat.charCodeAt(e - 1) === 10 || stat.charCodeAt(e - 1) === 13)) e--
    switch (field) {
      case 3: statState = stat.slice(p, e); break
      case 7: ttyNr = intField(stat, p, e, 'tty_nr (field 7)', pid, statPath, 1, p + 1); break
      case 14: utimeTicks = intField(stat, p, e, 'utime (field 14)', pid, statPath, 1, p + 1); break
      case 15: stimeTicks = intField(stat, p, e, 'stime (field 15)', pid, statPath, 1, p + 1); break
      case 19: nice = intField(stat, p, e, 'nice (field 19)', pid, statPath, 1, p + 1); break
      case 22: starttimeTicks = intField(stat, p, e, 'starttime (field 22)', pid, statPath, 1, p + 1); break
    }
    p = e + 1
  }
  if (starttimeTicks === -1) {
    throw new ParseError(`stat has too few fields; expected at least 22`, {file: procPath(pid, statPath), line: 1, column: close + 2})
  }
  const comm = stat.slice(open + 1, close)

  // --- cmdline: NUL-separated; a process that rewrote its title may leave trailing NULs.
  const cmdline: string[] = []
  if (files.cmdline !== null && files.cmdline.length > 0) {
    const parts = files.cmdline.split('\0')
    let last = parts.length
    while (last > 0 && parts[last - 1] === '') last--
    for (let i = 0; i < last; i++) cmdline.push(parts[i] as string)
  }

  const hasMm = vmSizeKiB !== null
  // Kthread: is in status since 6.x; before, a kernel thread is a task without an mm (no Vm*
  // lines), which a zombie also is, so zombies are excluded; kthreadd's children (ppid 2) with an
  // empty cmdline are kernel threads too (2.6.22+; on 2.6.18 they hang off pid 1 or keventd).
  const isKernelThread = kthread !== null
    ? kthread !== 0
    : pid === 2 || (!hasMm && (stateLetter ?? statState) !== 'Z') || (ppid === 2 && cmdline.length === 0)

  return {
    pid,
    ppid,
    comm: comm.length > 0 ? comm : (name ?? ''),
    cmdline,
    state: stateLetter ?? statState,
    uid,
    euid,
    rssKiB: rssKiB ?? 0,
    swapKiB: swapKiB ?? 0,
    swapKnown: swapKiB !== null,
    vmSizeKiB,
    pageTablesKiB: pageTablesKiB ?? 0,
    hasMm,
    isKernelThread,
    oomScore: readIntFile(files.oomScore, pid, 'oom_score'),
    oomScoreAdj: readIntFile(files.oomScoreAdj, pid, 'oom_score_adj'),
    oomAdj: readIntFile(files.oomAdj, pid, 'oom_adj'),
    utimeTicks,
    stimeTicks,
    starttimeTicks,
    nice,
    threads,
    // tty_nr packs the device number: major in bits 15..8, minor in bits 31..20 and 7..0.
    tty: ttyNr === 0 ? null : {major: (ttyNr >> 8) & 0xfff, minor: (ttyNr & 0xff) | ((ttyNr >>> 20) << 8)},
    capSysAdmin: capBit(capEffHex, CAP_SYS_ADMIN_BIT),
    capSysRawio: capBit(capEffHex, CAP_SYS_RAWIO_BIT),
  }
}

// The status keys memguard reads, each with the newline that starts its line (Name: is first).
const STATUS_STATE = '\nState:'
const STATUS_PPID = '\nPPid:'
const STATUS_UID = '\nUid:'
const STATUS_VMSIZE = '\nVmSize:'
const STATUS_VMRSS = '\nVmRSS:'
const STATUS_VMSWAP = '\nVmSwap:'
const STATUS_VMPTE = '\nVmPTE:'
const STATUS_THREADS = '\nThreads:'
const STATUS_KTHREAD = '\nKthread:'
const STATUS_CAPEFF = '\nCapEff:'

/** Offset just after "\nKey:" in a status text, or -1 when the kernel does not show the key. */
function statusField(status: string, key: string): number {
  const at = status.indexOf(key)
  return at === -1 ? -1 : at + key.length
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from)
  return end === -1 ? text.length : end
}

function skipBlanks(text: string, from: number): number {
  let i = from
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++
  return i
}

/** Start of the next blank-separated word on the same line, or -1. */
function nextWord(text: string, from: number): number {
  const end = lineEnd(text, from)
  let i = skipBlanks(text, from)
  while (i < end && text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 9) i++
  i = skipBlanks(text, i)
  return i < end ? i : -1
}

/** The error for a status text without PPid: the first line that is not "Key:\tvalue", if any. */
function missingPpid(status: string, file: string): ParseError {
  const lines = status.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.trim() !== '' && !line.includes(':')) {
      return new ParseError(`not a status line: ${quoteValue(line)}; expected "Key:\\tvalue"`, {file, line: i + 1, column: 1})
    }
  }
  return new ParseError(`no PPid: line; this does not look like /proc/<pid>/status`, {file})
}

/** The 1-based line of an offset, for an error message only. */
function lineOf(text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++
  return line
}

function statusInt(status: string, at: number, key: string, pid: number): number {
  const end = lineEnd(status, at)
  const start = skipBlanks(status, at)
  // Only the first word: "Uid:" lines hold four ids, the rest end in " kB".
  let wordEnd = start
  while (wordEnd < end && status.charCodeAt(wordEnd) !== 32 && status.charCodeAt(wordEnd) !== 9) wordEnd++
  const n = intValue(status, start, wordEnd)
  if (Number.isNaN(n)) {
    // The location is only worked out for the error: this runs ~10 times per process.
    const lineStart = status.lastIndexOf('\n', at - 1) + 1
    throw new ParseError(`${key}: ${quoteValue(status.slice(start, end).trim())} is not a number`, {file: procPath(pid, 'status'), line: lineOf(status, at), column: start - lineStart + 1})
  }
  return n
}

function optionalInt(status: string, at: number, key: string, pid: number): number | null {
  return at === -1 ? null : statusInt(status, at, key, pid)
}

function procPath(pid: number, name: string): string {
  return `/proc/${pid}/${name}`
}

/** The integer in text[from, to) (a status value like "\t  46088 kB"); a located ParseError otherwise. */
function intField(text: string, from: number, to: number, key: string, pid: number, file: string, line: number, column: number): number {
  const n = intValue(text, from, to)
  if (Number.isNaN(n)) {
    throw new ParseError(`${key}: ${quoteValue(text.slice(from, to).trim())} is not a number`, {file: procPath(pid, file), line, column})
  }
  return n
}

/** The integer at the start of text[from, to) after blanks ("\t  46088 kB" → 46088), or NaN. */
function intValue(text: string, from: number, to: number): number {
  // Hand-rolled: skip blanks, optional '-', digits; what follows (" kB") is ignored.
  let i = from
  while (i < to && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++
  let neg = false
  if (i < to && text.charCodeAt(i) === 45) {
    neg = true
    i++
  }
  const digitsStart = i
  let n = 0
  while (i < to) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) break
    n = n * 10 + (c - 48)
    i++
  }
  if (i === digitsStart || !Number.isSafeInteger(n)) return Number.NaN
  return neg ? -n : n
}

/** A one-integer /proc file (oom_score …): null when absent or emptied by an exit mid-read. */
function readIntFile(text: string | null, pid: number, name: string): number | null {
  if (text === null) return null
  let from = 0
  let to = text.length
  while (from < to && text.charCodeAt(from) <= 32) from++
  while (to > from && text.charCodeAt(to - 1) <= 32) to--
  if (from === to) return null // vanished mid-read
  const n = intField(text, from, to, name, pid, name, 1, 1)
  // intField ignores a tail (" kB"); a one-number file must have none.
  let i = from
  if (text.charCodeAt(i) === 45) i++
  while (i < to && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++
  if (i !== to) throw new ParseError(`${procPath(pid, name)} holds ${quoteValue(text.slice(from, to))}; expected one integer`, {file: procPath(pid, name), line: 1, column: 1})
  return n
}

/** A bit of the CapEff hex mask (bits below 32 only: the last 8 hex digits). */
function capBit(hex: string | null, bit: number): boolean | null {
  if (hex === null || hex.length === 0) return null
  const low = parseInt(hex.slice(-8), 16)
  if (Number.isNaN(low)) return null
  return ((low >>> bit) & 1) === 1
}

/** A pid → process index, for parent/child lookups. */
export function indexByPid(processes: readonly ProcessInfo[]): Map<number, ProcessInfo> {
  const map = new Map<number, ProcessInfo>()
  for (const p of processes) map.set(p.pid, p)
  return map
}

/** pid → children (in starttime order: the kernel appends new children to the list's tail). */
export function childrenByPid(processes: readonly ProcessInfo[]): Map<number, ProcessInfo[]> {
  const map = new Map<number, ProcessInfo[]>()
  for (const p of processes) {
    const list = map.get(p.ppid)
    if (list) list.push(p)
    else map.set(p.ppid, [p])
  }
  for (const list of map.values()) list.sort((a, b) => a.starttimeTicks - b.starttimeTicks || a.pid - b.pid)
  return map
}

/** argv[0]'s base name (`/usr/sbin/sshd` → `sshd`), or comm when there is no cmdline. */
export function programName(p: Pick<ProcessInfo, 'cmdline' | 'comm'>): string {
  const argv0 = p.cmdline[0]
  if (argv0 === undefined || argv0 === '') return p.comm
  const first = argv0.split(' ')[0] as string
  const slash = first.lastIndexOf('/')
  return slash === -1 ? first : first.slice(slash + 1)
}
