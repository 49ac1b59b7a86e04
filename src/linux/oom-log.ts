import * as z from 'zod/mini'

/**
 * OOM events in kernel log text: `dmesg` (`[  154.424991] …`), `dmesg -T` (`[Sun Dec  8 09:23:39
 * 2024] …`), syslog and `journalctl -k` (`Sep 07 11:03:27 dom0 kernel: …`, `Nov 26 00:01:30.304963
 * host kernel: …`), RFC 3339 syslog (`2024-01-01T12:00:00+00:00 host kernel: …`), and
 * xenconsoled/serial logs (`[2025-07-05 07:35:09] [    9.545152] …`). Lines interleaved on a
 * serial console (`[[  990.651427] Out of memory…`) are tolerated.
 *
 * Message shapes, by kernel (mm/oom_kill.c of each version):
 * - 2.6.18:  `oom-killer: gfp_mask=0x201d2, order=0`,
 *            `Out of Memory: Kill process 1234 (sshd) score 5678 and children.`,
 *            `Out of Memory: Killed process 1234 (sshd).`
 *            (RHEL5: `httpd invoked oom-killer: … oomkilladj=0`, `Out of memory: Killed process 123, UID 48, (httpd).`)
 * - 2.6.2x–2.6.35: `… kill process 1234 (sshd) score 5678 or a child`, `Killed process 1234 (sshd)`
 * - 2.6.36–5.0: `… invoked oom-killer: gfp_mask=…, order=0, oom_score_adj=0`,
 *            `Out of memory: Kill process 1234 (sshd) score 567 or sacrifice child`,
 *            `Killed process 1234 (sshd) total-vm:…kB, anon-rss:…kB, file-rss:…kB` (RHEL7 adds `, UID n`)
 * - 4.19+: `oom-kill:constraint=CONSTRAINT_NONE,…,task=python3,pid=358,uid=0`
 * - 5.x+:  `Out of memory: Killed process 358 (python3) total-vm:423516kB, anon-rss:412432kB,
 *            file-rss:5268kB, shmem-rss:0kB, UID:0 pgtables:868kB oom_score_adj:0`
 * - 4.6+:  `oom_reaper: reaped process 357 (python3), now anon-rss:0kB, …`
 * plus `Memory cgroup out of memory: …` for memcg-constrained kills and
 * `Out of memory and no killable processes...` / `Kernel panic - not syncing: Out of memory…`.
 *
 * Log text is free-form, so scanning never throws: unrecognised lines are ignored.
 */

export const LogTimestampSchema = z.object({
  /** What to show: the wall-clock text if the line has one, else the monotonic seconds as written. */
  text: z.nullable(z.string()),
  /** `Nov 26 00:01:30.304963`, `2025-07-05 07:35:09`, `Sun Dec  8 09:23:39 2024`. */
  wallclock: z.nullable(z.string()),
  /** Seconds since boot from a `[  154.424991]` stamp. */
  monotonicSeconds: z.nullable(z.number()),
})
export type LogTimestamp = z.infer<typeof LogTimestampSchema>

export const OomEventKindSchema = z.enum(['invoked', 'selected', 'killed', 'constraint', 'reaped', 'no-killable', 'panic'])
export type OomEventKind = z.infer<typeof OomEventKindSchema>

const intOrNull = z.nullable(z.int())

export const OomEventSchema = z.object({
  kind: OomEventKindSchema,
  /** 1-based line number in the scanned text. */
  line: z.int(),
  timestamp: LogTimestampSchema,
  /** The victim (selected/killed/constraint/reaped); null for `invoked`. */
  pid: intOrNull,
  name: z.nullable(z.string()),
  /** `invoked`: the task whose allocation failed (not the victim). */
  invoker: z.nullable(z.string()),
  gfpMask: z.nullable(z.string()),
  order: intOrNull,
  /** `invoked`: the invoker's oom_score_adj (or oomkilladj/oom_adj on old kernels). */
  invokerOomScoreAdj: intOrNull,
  /** `selected`: the badness score the kernel printed. */
  score: intOrNull,
  uid: intOrNull,
  totalVmKiB: intOrNull,
  anonRssKiB: intOrNull,
  fileRssKiB: intOrNull,
  shmemRssKiB: intOrNull,
  /** anon + file + shmem, when the line gives any of them. */
  rssKiB: intOrNull,
  pageTablesKiB: intOrNull,
  oomScoreAdj: intOrNull,
  /** A memory-cgroup OOM (`Memory cgroup out of memory`, CONSTRAINT_MEMCG), not a system-wide one. */
  memcg: z.boolean(),
  /** `constraint`: CONSTRAINT_NONE, CONSTRAINT_MEMCG … */
  constraint: z.nullable(z.string()),
  taskMemcg: z.nullable(z.string()),
  /** The log line, untouched. */
  raw: z.string(),
})
export type OomEvent = z.infer<typeof OomEventSchema>

export const OomKillSchema = z.object({
  pid: z.int(),
  name: z.string(),
  line: z.int(),
  timestamp: LogTimestampSchema,
  rssKiB: intOrNull,
  anonRssKiB: intOrNull,
  totalVmKiB: intOrNull,
  uid: intOrNull,
  oomScoreAdj: intOrNull,
  /** The score printed by a preceding "Kill process … score N" line. */
  score: intOrNull,
  /** The process the kernel selected, when it killed a child of it instead (pre-5.1 child rule). */
  selectedPid: intOrNull,
  selectedName: z.nullable(z.string()),
  /** Who asked for memory when the killer ran. */
  invoker: z.nullable(z.string()),
  constraint: z.nullable(z.string()),
  taskMemcg: z.nullable(z.string()),
  memcg: z.boolean(),
  /** An oom_reaper line confirmed the memory was taken back. */
  reaped: z.boolean(),
  /** Identity of this kill for cursors: timestamp text, pid and name. */
  key: z.string(),
})
export type OomKill = z.infer<typeof OomKillSchema>

export const OomLogScanSchema = z.object({
  events: z.array(OomEventSchema),
  kills: z.array(OomKillSchema),
  /** How many times the killer was invoked (an invocation need not kill). */
  invocations: z.int(),
  /** The kernel found nothing to kill or panicked: the host is (or was) dead. */
  fatal: z.boolean(),
})
export type OomLogScan = z.infer<typeof OomLogScanSchema>

const TRIGGERS = ['oom-killer', 'ill process', 'illed process', 'oom-kill:', 'oom_reaper', 'ut of memory', 'ut of Memory']

/** Scan log text for OOM events. Never throws. */
export function scanOomLog(text: string): OomLogScan {
  const events: OomEvent[] = []
  let lineNo = 0
  let pos = 0
  while (pos < text.length) {
    let end = text.indexOf('\n', pos)
    if (end === -1) end = text.length
    lineNo++
    const line = text.slice(pos, end)
    pos = end + 1
    let hit = false
    for (const t of TRIGGERS) {
      if (line.includes(t)) {
        hit = true
        break
      }
    }
    if (!hit) continue
    const event = parseOomLine(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo)
    if (event) events.push(event)
  }
  return {events, kills: consolidateKills(events), invocations: events.filter((e) => e.kind === 'invoked').length, fatal: events.some((e) => e.kind === 'no-killable' || e.kind === 'panic')}
}

// --- prefix (timestamp, host, tag) -------------------------------------------------------------

const MONO_RE = /^\[\s*(\d+\.\d+)\]\s?/
const BRACKET_RE = /^\[([^\]]*\d[^\]]*)\]\s?/
const SYSLOG_RE = /^([A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) +/
const ISO_RE = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?):? +/
const HOST_TAG_RE = /^(?:\S+ +)?kernel(?:\[\d+\])?: +/
const KERNEL_TAG_RE = /^kernel(?:\[\d+\])?: +/

interface Prefix {
  timestamp: LogTimestamp
  /** Where the kernel's own message starts. */
  messageStart: number
}

function splitPrefix(line: string): Prefix {
  let rest = line
  let offset = 0
  let wallclock: string | null = null
  let monotonicText: string | null = null
  let monotonicSeconds: number | null = null
  const eat = (n: number) => {
    rest = rest.slice(n)
    offset += n
  }
  // printk level from `dmesg -r`: "<4>".
  const level = /^<\d>/.exec(rest)
  if (level) eat(level[0].length)
  for (let guard = 0; guard < 6; guard++) {
    while (rest.startsWith('[[')) eat(1) // two console writers interleaved
    let m: RegExpExecArray | null
    if ((m = MONO_RE.exec(rest))) {
      monotonicText = (m[1] as string)
      monotonicSeconds = Number(m[1])
      eat(m[0].length)
      continue
    }
    if (wallclock === null && (m = BRACKET_RE.exec(rest)) && /[:-]/.test(m[1] as string)) {
      wallclock = (m[1] as string).trim()
      eat(m[0].length)
      continue
    }
    if (wallclock === null && (m = SYSLOG_RE.exec(rest))) {
      wallclock = m[1] as string
      eat(m[0].length)
      const tag = HOST_TAG_RE.exec(rest)
      if (tag) eat(tag[0].length)
      else {
        // "host tag: " with a tag other than kernel (e.g. the lab's "unknown:"); keep the message.
        const other = /^\S+ +\S+?: +/.exec(rest)
        if (other) eat(other[0].length)
      }
      continue
    }
    if (wallclock === null && (m = ISO_RE.exec(rest))) {
      wallclock = m[1] as string
      eat(m[0].length)
      const tag = HOST_TAG_RE.exec(rest)
      if (tag) eat(tag[0].length)
      continue
    }
    if ((m = KERNEL_TAG_RE.exec(rest)) || (monotonicText !== null && (m = HOST_TAG_RE.exec(rest)))) {
      eat(m[0].length)
      continue
    }
    break
  }
  return {
    timestamp: {text: wallclock ?? monotonicText, wallclock, monotonicSeconds},
    messageStart: offset,
  }
}

// --- message parsers ---------------------------------------------------------------------------

function blankEvent(kind: OomEventKind, lineNo: number, timestamp: LogTimestamp, raw: string): OomEvent {
  return {
    kind, line: lineNo, timestamp, pid: null, name: null, invoker: null, gfpMask: null, order: null,
    invokerOomScoreAdj: null, score: null, uid: null, totalVmKiB: null, anonRssKiB: null, fileRssKiB: null,
    shmemRssKiB: null, rssKiB: null, pageTablesKiB: null, oomScoreAdj: null, memcg: false, constraint: null,
    taskMemcg: null, raw,
  }
}

function intAfter(text: string, key: string): number | null {
  const at = text.indexOf(key)
  if (at === -1) return null
  const m = /^\s*(-?\d+)/.exec(text.slice(at + key.length))
  return m ? Number(m[1]) : null
}

/** `(name)` right after `at` in msg, where name may itself contain parentheses. */
function nameInParens(msg: string, at: number, terminators: readonly string[]): {name: string; end: number} | null {
  const open = msg.indexOf('(', at)
  if (open === -1) return null
  let best = -1
  for (const t of terminators) {
    const i = msg.indexOf(t, open + 1)
    if (i !== -1 && (best === -1 || i < best)) best = i
  }
  if (best === -1) best = msg.lastIndexOf(')')
  if (best <= open) return null
  return {name: msg.slice(open + 1, best), end: best + 1}
}

function parseOomLine(line: string, lineNo: number): OomEvent | null {
  const {timestamp, messageStart} = splitPrefix(line)
  const msg = line.slice(messageStart)

  // "<comm> invoked oom-killer: gfp_mask=0x…(…), order=0, oom_score_adj=0"; 2.6.18: "oom-killer: gfp_mask=…".
  const invokedAt = msg.indexOf(' invoked oom-killer:')
  if (invokedAt !== -1 || msg.startsWith('oom-killer: gfp_mask=')) {
    const e = blankEvent('invoked', lineNo, timestamp, line)
    e.invoker = invokedAt === -1 ? null : msg.slice(0, invokedAt)
    const params = msg.slice(msg.indexOf('oom-killer:') + 'oom-killer:'.length)
    const gfp = /gfp_mask=(0x[0-9a-fA-F]+)/.exec(params)
    e.gfpMask = gfp ? (gfp[1] as string) : null
    e.order = intAfter(params, 'order=')
    e.invokerOomScoreAdj = intAfter(params, 'oom_score_adj=') ?? intAfter(params, 'oomkilladj=') ?? intAfter(params, 'oom_adj=')
    return e
  }

  // 4.19+: "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),…,task_memcg=/x.service,task=python3,pid=358,uid=0"
  const constraintAt = msg.indexOf('oom-kill:constraint=')
  if (constraintAt !== -1) {
    const e = blankEvent('constraint', lineNo, timestamp, line)
    const body = msg.slice(constraintAt + 'oom-kill:'.length)
    const comma = body.indexOf(',')
    e.constraint = body.slice('constraint='.length, comma === -1 ? body.length : comma)
    e.memcg = e.constraint === 'CONSTRAINT_MEMCG'
    const pidAt = body.lastIndexOf(',pid=')
    const taskAt = body.lastIndexOf(',task=', pidAt === -1 ? body.length : pidAt)
    if (pidAt !== -1) e.pid = intAfter(body.slice(pidAt), ',pid=')
    if (taskAt !== -1 && pidAt !== -1) e.name = body.slice(taskAt + ',task='.length, pidAt)
    const memcgAt = body.indexOf('task_memcg=')
    if (memcgAt !== -1) {
      const stop = body.indexOf(',task=', memcgAt)
      e.taskMemcg = body.slice(memcgAt + 'task_memcg='.length, stop === -1 ? body.length : stop)
    }
    if (pidAt !== -1) {
      const uidAt = body.indexOf(',uid=', pidAt)
      if (uidAt !== -1) e.uid = intAfter(body.slice(uidAt), ',uid=')
    }
    return e
  }

  // 4.6+: "oom_reaper: reaped process 357 (python3), now anon-rss:0kB, …"
  const reapedAt = msg.indexOf('oom_reaper: reaped process ')
  if (reapedAt !== -1) {
    const e = blankEvent('reaped', lineNo, timestamp, line)
    const after = reapedAt + 'oom_reaper: reaped process '.length
    e.pid = intAfter(msg.slice(after), '')
    const n = nameInParens(msg, after, ['), now'])
    e.name = n ? n.name : null
    return e.pid === null ? null : e
  }

  // "Kill process N (name) score S or sacrifice child" / "kill process … or a child" / "… and children."
  const selectMatch = /[Kk]ill process (\d+) \(/.exec(msg)
  if (selectMatch && !msg.includes('Killed process')) {
    const e = blankEvent('selected', lineNo, timestamp, line)
    e.pid = Number(selectMatch[1])
    const n = nameInParens(msg, selectMatch.index, [') score ', ') with score '])
    e.name = n ? n.name : null
    e.score = n ? intAfter(msg.slice(n.end), 'score') : null
    e.memcg = msg.includes('Memory cgroup out of memory')
    return e
  }

  // "Killed process N (name) …", "Killed process N, UID n, (name) …", "Killed process N (name)."
  const killedAt = msg.indexOf('Killed process ')
  if (killedAt !== -1) {
    const e = blankEvent('killed', lineNo, timestamp, line)
    const after = msg.slice(killedAt + 'Killed process '.length)
    const pidMatch = /^(\d+)/.exec(after)
    if (!pidMatch) return null
    e.pid = Number(pidMatch[1])
    const n = nameInParens(msg, killedAt, [') total-vm:', ') vsz:', '), UID', '), total-vm', ').'])
    if (!n) return null
    e.name = n.name
    const uidComma = /^\d+, UID (\d+),/.exec(after)
    const tail = msg.slice(n.end)
    e.uid = uidComma ? Number(uidComma[1]) : intAfter(tail, 'UID:') ?? intAfter(tail, 'UID ')
    e.totalVmKiB = intAfter(tail, 'total-vm:') ?? intAfter(tail, 'vsz:')
    e.anonRssKiB = intAfter(tail, 'anon-rss:')
    e.fileRssKiB = intAfter(tail, 'file-rss:')
    e.shmemRssKiB = intAfter(tail, 'shmem-rss:')
    e.pageTablesKiB = intAfter(tail, 'pgtables:')
    e.oomScoreAdj = intAfter(tail, 'oom_score_adj:')
    if (e.anonRssKiB !== null || e.fileRssKiB !== null || e.shmemRssKiB !== null) {
      e.rssKiB = (e.anonRssKiB ?? 0) + (e.fileRssKiB ?? 0) + (e.shmemRssKiB ?? 0)
    }
    e.memcg = msg.includes('Memory cgroup out of memory')
    return e
  }

  if (msg.includes('Out of memory and no killable processes')) return blankEvent('no-killable', lineNo, timestamp, line)
  if ((msg.includes('Kernel panic') && /out of memory/i.test(msg)) || msg.includes('panic_on_oom is enabled') || msg.includes('System is deadlocked on memory')) {
    return blankEvent('panic', lineNo, timestamp, line)
  }
  return null
}

function consolidateKills(events: readonly OomEvent[]): OomKill[] {
  const kills: OomKill[] = []
  let invoker: string | null = null
  let selected: OomEvent | null = null
  let constraint: OomEvent | null = null
  for (const e of events) {
    switch (e.kind) {
      case 'invoked':
        invoker = e.invoker
        selected = null
        constraint = null
        break
      case 'selected':
        selected = e
        break
      case 'constraint':
        constraint = e
        break
      case 'killed': {
        const pid = e.pid as number
        const name = e.name as string
        const sel = selected
        const con = constraint !== null && constraint.pid === pid ? constraint : null
        kills.push({
          pid,
          name,
          line: e.line,
          timestamp: e.timestamp,
          rssKiB: e.rssKiB,
          anonRssKiB: e.anonRssKiB,
          totalVmKiB: e.totalVmKiB,
          uid: e.uid,
          oomScoreAdj: e.oomScoreAdj,
          score: sel !== null && sel.pid === pid ? sel.score : null,
          selectedPid: sel !== null && sel.pid !== pid ? sel.pid : null,
          selectedName: sel !== null && sel.pid !== pid ? sel.name : null,
          invoker,
          constraint: con?.constraint ?? null,
          taskMemcg: con?.taskMemcg ?? null,
          memcg: e.memcg || (con?.memcg ?? false),
          reaped: false,
          key: `${e.timestamp.text ?? ''}|${pid}|${name}`,
        })
        selected = null
        constraint = null
        invoker = null
        break
      }
      case 'reaped': {
        for (let i = kills.length - 1; i >= 0; i--) {
          const k = kills[i] as OomKill
          if (k.pid === e.pid) {
            k.reaped = true
            break
          }
        }
        break
      }
      default:
        break
    }
  }
  return kills
}

// --- cursors (mem-set's emergency brake) -------------------------------------------------------

export const OomCursorSchema = z.object({
  /** Kills seen when the cursor was taken. */
  killCount: z.int(),
  /** The last kill's key, or null if there was none. */
  lastKey: z.nullable(z.string()),
  lastMonotonicSeconds: z.nullable(z.number()),
})
export type OomCursor = z.infer<typeof OomCursorSchema>

/** Remember where the log is now. Take it before a change; compare after with `killsSince`. */
export function oomCursor(scan: OomLogScan): OomCursor {
  const last = scan.kills.at(-1)
  return {
    killCount: scan.kills.length,
    lastKey: last?.key ?? null,
    lastMonotonicSeconds: last?.timestamp.monotonicSeconds ?? null,
  }
}

export interface KillsSince {
  /** Kills after the cursor. */
  kills: OomKill[]
  /**
   * How they were told apart: `cursor` (the cursor's last kill is still in the log), `monotonic`
   * (it scrolled out of the ring buffer; newer timestamps are new), `all` (no way to tell: every
   * kill is treated as new, which errs on the side of stopping).
   */
  method: 'cursor' | 'monotonic' | 'all'
}

/** Kills that happened after `cursor` was taken. */
export function killsSince(scan: OomLogScan, cursor: OomCursor): KillsSince {
  if (cursor.lastKey === null) return {kills: [...scan.kills], method: 'cursor'}
  for (let i = scan.kills.length - 1; i >= 0; i--) {
    if ((scan.kills[i] as OomKill).key === cursor.lastKey) return {kills: scan.kills.slice(i + 1), method: 'cursor'}
  }
  if (cursor.lastMonotonicSeconds !== null) {
    const after = cursor.lastMonotonicSeconds
    return {kills: scan.kills.filter((k) => k.timestamp.monotonicSeconds !== null && k.timestamp.monotonicSeconds > after), method: 'monotonic'}
  }
  return {kills: [...scan.kills], method: 'all'}
}
