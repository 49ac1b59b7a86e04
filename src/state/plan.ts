import {mergePlans, type CommandSpec, type GatherPlan} from '../host/host.js'
import {CMDLINE_PATH} from '../linux/cmdline.js'
import {
  BACKSTOP_SYSCTL_FILE,
  candidateDefaultsFiles,
  candidateDropInUnits,
  candidateInitScripts,
  candidateUnitFiles,
  dropInPath,
  INIT_SCRIPT_DIRS,
  RC_LOCAL_PATHS,
  SYSCTL_CONF,
  SYSCTL_D,
  SYSTEMCTL_VERSION_COMMAND,
  SYSTEMD_UNIT_DIRS,
} from '../linux/init-system.js'
import {HOOK_SCRIPT_PATH} from '../linux/oom-hook-script.js'
import {OSRELEASE_PATH} from '../linux/kernel-version.js'
import {MEMINFO_PATH} from '../linux/meminfo.js'
import {SWAPS_PATH} from '../linux/swaps.js'
import {SYSCTL_FILES} from '../linux/sysctl.js'
import {UPTIME_PATH} from '../linux/uptime.js'
import {ROLLBACK_FILES} from '../ops/rollback.js'
import {BALLOON_FILES} from '../xen/balloon.js'
import {PROC_XEN_CAPABILITIES, XEN_COMMANDS} from '../xen/toolstack.js'

/**
 * What memguard reads from a host, in one place. Commands build their GatherPlan from these
 * pieces; `memguard snapshot` captures the union, so every command works on a snapshot.
 * The paths themselves belong to the readers that parse them (src/linux, src/xen).
 */

export const LINUX_FILES: readonly string[] = [
  MEMINFO_PATH,
  SWAPS_PATH,
  CMDLINE_PATH,
  OSRELEASE_PATH,
  UPTIME_PATH,
  '/proc/sys/kernel/hostname',
  ...SYSCTL_FILES,
  '/etc/os-release',
  '/etc/redhat-release',
  '/etc/debian_version',
]

export const XEN_FILES: readonly string[] = [PROC_XEN_CAPABILITIES, ...BALLOON_FILES, '/sys/hypervisor/type']

/** Toolstack and bootloader configuration: read by status, lint --snapshot and dom0-mem. */
export const CONFIG_FILES: readonly string[] = [
  '/etc/xen/xl.conf',
  '/etc/xen/xend-config.sxp',
  '/etc/default/grub',
  '/etc/default/grub.d/xen.cfg',
  '/etc/sysconfig/xen-kernel',
  '/boot/grub/grub.conf',
  '/boot/grub/menu.lst',
  '/etc/grub.conf',
  '/boot/grub2/grub.cfg',
  '/boot/grub/grub.cfg',
  '/boot/efi/EFI/xen/xen.cfg',
  '/boot/efi/EFI/debian/xen.cfg',
  '/boot/efi/EFI/centos/xen.cfg',
  '/etc/xensource-inventory',
  '/opt/xensource/libexec/xen-cmdline',
]

/** memguard's own state on the host (a dead-man rollback: pending, or claimed by its reverter). */
export const MEMGUARD_STATE_FILES: readonly string[] = ROLLBACK_FILES

/** libxl keeps dom0's target and static-max in xenstore (KiB); a fallback when `xl list -l` fails. */
export const XENSTORE_DOM0_MEMORY_COMMAND: CommandSpec = {
  id: 'xenstore-dom0-memory',
  argv: ['xenstore-read', '/local/domain/0/memory/target', '/local/domain/0/memory/static-max'],
  timeoutMs: 10_000,
}

export const TOOLSTACK_COMMANDS: readonly CommandSpec[] = [...Object.values(XEN_COMMANDS), XENSTORE_DOM0_MEMORY_COMMAND]

/** The kernel ring buffer, for OOM kills. */
export const KERNEL_LOG_COMMAND: CommandSpec = {id: 'dmesg', argv: ['dmesg'], timeoutMs: 10_000}

/** Everything `status` needs: one round trip. */
export function statusPlan(): GatherPlan {
  return {
    files: [...LINUX_FILES, ...XEN_FILES, ...CONFIG_FILES, ...MEMGUARD_STATE_FILES],
    commands: [...TOOLSTACK_COMMANDS, KERNEL_LOG_COMMAND],
    processes: true,
  }
}

/**
 * How services start and what memguard protect changes (src/linux/init-system.ts): systemd unit
 * files and memguard's drop-ins, SysV init scripts and the defaults files they source, the hook
 * script, rc.local, the sysctl files of the backstop, and `systemctl --version`.
 */
export const SERVICE_FILES: readonly string[] = [
  ...candidateUnitFiles(),
  ...candidateDropInUnits().map(dropInPath),
  ...candidateInitScripts(),
  ...candidateDefaultsFiles(),
  HOOK_SCRIPT_PATH,
  SYSCTL_CONF,
  BACKSTOP_SYSCTL_FILE,
]
export const SERVICE_DIRS: readonly string[] = [...SYSTEMD_UNIT_DIRS, ...INIT_SCRIPT_DIRS, '/etc/rc.d', SYSCTL_D]
/** rc.local may hold anything an admin put there (credentials included): read by protect, never captured in a snapshot. */
export const RC_LOCAL_FILES: readonly string[] = RC_LOCAL_PATHS

/** What `memguard protect` reads besides statusPlan(). */
export function protectPlan(): GatherPlan {
  return {files: [...SERVICE_FILES, ...RC_LOCAL_FILES], dirs: SERVICE_DIRS, commands: [SYSTEMCTL_VERSION_COMMAND]}
}

/** Everything any memguard command reads: what `memguard snapshot` captures. */
export function snapshotPlan(): GatherPlan {
  return mergePlans(statusPlan(), {files: SERVICE_FILES, dirs: SERVICE_DIRS, commands: [SYSTEMCTL_VERSION_COMMAND]})
}
