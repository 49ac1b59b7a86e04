import type {CommandResult, CommandSpec, Gathered, GatherPlan, ProcessFiles} from './host.js'
import {quoteArg} from './remote-quote.js'

/**
 * The remote collector: a small POSIX-sh program sent on stdin to `/bin/sh -s` that serves a whole
 * GatherPlan (files, directory listings, program runs, the process table) in ONE ssh round trip.
 *
 * Portability: plain POSIX sh (dash, busybox ash, bash 3 as sh on RHEL5). It uses only builtins
 * plus cat, cp, wc, mkdir, rm, sleep, kill and date – all in busybox and in coreutils 5.97. No
 * bash-isms, no `local`, no arrays, no `timeout` (absent on RHEL5, `-t SECS` on old busybox, and its
 * exit codes 124/137 collide with the program's own): a program's time limit is enforced by a
 * background watchdog (`sleep N` then `kill -9`) that leaves a marker file, so "timed out" is never
 * guessed from an exit code.
 *
 * Framing (all lengths in bytes):
 *
 *   <anything the login shell printed first, skipped>
 *   MGSTART <nonce> <protocol>\n
 *   MGREC <kind> <length>\n<length bytes>\n      repeated
 *   MGEND <nonce> <status>\n
 *
 * Kinds:
 * - `index` (the output of `wc -c` over a set of captured files), always followed by `data` (those
 *   files concatenated in the same order). Every plan file, listing and program output is first
 *   copied into a private (0700) temporary directory on the host, so its length is known before a
 *   byte of it is sent: NULs, binary data or a file containing "MGREC" cannot shift the framing,
 *   and the parser checks that the index adds up to the data. Names: `f<k>/<i>` plan file i,
 *   `d<k>/<i>` plan directory i (entry names each followed by "/", the one byte a name cannot
 *   contain), `c/<i>.o` and `c/<i>.e` stdout and stderr of plan command i.
 * - `plist` (lines "<pid> <file>"), always followed by `pdata`: the process table, up to 50
 *   processes per pair. Copying 5 files per process would cost a program start each (8 s for 2,000
 *   processes on a small VM), so one `cat` per batch reads them all, each followed by a
 *   separator – NUL, a 128-bit secret, NUL – that is in no argv, environment or file name on the
 *   host (it reaches the shell on stdin and a 0600 file), so no process can forge it in its
 *   cmdline. The parser checks the segment count against the list. A file that vanished with its
 *   process comes back empty; status, stat and oom_* are never empty otherwise, so they become null.
 * - `status`: one line per program: `C <index> <exit code|notfound|timeout> <ms>`.
 * - `error`: the collector could not do its job (no temporary directory, disk full).
 */

export const COLLECTOR_PROTOCOL = 1
/** The same default as LocalHost: a hung `xl` must not hang memguard. */
export const DEFAULT_REMOTE_COMMAND_TIMEOUT_MS = 20_000
/** Files and directories per bundle directory: keeps every `wc`/`cat` argv far below RHEL5's 128 KiB ARG_MAX. */
const ITEMS_PER_BUNDLE = 400
/** Processes per plist/pdata pair: argv growth in sh is quadratic, each batch costs 3 program starts. */
const PROCESSES_PER_BUNDLE = 50

/**
 * Shared start of every remote script: a known locale (byte-counting `${#x}`, C-locale tool
 * output), the sbin directories a non-interactive ssh session often lacks (`xl` lives in
 * /usr/sbin), private files, and the default IFS.
 */
export const REMOTE_PRELUDE = `LC_ALL=C; export LC_ALL
IFS=' \t\n'
PATH="\${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin"; export PATH
umask 077
mg_text() { printf 'MGREC %s %s\\n%s\\n' "$1" "\${#2}" "$2"; }
`

/** The collector's functions. Everything is global (no `local` in POSIX sh), so all names start with mg_/MG_. */
export const COLLECTOR_LIBRARY = String.raw`
mg_fail() {
  mg_text error "$1"
  printf 'MGEND %s 1\n' "$MG_N"
  exit 1
}
mg_begin() {
  printf 'MGSTART %s ${COLLECTOR_PROTOCOL}\n' "$MG_N"
  MG_T=${"${TMPDIR:-/tmp}"}/memguard.$MG_N
  if mkdir "$MG_T" 2>/dev/null; then :; else
    MG_T=/tmp/memguard.$MG_N
    mkdir "$MG_T" || mg_fail "cannot create a temporary directory ($MG_T)"
  fi
  trap 'rm -rf "$MG_T"' 0
  trap 'exit 129' 1; trap 'exit 130' 2; trap 'exit 141' 13; trap 'exit 143' 15
  (cd "$MG_T" && mkdir m "$@") || mg_fail "cannot create directories in $MG_T"
  : > "$MG_T/st" || mg_fail "cannot write in $MG_T"
  MG_CMDS=
  # Milliseconds: GNU date has %N; others get whole seconds; a 32-bit shell gets no timings.
  MG_NS=0
  if [ "$( (echo $((4294967296 * 2))) 2>/dev/null)" = 8589934592 ]; then
    case $(date +%s%N 2>/dev/null) in ''|*[!0-9]*) MG_NS=2 ;; *) MG_NS=1 ;; esac
  fi
  printf '\000%s\000' "$MG_S" > "$MG_T/s" || mg_fail "cannot write in $MG_T"
}
mg_now() {
  case $MG_NS in
    1) mg_t=$(date +%s%N); mg_t=$((mg_t / 1000000)) ;;
    2) mg_t=$(date +%s); mg_t=$((mg_t * 1000)) ;;
    *) mg_t=0 ;;
  esac
}
mg_watch() {
  # Second by second, so that it never outlives its program by more than a second. It stops as
  # soon as the main shell has reaped the program ($3.done), so a recycled pid is never killed.
  # No trap + wait here: that races in dash and can block for the whole time limit.
  mg_n=0
  while [ "$mg_n" -lt "$2" ]; do
    sleep 1
    if [ -e "$3.done" ] || [ ! -d "$MG_T" ]; then exit 0; fi
    kill -0 "$1" 2>/dev/null || exit 0
    mg_n=$((mg_n + 1))
  done
  : > "$3"
  [ -e "$3.done" ] || kill -9 "$1" 2>/dev/null
}
mg_cmd() {
  mg_i=$1; mg_s=$2; shift 2
  if command -v "$1" >/dev/null 2>&1; then :; else
    printf 'C %s notfound 0\n' "$mg_i" >> "$MG_T/st"
    return 0
  fi
  mg_now
  eval "mg_t$mg_i=\$mg_t"
  "$@" </dev/null >"$MG_T/c/$mg_i.o" 2>"$MG_T/c/$mg_i.e" &
  eval "mg_p$mg_i=\$!"
  # A subshell, not a redirected function call: dash keeps a copy of the redirected fds for a
  # function, which would hold our stdout (the ssh channel) open until the watcher ends.
  (mg_watch "$!" "$mg_s" "$MG_T/m/$mg_i") </dev/null >/dev/null 2>&1 &
  eval "mg_w$mg_i=\$!"
  MG_CMDS="$MG_CMDS $mg_i"
}
mg_wait() {
  for mg_i in $MG_CMDS; do
    eval "mg_p=\$mg_p$mg_i; mg_w=\$mg_w$mg_i; mg_s=\$mg_t$mg_i"
    wait "$mg_p" 2>/dev/null
    mg_rc=$?
    : > "$MG_T/m/$mg_i.done"
    kill "$mg_w" 2>/dev/null
    mg_now
    if [ -f "$MG_T/m/$mg_i" ] && [ "$mg_rc" -gt 128 ]; then mg_rc=timeout; fi
    printf 'C %s %s %s\n' "$mg_i" "$mg_rc" "$((mg_t - mg_s))" >> "$MG_T/st"
  done
}
mg_file() {
  cat "$MG_R$2" > "$MG_T/$1" 2>/dev/null || rm -f "$MG_T/$1"
}
mg_dir() {
  mg_d=$MG_R$2
  if [ -d "$mg_d" ] && [ -r "$mg_d" ] && [ -x "$mg_d" ]; then
    for mg_e in "$mg_d"/* "$mg_d"/.[!.]* "$mg_d"/..?*; do
      if [ -e "$mg_e" ] || [ -h "$mg_e" ]; then printf '%s/' "${"${mg_e##*/}"}"; fi
    done > "$MG_T/$1"
  fi
}
mg_emit() {
  mg_l=$(wc -c < "$2") || return 1
  set -- "$1" "$2" $mg_l
  printf 'MGREC %s %s\n' "$1" "$3"
  cat "$2"
  printf '\n'
}
mg_bundle() {
  (
    cd "$MG_T" || exit 1
    mg_b=$1
    set -- "$1"/*
    [ -e "$1" ] || exit 0
    wc -c "$@" > "$mg_b.idx" && cat "$@" > "$mg_b.dat" || exit 1
    mg_emit index "$mg_b.idx" && mg_emit data "$mg_b.dat"
  ) || mg_fail "cannot read back $1 from $MG_T (is the disk full?)"
}
mg_pbatch() {
  # One cat per batch: each /proc file followed by the separator file "s", whose content (a
  # secret that is in no argv, file name or environment) no process can put in its cmdline.
  mg_pl=
  for mg_p in "$@"; do
    # The legacy knob only where the modern one is missing (kernels < 2.6.36).
    if [ -e "$MG_R/proc/$mg_p/oom_score_adj" ]; then mg_a=oom_score_adj; else mg_a=oom_adj; fi
    for mg_f in status stat cmdline oom_score $mg_a; do
      set -- "$@" "$MG_R/proc/$mg_p/$mg_f" s
      mg_pl="$mg_pl$mg_p $mg_f
"
    done
    shift
  done
  (cd "$MG_T" && cat "$@" > pd 2>/dev/null)
  mg_text plist "$mg_pl"
  mg_emit pdata "$MG_T/pd" || mg_fail "cannot read back $MG_T/pd (is the disk full?)"
}
mg_procs() {
  set --
  for mg_d in "$MG_R"/proc/[0-9]*; do
    mg_p=${"${mg_d##*/}"}
    case $mg_p in ''|*[!0-9]*) continue ;; esac
    set -- "$@" "$mg_p"
    if [ $# -ge ${PROCESSES_PER_BUNDLE} ]; then mg_pbatch "$@"; set --; fi
  done
  if [ $# -gt 0 ]; then mg_pbatch "$@"; fi
}
mg_finish() {
  mg_wait
  mg_bundle c
  mg_emit status "$MG_T/st" || mg_fail "cannot read back $MG_T/st"
  printf 'MGEND %s 0\n' "$MG_N"
}
`

export interface CollectorOptions {
  /** Random token that brackets the output (8-64 letters or digits; also in the temp dir name). */
  nonce: string
  /** Random secret for the process-table separators (8-64 letters or digits; never in any argv). */
  secret: string
  /** Read files under this directory of the host instead of `/` (the remote twin of `--root`). */
  root?: string
}

/** Name of plan file i inside the bundles. */
function fileEntry(i: number): string {
  return `f${Math.floor(i / ITEMS_PER_BUNDLE)}/${i}`
}

function dirEntry(i: number): string {
  return `d${Math.floor(i / ITEMS_PER_BUNDLE)}/${i}`
}

function bundleDirs(prefix: string, count: number): string[] {
  const dirs: string[] = []
  for (let k = 0; k * ITEMS_PER_BUNDLE < count; k++) dirs.push(`${prefix}${k}`)
  return dirs
}

function checkAbsolute(path: string): void {
  if (!path.startsWith('/')) throw new TypeError(`host paths must be absolute: ${JSON.stringify(path)}`)
}

/** Normalised remote root prefix: '' for '/', no trailing slash otherwise. */
export function rootPrefix(root: string | undefined): string {
  if (root === undefined || root === '' || root === '/') return ''
  checkAbsolute(root)
  return root.replace(/\/+$/, '')
}

export function commandTimeoutSeconds(spec: CommandSpec): number {
  return Math.max(1, Math.ceil((spec.timeoutMs ?? DEFAULT_REMOTE_COMMAND_TIMEOUT_MS) / 1000))
}

function checkToken(value: string, what: string): void {
  if (!/^[A-Za-z0-9]{8,64}$/.test(value)) throw new TypeError(`collector ${what} must be 8-64 letters or digits`)
}

/** The whole script for one plan. Every plan value reaches the shell through `quoteArg`. */
export function buildCollectorScript(plan: GatherPlan, options: CollectorOptions): string {
  checkToken(options.nonce, 'nonce')
  checkToken(options.secret, 'secret')
  const root = rootPrefix(options.root)
  const dirs = plan.dirs ?? []
  plan.files.forEach(checkAbsolute)
  dirs.forEach(checkAbsolute)
  const lines: string[] = [REMOTE_PRELUDE, `MG_N=${options.nonce}`, `MG_S=${options.secret}`, `MG_R=${quoteArg(root)}`]
  if (root) lines.push(`MEMGUARD_ROOT=${quoteArg(root)}; export MEMGUARD_ROOT`)
  lines.push(COLLECTOR_LIBRARY)
  const fileDirs = bundleDirs('f', plan.files.length)
  const dirDirs = bundleDirs('d', dirs.length)
  lines.push(['mg_begin', 'c', ...fileDirs, ...dirDirs].join(' '))
  // Programs first, so they run while files are read (as LocalHost does).
  plan.commands.forEach((spec, i) => {
    lines.push(`mg_cmd ${i} ${commandTimeoutSeconds(spec)} ${spec.argv.map(quoteArg).join(' ')}`)
  })
  plan.files.forEach((path, i) => lines.push(`mg_file ${fileEntry(i)} ${quoteArg(path)}`))
  dirs.forEach((path, i) => lines.push(`mg_dir ${dirEntry(i)} ${quoteArg(path)}`))
  for (const dir of [...fileDirs, ...dirDirs]) lines.push(`mg_bundle ${dir}`)
  if (plan.processes) lines.push('mg_procs')
  lines.push('mg_finish', '')
  return lines.join('\n')
}

export interface CommandStatus {
  exitCode: number | null
  notFound: boolean
  timedOut: boolean
  durationMs: number
}

export interface CollectorOutput {
  /** Every captured file, by bundle name (`f0/3`, `c/1.o`, `p2/1234/status`). */
  entries: Map<string, Buffer>
  commands: Map<number, CommandStatus>
  /** `error` records: the collector could not do its job. */
  errors: string[]
  /** MGSTART was seen. */
  started: boolean
  /** MGEND was seen: the output is whole. */
  complete: boolean
  /** The status on the MGEND line (0 = ok). */
  endStatus: number | null
}

/** The framing was broken: not a truncation, which is reported as `complete: false`. */
export class CollectorFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CollectorFormatError'
  }
}

const NL = 0x0a

/** Split the collector's stdout into records. Pure; throws CollectorFormatError on garbled framing. */
export function parseCollectorOutput(stdout: Uint8Array, nonce: string, secret: string): CollectorOutput {
  const separator = Buffer.from(`\0${secret}\0`)
  const buf = Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength)
  const out: CollectorOutput = {entries: new Map(), commands: new Map(), errors: [], started: false, complete: false, endStatus: null}
  const start = Buffer.from(`MGSTART ${nonce} `)
  // The marker must begin a line: whatever a login script printed before it is skipped.
  let pos = -1
  for (let from = 0; ; ) {
    const at = buf.indexOf(start, from)
    if (at < 0) break
    if (at === 0 || buf[at - 1] === NL) {
      pos = at
      break
    }
    from = at + 1
  }
  if (pos < 0) return out
  const firstEnd = buf.indexOf(NL, pos)
  if (firstEnd < 0) return out
  const protocol = buf.subarray(pos + start.length, firstEnd).toString('latin1')
  if (protocol !== String(COLLECTOR_PROTOCOL)) throw new CollectorFormatError(`collector protocol ${JSON.stringify(protocol)}, expected ${COLLECTOR_PROTOCOL}`)
  out.started = true
  pos = firstEnd + 1
  let pendingIndex: Array<[string, number]> | null = null
  let pendingList: string[] | null = null
  while (pos < buf.length) {
    const lineEnd = buf.indexOf(NL, pos)
    if (lineEnd < 0) return out // truncated header
    const header = buf.subarray(pos, lineEnd).toString('latin1')
    const end = /^MGEND (\S+) (\d+)$/.exec(header)
    if (end) {
      if (end[1] !== nonce) throw new CollectorFormatError('end marker with a foreign nonce')
      if (pendingIndex || pendingList) throw new CollectorFormatError('an index or plist record without its data record')
      out.complete = true
      out.endStatus = Number(end[2])
      return out
    }
    const rec = /^MGREC ([a-z]+) +(\d+)$/.exec(header)
    if (!rec) throw new CollectorFormatError(`bad record header ${JSON.stringify(header.slice(0, 80))}`)
    const kind = rec[1] as string
    const length = Number(rec[2])
    const dataStart = lineEnd + 1
    const dataEnd = dataStart + length
    if (dataEnd + 1 > buf.length) return out // truncated data
    if (buf[dataEnd] !== NL) throw new CollectorFormatError(`record ${kind} is not followed by a newline`)
    const data = buf.subarray(dataStart, dataEnd)
    pos = dataEnd + 1
    if (pendingIndex && kind !== 'data') throw new CollectorFormatError(`an index record followed by ${kind}`)
    if (pendingList && kind !== 'pdata') throw new CollectorFormatError(`a plist record followed by ${kind}`)
    switch (kind) {
      case 'index':
        pendingIndex = parseIndex(data.toString('latin1'))
        break
      case 'data': {
        if (!pendingIndex) throw new CollectorFormatError('a data record without an index')
        const total = pendingIndex.reduce((sum, [, n]) => sum + n, 0)
        if (total !== data.length) throw new CollectorFormatError(`data record of ${data.length} bytes, index says ${total}`)
        let at = 0
        for (const [name, n] of pendingIndex) {
          out.entries.set(name, Buffer.from(data.subarray(at, at + n)))
          at += n
        }
        pendingIndex = null
        break
      }
      case 'plist':
        pendingList = data
          .toString('latin1')
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const m = /^(\d+) ([a-z_]+)$/.exec(line)
            if (!m) throw new CollectorFormatError(`bad plist line ${JSON.stringify(line.slice(0, 80))}`)
            return `p/${m[1]}/${m[2]}`
          })
        break
      case 'pdata': {
        if (!pendingList) throw new CollectorFormatError('a pdata record without a plist')
        let at = 0
        for (const name of pendingList) {
          const end = data.indexOf(separator, at)
          if (end < 0) throw new CollectorFormatError(`process data ends before ${name}`)
          out.entries.set(name, Buffer.from(data.subarray(at, end)))
          at = end + separator.length
        }
        if (at !== data.length) throw new CollectorFormatError('process data has more segments than its list')
        pendingList = null
        break
      }
      case 'status':
        for (const line of data.toString('latin1').split('\n')) {
          if (!line) continue
          const m = /^C (\d+) (\d+|notfound|timeout) (-?\d+)$/.exec(line)
          if (!m) throw new CollectorFormatError(`bad status line ${JSON.stringify(line)}`)
          const code = m[2] as string
          out.commands.set(Number(m[1]), {
            exitCode: /^\d+$/.test(code) ? Number(code) : null,
            notFound: code === 'notfound',
            timedOut: code === 'timeout',
            durationMs: Math.max(0, Number(m[3])),
          })
        }
        break
      case 'error':
        out.errors.push(data.toString('utf8'))
        break
      default:
        // A newer collector's record kind: skip it.
        break
    }
  }
  return out
}

/** `wc -c` output: "<bytes> <name>" per line (padded on some systems), then "total" for several files. */
function parseIndex(text: string): Array<[string, number]> {
  const entries: Array<[string, number]> = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const m = /^\s*(\d+)\s(.+)$/.exec(line)
    if (!m) throw new CollectorFormatError(`bad index line ${JSON.stringify(line.slice(0, 80))}`)
    const name = m[2] as string
    if (name === 'total') continue // our names always contain a slash
    entries.push([name, Number(m[1])])
  }
  return entries
}

/**
 * Turn the records into exactly what LocalHost returns for the same plan: files and program
 * output as UTF-8, /proc/<pid> files as latin1, listings sorted, missing things as null.
 */
export function collectorToGathered(plan: GatherPlan, output: CollectorOutput): Gathered {
  const files = new Map<string, string | null>()
  plan.files.forEach((path, i) => {
    const data = output.entries.get(fileEntry(i))
    files.set(path, data === undefined ? null : data.toString('utf8'))
  })
  const dirs = new Map<string, string[] | null>()
  ;(plan.dirs ?? []).forEach((path, i) => {
    const data = output.entries.get(dirEntry(i))
    dirs.set(path, data === undefined ? null : data.toString('utf8').split('/').filter((name) => name !== '').sort())
  })
  const commands = new Map<string, CommandResult>()
  plan.commands.forEach((spec, i) => commands.set(spec.id, commandResult(spec, output.commands.get(i), output.entries.get(`c/${i}.o`), output.entries.get(`c/${i}.e`))))
  return {files, dirs, commands, processes: plan.processes ? processTable(output.entries) : null}
}

function commandResult(spec: CommandSpec, status: CommandStatus | undefined, stdout: Buffer | undefined, stderr: Buffer | undefined): CommandResult {
  const base = {argv: spec.argv, notCaptured: false}
  if (!status) {
    return {...base, exitCode: null, stdout: '', stderr: `${spec.argv[0]}: the remote collector reported no result`, notFound: false, timedOut: false, durationMs: 0}
  }
  if (status.notFound) {
    return {...base, exitCode: null, stdout: '', stderr: `${spec.argv[0]}: command not found`, notFound: true, timedOut: false, durationMs: 0}
  }
  return {
    ...base,
    exitCode: status.timedOut ? null : status.exitCode,
    stdout: stdout?.toString('utf8') ?? '',
    stderr: stderr?.toString('utf8') ?? '',
    notFound: false,
    timedOut: status.timedOut,
    durationMs: status.durationMs,
  }
}

function processTable(entries: Map<string, Buffer>): ProcessFiles[] {
  const byPid = new Map<number, Map<string, Buffer>>()
  for (const [name, data] of entries) {
    const m = /^p\/(\d+)\/([a-z_]+)$/.exec(name)
    if (!m) continue
    const pid = Number(m[1])
    let files = byPid.get(pid)
    if (!files) byPid.set(pid, (files = new Map()))
    files.set(m[2] as string, data)
  }
  const processes: ProcessFiles[] = []
  for (const pid of [...byPid.keys()].sort((a, b) => a - b)) {
    const files = byPid.get(pid) as Map<string, Buffer>
    // Empty means unreadable (the process exited mid-read): only cmdline is legitimately empty.
    const read = (name: string) => {
      const data = files.get(name)
      return data === undefined || (data.length === 0 && name !== 'cmdline') ? null : data.toString('latin1')
    }
    const status = read('status')
    if (status === null) continue // exited while we were reading
    const oomScoreAdj = read('oom_score_adj')
    processes.push({pid, status, stat: read('stat'), cmdline: read('cmdline'), oomScore: read('oom_score'), oomScoreAdj, oomAdj: oomScoreAdj === null ? read('oom_adj') : null})
  }
  return processes
}
