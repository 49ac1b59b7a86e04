import {REMOTE_PRELUDE} from './collector.js'
import type {ProcessProbe} from './host.js'
import {cmdlineFromHex} from './process-probe.js'
import {quoteArg} from './remote-quote.js'

/**
 * Remote writes, each one POSIX-sh script sent on stdin to `/bin/sh -s` (one ssh round trip).
 *
 * `writeFileAtomic`, with the same discipline as LocalHost:
 *   1. a symlink is followed to the file it names (as write-file-atomic does);
 *   2. the new content goes to a temporary file in the same directory (mode 0600 while written);
 *   3. the old file is backed up with `cp -p` (content, mode, owner, times kept);
 *   4. the temporary file gets the old file's owner and mode – `chown/chmod --reference` (GNU),
 *      else `stat -c '%u:%g %a'`, else parsed from `ls -lnd` – or the requested mode for a new file;
 *   5. sync, then `mv` over the target (an atomic rename(2)), then sync the directory.
 * An EXIT/HUP/INT/PIPE/TERM trap removes the temporary file, so a failed step or a connection that
 * drops leaves the target either old or new, never half-written, and no stray temporary file.
 *
 * The script answers on stdout with `MGBEGIN` first, then `MGOK <backup path>` or `MGERR <message>`.
 */

const WRITE_LIBRARY = String.raw`
mg_err() { printf 'MGERR %s\n' "$1"; exit 1; }
mg_mode_of() {
  mg_s=${"${1#?}"}; mg_i=0; mg_m=0
  while [ $mg_i -lt 9 ]; do
    mg_c=${"${mg_s%\"${mg_s#?}\"}"}; mg_s=${"${mg_s#?}"}
    mg_v=$((1 << (8 - mg_i)))
    case $mg_c in
      r|w|x) mg_m=$((mg_m + mg_v)) ;;
      -|S|T) ;;
      s|t) mg_m=$((mg_m + mg_v)) ;;
      *) return 1 ;;
    esac
    case $mg_i$mg_c in 2s|2S) mg_m=$((mg_m + 2048)) ;; 5s|5S) mg_m=$((mg_m + 1024)) ;; 8t|8T) mg_m=$((mg_m + 512)) ;; esac
    mg_i=$((mg_i + 1))
  done
  mg_mode=$(printf '%o' "$mg_m")
}
mg_keep() {
  if [ "$MG_OWNER" = auto ] && chown --reference="$1" "$2" 2>/dev/null && chmod --reference="$1" "$2" 2>/dev/null; then return 0; fi
  if [ "$MG_OWNER" != ls ] && mg_st=$(stat -c '%u:%g %a' "$1" 2>/dev/null) && [ -n "$mg_st" ]; then
    set -- "$1" "$2" $mg_st
    chown "$3" "$2" && chmod "$4" "$2"
    return
  fi
  set -f
  mg_ls=$(ls -lnd "$1") || { set +f; return 1; }
  set -- "$1" "$2" $mg_ls
  set +f
  mg_mode_of "$3" || return 1
  chown "$5:$6" "$2" && chmod "$mg_mode" "$2"
}
mg_write() {
  printf 'MGBEGIN\n'
  mg_p=$1; mg_m=$2; mg_bak=$3
  if [ -h "$mg_p" ]; then
    mg_r=$(readlink -f "$mg_p" 2>/dev/null) && [ -n "$mg_r" ] || mg_err "cannot resolve the symbolic link $mg_p"
    mg_p=$mg_r
  fi
  mg_old=0
  if [ -e "$mg_p" ]; then
    [ -f "$mg_p" ] || mg_err "$mg_p exists and is not a regular file"
    mg_old=1
  else
    mg_bak=
  fi
  mg_dir=${"${mg_p%/*}"}
  [ -n "$mg_dir" ] || mg_dir=/
  mg_tmp=$mg_dir/.${"${mg_p##*/}"}.memguard-$MG_N.tmp
  # New parents get 0755 like the local transport's (the prelude's umask 077 is for memguard's
  # own temporary files): a systemd drop-in directory at 0700 hides the drop-in from systemctl cat.
  (umask 022 && mkdir -p "$mg_dir") || mg_err "cannot create the directory $mg_dir"
  trap 'rm -f "$mg_tmp"' 0
  trap 'exit 129' 1; trap 'exit 130' 2; trap 'exit 141' 13; trap 'exit 143' 15
  mg_content > "$mg_tmp" || mg_err "cannot write $mg_tmp"
  if [ $mg_old = 1 ]; then
    if [ -n "$mg_bak" ]; then cp -p "$mg_p" "$mg_bak" || mg_err "cannot back up $mg_p to $mg_bak"; fi
    mg_keep "$mg_p" "$mg_tmp" || mg_err "cannot give $mg_tmp the owner and mode of $mg_p"
  else
    chmod "$mg_m" "$mg_tmp" || mg_err "cannot set mode $mg_m on $mg_tmp"
  fi
  sync "$mg_tmp" 2>/dev/null || sync
  mv -f "$mg_tmp" "$mg_p" || mg_err "cannot rename $mg_tmp to $mg_p"
  trap - 0
  sync "$mg_dir" 2>/dev/null || sync
  printf 'MGOK %s\n' "$mg_bak"
}
mg_create() {
  printf 'MGBEGIN\n'
  mg_p=$1
  mg_dir=${"${mg_p%/*}"}
  [ -n "$mg_dir" ] || mg_dir=/
  umask "$3"
  mkdir -p "$mg_dir" || mg_err "cannot create the directory $mg_dir"
  umask "$2"
  # noclobber: the shell opens with O_EXCL, the primitive of memguard's per-host lock.
  if (set -C; : > "$mg_p"); then
    mg_content >> "$mg_p" || { rm -f "$mg_p"; mg_err "cannot write $mg_p"; }
    chmod "$4" "$mg_p" || { rm -f "$mg_p"; mg_err "cannot set mode $4 on $mg_p"; }
    printf 'MGOK created\n'
  elif [ -e "$mg_p" ] || [ -h "$mg_p" ]; then
    printf 'MGOK exists\n'
  else
    mg_err "cannot create $mg_p"
  fi
}
mg_remove() {
  printf 'MGBEGIN\n'
  rm -f "$1" || mg_err "cannot remove $1"
  printf 'MGOK \n'
}
mg_spawn() {
  printf 'MGBEGIN\n'
  command -v "$1" >/dev/null 2>&1 || mg_err "$1: command not found"
  # A background job of a non-interactive shell is no process group leader, so setsid(1) calls
  # setsid() itself instead of forking: $! is the program's own pid.
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" </dev/null >/dev/null 2>&1 &
  else
    (trap '' 1; exec "$@") </dev/null >/dev/null 2>&1 &
  fi
  printf 'MGOK %s\n' "$!"
}
mg_alive() {
  printf 'MGBEGIN\n'
  if kill -0 "$1" 2>/dev/null || [ -d "/proc/$1" ]; then printf 'MGOK yes\n'; else printf 'MGOK no\n'; fi
}
mg_probe() {
  printf 'MGBEGIN\n'
  # argv as hex on one line (it holds NULs and may hold newlines); od -An -v -tx1 is POSIX and busybox.
  if [ -r "/proc/$1/cmdline" ] && mg_hex=$(od -An -v -tx1 "/proc/$1/cmdline" 2>/dev/null); then
    printf 'MGOK argv %s\n' "$(printf '%s' "$mg_hex" | tr -d ' \n')"
  elif kill -0 "$1" 2>/dev/null || [ -d "/proc/$1" ]; then printf 'MGOK alive\n'
  else printf 'MGOK gone\n'; fi
}
mg_kwrite() {
  printf 'MGBEGIN\n'
  mg_content > "$1" || mg_err "cannot write to $1"
  printf 'MGOK \n'
}
mg_append() {
  printf 'MGBEGIN\n'
  mg_dir=${"${1%/*}"}
  [ -n "$mg_dir" ] || mg_dir=/
  (umask 022 && mkdir -p "$mg_dir") || mg_err "cannot create the directory $mg_dir"
  umask "$2"
  mg_content >> "$1" || mg_err "cannot append to $1"
  printf 'MGOK \n'
}
`

const CHUNK = 32 * 1024

/**
 * A shell function that prints `content` exactly: `printf '%s' '<quoted chunk>'` per chunk (printf
 * is a builtin in dash, ash and bash, so no argv limit applies), and `printf '\000'` for each NUL,
 * which no shell word can hold.
 */
export function contentFunction(content: string): string {
  const lines = ['mg_content() {', '  :']
  content.split('\0').forEach((part, i) => {
    if (i > 0) lines.push(`  printf '\\000'`)
    for (let at = 0; at < part.length; ) {
      let end = Math.min(at + CHUNK, part.length)
      // Never split a surrogate pair: each chunk must be valid UTF-16 on its own.
      const last = part.charCodeAt(end - 1)
      if (end < part.length && last >= 0xd800 && last <= 0xdbff) end--
      lines.push(`  printf '%s' ${quoteArg(part.slice(at, end))}`)
      at = end
    }
  })
  lines.push('}')
  return lines.join('\n')
}

export type OwnerMethod = 'auto' | 'stat' | 'ls'

export interface WriteScriptOptions {
  nonce: string
  /** Path on the host (with any remote root already applied). */
  path: string
  content: string
  /** Mode of a new file. */
  mode: number
  /** Where to keep the old file, or null for no backup. */
  backupPath: string | null
  /** How to copy owner and mode (tests force the fallbacks). */
  ownerMethod?: OwnerMethod
}

export function buildWriteScript(options: WriteScriptOptions): string {
  if (!/^[A-Za-z0-9]{8,64}$/.test(options.nonce)) throw new TypeError('bad nonce')
  if (!options.path.startsWith('/')) throw new TypeError(`host paths must be absolute: ${JSON.stringify(options.path)}`)
  return [
    REMOTE_PRELUDE,
    `MG_N=${options.nonce}`,
    `MG_OWNER=${quoteArg(options.ownerMethod ?? 'auto')}`,
    WRITE_LIBRARY,
    contentFunction(options.content),
    `mg_write ${quoteArg(options.path)} ${quoteArg((options.mode & 0o7777).toString(8))} ${quoteArg(options.backupPath ?? '')}`,
    '',
  ].join('\n')
}

export function buildKernelWriteScript(path: string, content: string): string {
  checkPath(path)
  return script(contentFunction(content), `mg_kwrite ${quoteArg(path)}`)
}

/** Append `content` to `path` (`>>`: O_APPEND), creating it with `mode` when missing. */
export function buildAppendScript(path: string, content: string, mode: number): string {
  checkPath(path)
  return script(contentFunction(content), `mg_append ${quoteArg(path)} ${umaskFor(mode)}`)
}

export interface CreateExclusiveScriptOptions {
  path: string
  content: string
  mode: number
  dirMode: number
}

const umaskFor = (mode: number) => (~mode & 0o777).toString(8).padStart(3, '0')

export function buildCreateExclusiveScript(options: CreateExclusiveScriptOptions): string {
  checkPath(options.path)
  const mode = (options.mode & 0o7777).toString(8)
  return script(contentFunction(options.content), `mg_create ${quoteArg(options.path)} ${umaskFor(options.mode)} ${umaskFor(options.dirMode)} ${quoteArg(mode)}`)
}

export function buildRemoveScript(path: string): string {
  checkPath(path)
  return script(`mg_remove ${quoteArg(path)}`)
}

/** Start argv in its own session with stdio on /dev/null; answers `MGOK <pid>`. */
export function buildSpawnDetachedScript(argv: readonly [string, ...string[]], root: string): string {
  const env = root ? `MEMGUARD_ROOT=${quoteArg(root)}; export MEMGUARD_ROOT` : ''
  return script(env, `mg_spawn ${argv.map(quoteArg).join(' ')}`)
}

export function buildProcessAliveScript(pid: number): string {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new TypeError(`bad pid ${pid}`)
  return script(`mg_alive ${pid}`)
}

/** Whether a process exists and its argv (/proc/<pid>/cmdline, hex-encoded): `Host.probeProcess`. */
export function buildProcessProbeScript(pid: number): string {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new TypeError(`bad pid ${pid}`)
  return script(`mg_probe ${pid}`)
}

/** The MGOK value of a probe script: `argv <hex>`, `alive` (cmdline unreadable) or `gone`. */
export function parseProcessProbeAnswer(value: string | null): ProcessProbe {
  const text = (value ?? '').trim()
  if (text === 'gone') return {status: 'gone'}
  if (text === 'alive') return {status: 'alive', argv: null}
  const hex = /^argv ?([0-9a-fA-F]*)$/.exec(text)?.[1]
  if (hex !== undefined && hex.length % 2 === 0) return {status: 'alive', argv: cmdlineFromHex(hex)}
  throw new TypeError(`unexpected answer to a process probe: ${JSON.stringify(value)}`)
}

function checkPath(path: string): void {
  if (!path.startsWith('/')) throw new TypeError(`host paths must be absolute: ${JSON.stringify(path)}`)
}

function script(...body: string[]): string {
  return [REMOTE_PRELUDE, WRITE_LIBRARY, ...body.filter(Boolean), ''].join('\n')
}

export type WriteAnswer = {ok: true; value: string | null} | {ok: false; message: string}

/** The write script began to run on the host (so a failure after this is a dropped connection). */
export function writeStarted(stdout: string): boolean {
  return /(^|\n)MGBEGIN\n/.test(stdout)
}

/** The MGOK/MGERR line of a script, or null when the script never got that far. */
export function parseWriteAnswer(stdout: string): WriteAnswer | null {
  const lines = stdout.split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string
    if (line.startsWith('MGOK ')) return {ok: true, value: line.slice(5) || null}
    if (line.startsWith('MGERR ')) return {ok: false, message: line.slice(6)}
  }
  return null
}
