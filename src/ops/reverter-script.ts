/**
 * The dead-man reverter: a POSIX-sh program memguard leaves running on the host after a change
 * made with `--confirm-within`. At the deadline it restores the previous memory target unless
 * `memguard confirm` removed its state file first.
 *
 * Why sh and not Node: the incident's watchdog died with cron, and an old dom0 cannot run Node.
 * This must depend on nothing but sh, date, sleep, grep and the kernel – not cron, xend,
 * xenstored or sshd – and it must survive the OOM killer, so it sets its own oom_score_adj to
 * -1000 (or oom_adj -17 on kernels before 2.6.36) and stays a few hundred KiB.
 *
 * It restores through the balloon first (the fastest path that needs no daemon: sysfs
 * `target_kb`, or `/proc/xen/balloon` on XenLinux), then through the toolstack when it still
 * answers, so xenstore agrees. Every step is logged to the log file.
 *
 * Arguments: STATE_FILE DEADLINE_EPOCH DOMID PREVIOUS_KIB BALLOON(sysfs|proc|none)
 *            TOOLSTACK(xl|xm|none) LOG_FILE TOKEN
 * Paths are host paths; MEMGUARD_ROOT (set for --root trees) prefixes every file path.
 */
export const REVERTER_NAME = 'memguard-reverter'

export const REVERTER_SCRIPT = `#!/bin/sh
# ${REVERTER_NAME}: restores a Xen memory target at a deadline unless memguard confirm cancels it.
# Written by memguard; see \`memguard rollback --help\`. Safe to delete once it has exited.
R="\${MEMGUARD_ROOT:-}"
state=$1; deadline=$2; domid=$3; prev_kib=$4; balloon=$5; toolstack=$6; log=$7; token=$8

say() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) ${REVERTER_NAME}[$$]: $*" >> "$R$log" 2>/dev/null; }
mkdir -p "$(dirname "$R$log")" 2>/dev/null

# Never be the OOM killer's victim: this process is what saves the host when the admin cannot.
# (Lowering the score needs CAP_SYS_RESOURCE; say so when we do not have it.)
if echo -1000 > /proc/self/oom_score_adj 2>/dev/null; then say "protected: oom_score_adj -1000"
elif echo -17 > /proc/self/oom_adj 2>/dev/null; then say "protected: oom_adj -17"
else say "WARNING: could not protect itself from the OOM killer (needs CAP_SYS_RESOURCE)"; fi

say "armed: restore domain $domid to $prev_kib KiB at epoch $deadline unless confirmed (change $token)"
while :; do
  # One read decides: the file can vanish between two checks (confirm removes it at any moment).
  if ! grep -q "$token" "$R$state" 2>/dev/null; then
    if [ -f "$R$state" ]; then say "superseded by another change; exiting"
    else say "cancelled: state file removed (memguard confirm or rollback)"; fi
    exit 0
  fi
  now=$(date +%s)
  if [ "$now" -ge "$deadline" ]; then break; fi
  sleep 1
done

# Claim the change before touching anything: rename is atomic, so either this claim or
# \`memguard confirm\` (which removes the file) wins, never both.
if ! mv "$R$state" "$R$state.firing" 2>/dev/null; then say "cancelled at the deadline: state file removed (memguard confirm or rollback)"; exit 0; fi
# A confirm and a new change could both have landed since the last check: then the claimed file is
# the new change's. Give it back (its own reverter owns it) and leave.
if ! grep -q "$token" "$R$state.firing" 2>/dev/null; then
  mv "$R$state.firing" "$R$state" 2>/dev/null
  say "superseded at the deadline by another change; exiting"; exit 0
fi
say "deadline reached without confirmation: restoring domain $domid to $prev_kib KiB"
case "$balloon" in
  sysfs)
    if echo "$prev_kib" > "$R/sys/devices/system/xen_memory/xen_memory0/target_kb" 2>/dev/null
    then say "balloon: target_kb set to $prev_kib"; else say "balloon: writing target_kb failed"; fi ;;
  proc)
    if echo "\${prev_kib}K" > "$R/proc/xen/balloon" 2>/dev/null
    then say "balloon: /proc/xen/balloon set to \${prev_kib}K"; else say "balloon: writing /proc/xen/balloon failed"; fi ;;
esac

case "$toolstack" in
  xl) size="\${prev_kib}k" ;;
  xm) size=$((prev_kib / 1024)) ;;
  *) size="" ;;
esac
if [ -n "$size" ]; then
  # A hung toolstack must not hang the reverter: 30 s, with or without timeout(1).
  if command -v timeout >/dev/null 2>&1; then
    timeout 30 "$toolstack" mem-set "$domid" "$size" >> "$R$log" 2>&1; rc=$?
  else
    "$toolstack" mem-set "$domid" "$size" >> "$R$log" 2>&1 &
    pid=$!
    ( sleep 30; kill -9 "$pid" 2>/dev/null ) &
    killer=$!
    wait "$pid"; rc=$?
    kill "$killer" 2>/dev/null
  fi
  say "toolstack: $toolstack mem-set $domid $size exited $rc"
fi
rm -f "$R$state.firing"
say "rollback done"
exit 0
`
