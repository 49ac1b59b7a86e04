/**
 * What kind of Xen configuration a file is, from its path and its text. Pure: the caller reads
 * the file. Files that are not Xen configs (docs, logs, tool output, other software's configs)
 * give null so a directory walk can skip them quietly.
 */

export const CONFIG_KINDS = [
  'xl-domain',
  'xl-cpupool',
  'xl-conf',
  'xend-config',
  'grub-legacy',
  'grub-default',
  'grub-cfg',
  'syslinux',
  'efi-cfg',
  'script',
] as const

export type ConfigKind = (typeof CONFIG_KINDS)[number]

export const CONFIG_KIND_DESCRIPTIONS: Record<ConfigKind, string> = {
  'xl-domain': 'xl/xm domain config (xl.cfg(5); xm-era Python configs too)',
  'xl-cpupool': 'xl cpupool-create config',
  'xl-conf': '/etc/xen/xl.conf',
  'xend-config': 'xend-config.sxp',
  'grub-legacy': 'GRUB legacy menu.lst / grub.conf',
  'grub-default': 'GRUB2 /etc/default/grub and /etc/default/grub.d/*.cfg',
  'grub-cfg': 'GRUB2 grub.cfg (multiboot/multiboot2 entries)',
  syslinux: 'SYSLINUX/PXELINUX/ISOLINUX config (mboot.c32)',
  'efi-cfg': 'EFI xen.cfg read by xen.efi',
  script: 'shell script or playbook calling xl/xm mem-set',
}

/** Extensions that are never Xen configs: skipped without reading much. */
const SKIP_EXTENSIONS = new Set([
  'md', 'rst', 'html', 'htm', 'json', 'log', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'ico', 'gz', 'xz', 'bz2', 'zst',
  'tar', 'tgz', 'zip', 'pdf', 'iso', 'img', 'qcow2', 'raw', 'vhd', 'vmdk', 'c', 'h', 'js', 'mjs', 'cjs', 'ts',
  'css', 'lock', 'o', 'so', 'a', 'pyc', 'deb', 'rpm', 'patch', 'diff',
])

function baseName(path: string): string {
  const parts = path.replace(/\\/g, '/').split('/')
  return parts.at(-1) ?? path
}

function parentNames(path: string): string[] {
  return path.replace(/\\/g, '/').split('/').slice(0, -1).reverse()
}

/** Quick path-only verdict: a kind, 'skip' (never a config), or undefined (look at the text). */
export function kindFromPath(path: string): ConfigKind | 'skip' | undefined {
  const base = baseName(path)
  const [parent, grandparent] = parentNames(path)
  const ext = base.includes('.') ? (base.split('.').pop() ?? '').toLowerCase() : ''
  if (base.startsWith('.memguard')) return 'skip'
  // memguard's own backups (xl.conf.memguard-20261126T012233Z.bak) are history, not config.
  if (/\.memguard-\d{8}T\d{6}Z\.bak$/.test(base)) return 'skip'
  if (SKIP_EXTENSIONS.has(ext)) return 'skip'
  if (base === 'xl.conf') return 'xl-conf'
  if (/^xend-config.*\.sxp$/.test(base)) return 'xend-config'
  if (base === 'menu.lst' || base === 'grub.conf') return 'grub-legacy'
  if ((base === 'grub' && parent === 'default') || (parent === 'grub.d' && grandparent === 'default')) return 'grub-default'
  if (base === 'grub.cfg') return 'grub-cfg'
  if (parent === 'pxelinux.cfg' || base === 'isolinux.cfg' || base === 'syslinux.cfg' || base === 'extlinux.conf') return 'syslinux'
  return undefined
}

const GRUB_DEFAULT_RE = /^[ \t]*(?:export[ \t]+)?GRUB_[A-Z0-9_]+=/m
const GRUB_CFG_RE = /^[ \t]*(?:menuentry|submenu|multiboot2?)[ \t]/m
const GRUB_LEGACY_TITLE_RE = /^[ \t]*title[ \t=]/m
const GRUB_LEGACY_KERNEL_RE = /^[ \t]*kernel[ \t=]/m
const SYSLINUX_RE = /^[ \t]*(?:label|append)[ \t]/im
const SYSLINUX_KERNEL_RE = /^[ \t]*(?:kernel|linux|com32)[ \t]/im
const EFI_GLOBAL_RE = /^[ \t]*\[global\][ \t]*$/m
const EFI_KEY_RE = /^[ \t]*(?:options|kernel|ramdisk|dtb|xsm|ucode|chain)=\S/m
const XL_QUOTED_ASSIGNMENT_RE = /^[ \t]*[a-z][._0-9a-z]*[ \t]*\+?=[ \t]*["'[]/m
const XEND_RE = /^[ \t]*\([ \t]*(?:dom0-min-mem|enable-dom0-ballooning|dom0-cpus|xend-[a-z-]+|network-script|vif-script)\b/m
const XL_DOMAIN_RE = /^[ \t]*(?:memory|maxmem|kernel|disk|vif|builder|type|vcpus|bootloader|uuid|ramdisk|extra|root|vfb|pci|on_crash|on_reboot|on_poweroff|cmdline|device_model|firmware_override)[ \t]*\+?=/m
const XL_CPUPOOL_RE = /^[ \t]*sched[ \t]*=/m
const XL_NAME_CPUS_RE = /^[ \t]*name[ \t]*=[\s\S]*^[ \t]*cpus[ \t]*=|^[ \t]*cpus[ \t]*=[\s\S]*^[ \t]*name[ \t]*=/m
const XL_CONF_RE = /^[ \t]*(?:autoballoon|autoballon|lockfile|vif\.default\.[a-z]+|claim_mode|run_hotplug_scripts|output_format|blkdev_start|vifscript|defaultbridge|domid_policy)[ \t]*=/m
const MEM_SET_RE = /\b(?:xl|xm)[ \t]+(?:-[a-zA-Z]+[ \t]+)*mem-(?:set|max)\b/

/**
 * The kind of a file, or null when it is not a Xen config. `path` may be relative; only its last
 * components are used.
 */
export function detectKind(path: string, text: string): ConfigKind | null {
  const byPath = kindFromPath(path)
  if (byPath === 'skip') return null
  if (text.includes('\0')) return null
  const base = baseName(path)
  const [parent] = parentNames(path)
  if (byPath) return byPath
  const head = text.length > 65536 ? text.slice(0, 65536) : text
  if (head.startsWith('#!')) return MEM_SET_RE.test(head) ? 'script' : null
  if (/\.(sh|bash|ksh|zsh|ya?ml)$/i.test(base)) return MEM_SET_RE.test(head) ? 'script' : null
  if (/(^|[-_.])xl\.conf([-_.].*)?$/.test(base)) return 'xl-conf'
  if (/\.sxp$/i.test(base)) return XEND_RE.test(head) ? 'xend-config' : null
  if (GRUB_DEFAULT_RE.test(head)) return 'grub-default'
  if (GRUB_CFG_RE.test(head)) return 'grub-cfg'
  if (GRUB_LEGACY_TITLE_RE.test(head) && GRUB_LEGACY_KERNEL_RE.test(head)) return 'grub-legacy'
  if (SYSLINUX_RE.test(head) && SYSLINUX_KERNEL_RE.test(head)) return 'syslinux'
  if (EFI_GLOBAL_RE.test(head) || (EFI_KEY_RE.test(head) && !XL_QUOTED_ASSIGNMENT_RE.test(head))) return 'efi-cfg'
  if (XEND_RE.test(head)) return 'xend-config'
  if (XL_DOMAIN_RE.test(head)) return 'xl-domain'
  if (XL_CPUPOOL_RE.test(head) || XL_NAME_CPUS_RE.test(head)) return 'xl-cpupool'
  if (XL_CONF_RE.test(head)) return 'xl-conf'
  if (parent === 'xen' && /^[a-z0-9][\w.-]*\.(cfg|hvm|pv)$/i.test(base) && /^[ \t]*name[ \t]*=/m.test(head)) return 'xl-domain'
  return null
}

export function isConfigKind(value: string): value is ConfigKind {
  return (CONFIG_KINDS as readonly string[]).includes(value)
}
