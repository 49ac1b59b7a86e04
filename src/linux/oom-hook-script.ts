/**
 * The SysV half of `memguard protect --persist`: a small POSIX-sh program installed on the host as
 * /etc/memguard/oom-protect.sh, and the lines that call it.
 *
 * Why: a SysV host (RHEL5/6, Debian without systemd) has no OOMScoreAdjust=. A value written to
 * /proc/<pid>/oom_adj lives as long as that process: `service sshd restart`, a package update or a
 * reboot loses it. So the value must be re-applied after every start:
 *
 * - Each init script sources its defaults file before it starts the daemon (`. /etc/sysconfig/sshd`
 *   on RHEL, `. /etc/default/ssh` on Debian). memguard adds a marked block there that, for
 *   start/restart/reload, launches `oom-protect.sh --wait 30 NAME` in the background (stdio on
 *   /dev/null, so `service … start` over ssh does not hang on it). The script polls once a second
 *   for up to 30 s and sets the value on the daemon as soon as it appears – after it started, never
 *   on the init script's own shell: sshd saves the value it finds at start-up and restores it into
 *   every session, so setting it before the start would leak −17 into every login.
 * - rc.local (S99local, after every service) runs `oom-protect.sh --all` at boot, for services whose
 *   init script sources no defaults file (RHEL5's xend starts xenstored and xenconsoled itself).
 *
 * Which process: the daemon is a process with the name whose parent does not have the same name.
 * That picks the sshd listener (its sessions are children named sshd) and crond (its jobs are
 * children named crond/cron), without pid files. Names are matched on the kernel's comm (the
 * `Name:` of /proc/<pid>/status, 15 bytes; /proc/<pid>/comm does not exist on 2.6.18).
 *
 * Which knob: oom_score_adj when /proc/<pid>/oom_score_adj exists (≥ 2.6.36), else oom_adj. Every
 * write is read back; a refused write (lowering needs CAP_SYS_RESOURCE) is logged through logger(1)
 * and makes the exit status 1. Everything a file path touches is prefixed with $MEMGUARD_ROOT when
 * set (tests run it against a --root tree).
 */

export const HOOK_SCRIPT_PATH = '/etc/memguard/oom-protect.sh'
export const HOOK_WAIT_SECONDS = 30
export const BLOCK_BEGIN = '# BEGIN memguard oom-protect'
export const BLOCK_END = '# END memguard oom-protect'

export interface HookEntry {
  /** Process name (comm): `sshd`, `crond`. */
  name: string
  scoreAdj: number
  oomAdj: number
  /** One line for the comment table. */
  why: string
}

/** A process name memguard can put in a sh `case` pattern and a file: no glob or shell characters. */
export const SAFE_PROCESS_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/

export function isSafeProcessName(name: string): boolean {
  return SAFE_PROCESS_NAME.test(name)
}

/** The installed script. Deterministic: the same entries give the same bytes (idempotent writes). */
export function buildHookScript(entries: readonly HookEntry[]): string {
  for (const e of entries) {
    if (!isSafeProcessName(e.name)) throw new Error(`unsafe process name for the hook script: ${JSON.stringify(e.name)}`)
    if (!Number.isInteger(e.scoreAdj) || !Number.isInteger(e.oomAdj)) throw new Error(`non-integer value for ${e.name}`)
  }
  const sorted = [...entries].sort((a, b) => a.name.localeCompare(b.name))
  const table = sorted.map((e) => `#   ${e.name.padEnd(16)} oom_score_adj ${String(e.scoreAdj).padStart(5)}   oom_adj ${String(e.oomAdj).padStart(3)}   ${e.why}`).join('\n')
  const cases = sorted.map((e) => {
    const patterns = [e.name]
    if (e.name.length > 15) patterns.push(e.name.slice(0, 15))
    return `    ${patterns.join('|')}) echo "${e.scoreAdj} ${e.oomAdj}" ;;`
  }).join('\n')
  const all = sorted.map((e) => e.name).join(' ')
  return `#!/bin/sh
# memguard oom-protect: re-applies memguard's OOM protection to these daemons after they start.
# Written by \`memguard protect --persist\`; rerun that command to change it (edits here are
# overwritten). Called from the init scripts' defaults files and from rc.local (see the
# "${BLOCK_BEGIN}" blocks); delete those blocks and this file to undo.
#
#   name             value on kernels >= 2.6.36 / before       why
${table}
#
# Usage: oom-protect.sh [--wait SECONDS] (--all | NAME...)
# Only the daemon is touched: a process with NAME whose parent is not also NAME (the sshd
# listener, not its sessions; crond, not its jobs).
R="\${MEMGUARD_ROOT:-}"
status=0

values_for() {
  case "$1" in
${cases}
    *) return 1 ;;
  esac
}

say() {
  echo "memguard-oom: $*" >&2
  if command -v logger >/dev/null 2>&1; then logger -t memguard-oom -- "$*" 2>/dev/null; fi
}

# Sets: st_name st_ppid for a pid (from /proc/<pid>/status; 2.6.18 has no /proc/<pid>/comm).
read_status() {
  st_name=; st_ppid=
  [ -r "$R/proc/$1/status" ] || return 1
  while read -r key val rest; do
    case "$key" in
      Name:) st_name=$val ;;
      PPid:) st_ppid=$val; break ;;
    esac
  done < "$R/proc/$1/status"
  [ -n "$st_name" ]
}

wanted() {
  for w in $names; do
    [ "$w" = "$1" ] && return 0
    [ "$(printf '%.15s' "$w")" = "$1" ] && return 0
  done
  return 1
}

protect_once() {
  for dir in "$R"/proc/[0-9]*; do
    pid=\${dir##*/}
    read_status "$pid" || continue
    name=$st_name
    wanted "$name" || continue
    vals=$(values_for "$name") || continue
    # The daemon only: not a child of a process with the same name.
    if read_status "$st_ppid" && [ "$st_name" = "$name" ]; then continue; fi
    if [ -e "$R/proc/$pid/oom_score_adj" ]; then knob=oom_score_adj; want=\${vals% *}
    else knob=oom_adj; want=\${vals#* }; fi
    now=$(cat "$R/proc/$pid/$knob" 2>/dev/null) || continue
    [ "$now" = "$want" ] && continue
    echo "$want" > "$R/proc/$pid/$knob" 2>/dev/null
    got=$(cat "$R/proc/$pid/$knob" 2>/dev/null)
    if [ "$got" = "$want" ]; then
      say "$name[$pid]: $knob $now -> $want"
    else
      say "$name[$pid]: could not set $knob to $want (still \${got:-unknown}); lowering it needs CAP_SYS_RESOURCE"
      status=1
    fi
  done
}

wait=0
case "\${1:-}" in
  --wait) wait=\${2:-0}; shift 2 ;;
esac
if [ "\${1:-}" = "--all" ]; then names="${all}"; else names="$*"; fi
[ -n "$names" ] || { echo "usage: $0 [--wait SECONDS] (--all | NAME...)" >&2; exit 2; }

protect_once
i=0
while [ "$i" -lt "$wait" ]; do
  sleep 1
  protect_once
  i=$((i + 1))
done
exit $status
`
}

/**
 * The block for an init script's defaults file: for start/restart/reload, re-apply in the
 * background once the daemon is up. Sourced by the init script, so `$1` is its action.
 */
export function defaultsFileBlock(initScript: string, names: readonly string[]): string {
  const list = [...names].sort().join(' ')
  return [
    `${BLOCK_BEGIN} (written by \`memguard protect --persist\`; delete this block to undo)`,
    `# When ${initScript} starts ${list}, re-apply memguard's OOM protection to it (${HOOK_SCRIPT_PATH} waits up to ${HOOK_WAIT_SECONDS} s).`,
    `case "\${1:-}" in start|restart|reload|force-reload|condrestart|try-restart) [ -x ${HOOK_SCRIPT_PATH} ] && ${HOOK_SCRIPT_PATH} --wait ${HOOK_WAIT_SECONDS} ${list} </dev/null >/dev/null 2>&1 & ;; esac`,
    BLOCK_END,
  ].join('\n')
}

/** The block for rc.local: at the end of boot, once every service is up. */
export function rcLocalBlock(): string {
  return [
    `${BLOCK_BEGIN} (written by \`memguard protect --persist\`; delete this block to undo)`,
    `# At the end of boot, give every daemon memguard protects its OOM value (services whose init script sources no defaults file included).`,
    `[ -x ${HOOK_SCRIPT_PATH} ] && ${HOOK_SCRIPT_PATH} --all </dev/null >/dev/null 2>&1`,
    BLOCK_END,
  ].join('\n')
}

/**
 * Put `block` into `text` (a shell or sysctl file): replace an existing memguard block (between the
 * markers), else append it –
 * before a final `exit 0` (Debian's rc.local ends with one, and nothing after it would run).
 * A missing file becomes `#!/bin/sh` + the block when `shebang` is set.
 */
export function upsertBlock(text: string | null, block: string, options: {shebang?: boolean; begin?: string; end?: string} = {}): string {
  const beginMarker = options.begin ?? BLOCK_BEGIN
  const endMarker = options.end ?? BLOCK_END
  const body = `${block}\n`
  if (text === null || text === '') return options.shebang ? `#!/bin/sh\n${body}` : body
  const begin = text.indexOf(beginMarker)
  if (begin !== -1) {
    const endAt = text.indexOf(endMarker, begin)
    if (endAt !== -1) {
      let after = endAt + endMarker.length
      if (text[after] === '\n') after++
      return text.slice(0, begin) + body + text.slice(after)
    }
  }
  const withNewline = text.endsWith('\n') ? text : `${text}\n`
  const lines = withNewline.split('\n')
  // lines ends with '' (the final newline); find the last non-empty line.
  let last = lines.length - 2
  while (last >= 0 && (lines[last] as string).trim() === '') last--
  if (last >= 0 && /^\s*exit\s+0\s*$/.test(lines[last] as string)) {
    return [...lines.slice(0, last), ...block.split('\n'), ...lines.slice(last)].join('\n')
  }
  return withNewline + body
}
