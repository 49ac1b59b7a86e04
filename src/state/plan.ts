import type {CommandSpec, GatherPlan} from '../host/host.js'

/**
 * What memguard reads from a host, in one place. Commands build their GatherPlan from these
 * pieces; `memguard snapshot` captures the union, so every command works on a snapshot.
 */

const XL_TIMEOUT_MS = 20_000

export const XEN_BALLOON_SYSFS_DIR = '/sys/devices/system/xen_memory/xen_memory0'

export const LINUX_FILES = [
  '/proc/meminfo',
  '/proc/swaps',
  '/proc/cmdline',
  '/proc/sys/kernel/osrelease',
  '/proc/sys/kernel/hostname',
  '/proc/sys/kernel/panic',
  '/proc/sys/vm/overcommit_memory',
  '/proc/sys/vm/overcommit_ratio',
  '/proc/sys/vm/panic_on_oom',
  '/proc/sys/vm/min_free_kbytes',
  '/proc/sys/vm/oom_kill_allocating_task',
  '/proc/sys/vm/swappiness',
  '/etc/os-release',
  '/etc/redhat-release',
  '/etc/debian_version',
] as const

export const XEN_FILES = [
  '/proc/xen/capabilities',
  '/proc/xen/balloon',
  `${XEN_BALLOON_SYSFS_DIR}/target_kb`,
  `${XEN_BALLOON_SYSFS_DIR}/info/current_kb`,
  `${XEN_BALLOON_SYSFS_DIR}/info/low_kb`,
  `${XEN_BALLOON_SYSFS_DIR}/info/high_kb`,
  '/sys/hypervisor/type',
] as const

/** Toolstack and bootloader configuration: read by status, lint --snapshot and dom0-mem. */
export const CONFIG_FILES = [
  '/etc/xen/xl.conf',
  '/etc/xen/xend-config.sxp',
  '/etc/default/grub',
  '/etc/default/grub.d/xen.cfg',
  '/etc/sysconfig/xen-kernel',
  '/boot/grub/grub.conf',
  '/boot/grub/menu.lst',
  '/boot/grub2/grub.cfg',
  '/boot/grub/grub.cfg',
  '/boot/efi/EFI/xen/xen.cfg',
  '/boot/efi/EFI/debian/xen.cfg',
  '/boot/efi/EFI/centos/xen.cfg',
  '/opt/xensource/libexec/xen-cmdline',
  '/etc/xensource-inventory',
] as const

/** memguard's own state on the host (pending dead-man rollback). */
export const MEMGUARD_STATE_FILES = ['/run/memguard/rollback.json'] as const

const cmd = (id: string, ...argv: [string, ...string[]]): CommandSpec => ({id, argv, timeoutMs: XL_TIMEOUT_MS})

export const TOOLSTACK_COMMANDS: readonly CommandSpec[] = [
  cmd('xl-info', 'xl', 'info'),
  cmd('xl-list', 'xl', 'list'),
  cmd('xl-list-l', 'xl', 'list', '-l'),
  cmd('xl-dmesg', 'xl', 'dmesg'),
  cmd('xm-info', 'xm', 'info'),
  cmd('xm-list', 'xm', 'list'),
  cmd('xm-list-long', 'xm', 'list', '--long'),
  cmd('xm-dmesg', 'xm', 'dmesg'),
  cmd('xenstore-dom0-memory', 'xenstore-read', '/local/domain/0/memory/target', '/local/domain/0/memory/static-max'),
]

export const KERNEL_LOG_COMMANDS: readonly CommandSpec[] = [cmd('dmesg', 'dmesg')]

/** Everything `status` needs: one round trip. */
export function statusPlan(): GatherPlan {
  return {
    files: [...LINUX_FILES, ...XEN_FILES, ...CONFIG_FILES, ...MEMGUARD_STATE_FILES],
    commands: [...TOOLSTACK_COMMANDS, ...KERNEL_LOG_COMMANDS],
    processes: true,
  }
}

/** Everything any memguard command reads: what `memguard snapshot` captures. */
export function snapshotPlan(): GatherPlan {
  return statusPlan()
}
