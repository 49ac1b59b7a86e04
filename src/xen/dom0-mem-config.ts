import {formatKiB} from '../lib/size.js'
import {parseEfiConfig, resolveEfiBoot, efiXenEntries} from './config/efi-cfg.js'
import {grubCfgXenEntries, parseGrubCfg} from './config/grub-cfg.js'
import {grubLegacyXenEntries, parseGrubLegacy} from './config/grub-legacy.js'
import {parseShellAssignments} from './config/shell-assign.js'
import {parseXendConfig} from './config/xend-config.js'
import {findDom0MemTokens, renderDom0Mem} from './dom0-mem.js'
import {editEfiCfg, editGrubDefaults, editGrubLegacy, editXendConfig, editXlConf, type FileEdit, type XendSemantics} from './dom0-mem-edit.js'
import {xenVersionAtLeast} from './version.js'

/**
 * Which files carry dom0's fixed size on a host, what each must become, and what to run after:
 * the pure planner behind `memguard dom0-mem`. The caller reads the files (through Host) and passes
 * their text; the editors are in dom0-mem-edit.ts.
 *
 * Bootloaders (xen-facts §1.9):
 * - grub-legacy – /boot/grub/grub.conf, /boot/grub/menu.lst, /etc/grub.conf (RHEL links the last two
 *   to the first): every Xen entry. Files with the same text are one file seen through a symlink
 *   (or a copy): planned once, applied to each path that still has the old text.
 * - grub2 – /etc/default/grub then /etc/default/grub.d/*.cfg (Debian's Xen package ships
 *   grub.d/xen.cfg): GRUB_CMDLINE_XEN; then grub.cfg must be regenerated.
 * - efi – xen.cfg next to xen.efi: `options=` of the default section.
 * - xcp – XenServer / XCP-ng: their own tool `xen-cmdline --set-xen` edits the boot config; memguard
 *   prints the command and edits no file.
 * Toolstacks (§1.3, §1.4): xl.conf `autoballoon="off"`; xend-config.sxp by xend version.
 */

export const BOOTLOADERS = ['grub-legacy', 'grub2', 'efi', 'xcp'] as const
export type Bootloader = (typeof BOOTLOADERS)[number]
export const TOOLSTACKS = ['xl', 'xm'] as const
export type Toolstack = (typeof TOOLSTACKS)[number]

export const GRUB_LEGACY_PATHS = ['/boot/grub/grub.conf', '/boot/grub/menu.lst', '/etc/grub.conf'] as const
export const GRUB_DEFAULTS_PATH = '/etc/default/grub'
export const GRUB_DEFAULTS_DIR = '/etc/default/grub.d'
export const DEBIAN_XEN_GRUB_CFG = '/etc/default/grub.d/xen.cfg'
export const GRUB_CFG_PATHS = ['/boot/grub/grub.cfg', '/boot/grub2/grub.cfg'] as const
/** The EFI system partition's vendor directories, where xen.efi and its xen.cfg live. */
export const EFI_DIR = '/boot/efi/EFI'
export const EFI_CFG_PATHS = ['/boot/efi/EFI/xen/xen.cfg', '/boot/efi/EFI/debian/xen.cfg', '/boot/efi/EFI/centos/xen.cfg'] as const
export const XCP_INVENTORY = '/etc/xensource-inventory'
export const XEN_CMDLINE_TOOL = '/opt/xensource/libexec/xen-cmdline'
export const XL_CONF_PATH = '/etc/xen/xl.conf'
export const XEND_CONFIG_PATH = '/etc/xen/xend-config.sxp'
export const OS_FILES = ['/etc/debian_version', '/etc/redhat-release', '/etc/os-release'] as const

/** Every fixed path the planner may read (the caller adds what it finds in the directories). */
export const DOM0_MEM_CONFIG_FILES: readonly string[] = [
  ...GRUB_LEGACY_PATHS,
  GRUB_DEFAULTS_PATH,
  DEBIAN_XEN_GRUB_CFG,
  ...GRUB_CFG_PATHS,
  ...EFI_CFG_PATHS,
  XCP_INVENTORY,
  XEN_CMDLINE_TOOL,
  XL_CONF_PATH,
  XEND_CONFIG_PATH,
  ...OS_FILES,
]

/** grub.d drop-ins grub-mkconfig sources (`/etc/default/grub.d/*.cfg`), in its order. */
export function grubDropIns(listing: readonly string[] | null | undefined): string[] {
  return (listing ?? []).filter((n) => n.endsWith('.cfg')).sort().map((n) => `${GRUB_DEFAULTS_DIR}/${n}`)
}

/** xen.efi's config is named after the binary (xen.cfg, xen-4.17.cfg, …): `xen*.cfg` in a vendor dir. */
export function isEfiXenCfgName(name: string): boolean {
  return /^xen([-._][^/]*)?\.cfg$/i.test(name)
}

export type FileKind = 'grub-legacy' | 'grub-default' | 'efi-cfg' | 'xl-conf' | 'xend-config'

export interface PlannedFile {
  path: string
  /** The linter's name for this kind of file (src/xen/config/detect.ts). */
  kind: FileKind
  role: 'bootloader' | 'toolstack'
  /** null: the file does not exist and is created. */
  before: string | null
  after: string
  changed: boolean
  changes: string[]
  notes: string[]
  /** Another planned path with the same text (a symlink to it, or a copy): it gets the same change. */
  sameAs?: string
}

export interface FollowUpCommand {
  command: string
  why: string
}

export interface Dom0MemConfigPlan {
  /** The form written everywhere, `dom0_mem=1024M,max:1024M`. */
  rendered: string
  arch: 'x86' | 'arm'
  bootloaders: Bootloader[]
  toolstacks: Toolstack[]
  xendSemantics: XendSemantics | null
  files: PlannedFile[]
  commands: FollowUpCommand[]
  notes: string[]
  /** What memguard could not do: the configuration is incomplete until a person does it. */
  problems: string[]
}

export interface Dom0MemHostFacts {
  /** The toolstack that answered (`xl info` / `xm info`). */
  toolstack: Toolstack | null
  xenVersion?: {major: number; minor: number; text?: string}
  xendConfigFormat?: number
  /** From `xl info` machine / xen_caps. */
  arch?: 'x86' | 'arm'
  /** The command line the running hypervisor booted with, and where it came from. */
  runningCmdline?: {text: string; source: string}
  /** dom0's allocation now, and what Xen has free (for the "until the reboot" note). */
  dom0AllocationKiB?: number
  freeMemoryKiB?: number
}

export interface Dom0MemConfigInput {
  kib: number
  /** Text of every path read (null: missing). */
  files: ReadonlyMap<string, string | null>
  /** Extra grub.d drop-ins and EFI configs found by listing their directories (read into `files`). */
  grubDropIns?: readonly string[]
  efiConfigs?: readonly string[]
  bootloader?: Bootloader | 'auto'
  toolstack?: Toolstack | 'auto'
  facts: Dom0MemHostFacts
}

const MAKE_CONFIG = {
  debian: {command: 'update-grub', why: 'regenerate /boot/grub/grub.cfg from /etc/default/grub and grub.d (Debian/Ubuntu)'},
  redhat: {command: 'grub2-mkconfig -o "$(readlink -f /etc/grub2.cfg)"', why: 'regenerate grub.cfg from /etc/default/grub (RHEL/CentOS 7 and later; /etc/grub2-efi.cfg on UEFI machines)'},
  other: {command: 'grub-mkconfig -o /boot/grub/grub.cfg', why: 'regenerate grub.cfg from /etc/default/grub'},
}

export function planDom0MemConfig(input: Dom0MemConfigInput): Dom0MemConfigPlan {
  const {files, facts, kib} = input
  const text = (path: string) => files.get(path) ?? null
  const notes: string[] = []
  const problems: string[] = []
  const planned: PlannedFile[] = []
  const commands: FollowUpCommand[] = []
  const choice = input.bootloader ?? 'auto'

  // ---- arch: Arm's dom0_mem is one size (no max:) ----
  const efiPaths = [...new Set([...EFI_CFG_PATHS, ...(input.efiConfigs ?? [])])].filter((p) => text(p) !== null)
  let arch = facts.arch
  if (arch === undefined) {
    const dtb = efiPaths.find((p) => {
      const cfg = parseEfiConfig(text(p) as string)
      const boot = resolveEfiBoot(cfg)
      const section = boot.sectionName === null ? cfg.sections.flatMap((s) => s.entries) : (cfg.sections.find((s) => s.name === boot.sectionName)?.entries ?? [])
      return section.some((e) => e.key === 'dtb')
    })
    if (dtb) {
      arch = 'arm'
      notes.push(`${dtb} boots with a device tree (dtb=): treated as an Arm host, where dom0_mem is a single size and Xen rejects ",max:"`)
    }
  }
  const render = {arch: arch ?? 'x86'} as const
  const rendered = renderDom0Mem(kib, render)

  // ---- which bootloaders ----
  const isXcp = text(XCP_INVENTORY) !== null || text(XEN_CMDLINE_TOOL) !== null
  const legacyPaths = GRUB_LEGACY_PATHS.filter((p) => text(p) !== null)
  const legacyWithXen = legacyPaths.filter((p) => grubLegacyXenEntries(parseGrubLegacy(text(p) as string)).length > 0)
  const grub2Paths = [GRUB_DEFAULTS_PATH, ...new Set([DEBIAN_XEN_GRUB_CFG, ...(input.grubDropIns ?? [])].sort())].filter((p) => text(p) !== null)
  const efiWithXen = efiPaths.filter((p) => efiXenEntries(parseEfiConfig(text(p) as string)).length > 0)

  let bootloaders: Bootloader[]
  if (choice !== 'auto') bootloaders = [choice]
  else if (isXcp) bootloaders = ['xcp']
  else {
    bootloaders = []
    if (legacyWithXen.length > 0) bootloaders.push('grub-legacy')
    if (grub2Paths.length > 0) bootloaders.push('grub2')
    if (efiWithXen.length > 0) bootloaders.push('efi')
    if (bootloaders.length > 1) notes.push(`configuration for ${bootloaders.join(', ')} found: all of it is set, since memguard cannot tell which one this machine boots`)
    if (bootloaders.length === 0) {
      const generated = GRUB_CFG_PATHS.find((p) => text(p) !== null && grubCfgXenEntries(parseGrubCfg(text(p) as string)).length > 0)
      if (generated) notes.push(`${generated} boots Xen, but memguard edits the files grub.cfg is generated from (/etc/default/grub), not grub.cfg itself: change its multiboot lines by hand, or create /etc/default/grub and use --bootloader grub2`)
      problems.push(
        `no bootloader configuration with a Xen entry found (looked at ${[...GRUB_LEGACY_PATHS, GRUB_DEFAULTS_PATH, DEBIAN_XEN_GRUB_CFG, ...EFI_CFG_PATHS].join(', ')}, and for XenServer/XCP-ng ${XCP_INVENTORY}): add ${rendered} to the Xen command line by hand, or name the bootloader with --bootloader`,
      )
    }
  }

  for (const bootloader of bootloaders) {
    switch (bootloader) {
      case 'xcp': {
        if (!isXcp) notes.push(`--bootloader xcp: neither ${XCP_INVENTORY} nor ${XEN_CMDLINE_TOOL} was found; the command below is for XenServer/XCP-ng only`)
        const running = facts.runningCmdline ? findDom0MemTokens(facts.runningCmdline.text).map((t) => t.text) : undefined
        if (running?.length === 1 && running[0] === rendered) {
          notes.push(`the running hypervisor already booted with ${rendered} (${facts.runningCmdline?.source}); \`${XEN_CMDLINE_TOOL} --get-xen dom0_mem\` shows what the next boot gets`)
        }
        commands.push({command: `${XEN_CMDLINE_TOOL} --set-xen ${rendered}`, why: 'XenServer/XCP-ng keep the Xen command line themselves: this is their tool for it (memguard edits no boot file there); then reboot'})
        break
      }
      case 'grub-legacy': {
        if (legacyWithXen.length === 0) {
          problems.push(`--bootloader grub-legacy: no Xen entry (kernel …xen.gz) in ${legacyPaths.length > 0 ? legacyPaths.join(', ') : `any of ${GRUB_LEGACY_PATHS.join(', ')} (none exists)`}`)
          break
        }
        const primaries = new Map<string, string>()
        for (const path of legacyWithXen) {
          const before = text(path) as string
          const same = primaries.get(before)
          if (same) {
            const first = planned.find((f) => f.path === same) as PlannedFile
            planned.push({...first, path, changes: [], notes: [`same text as ${same} (a symlink to it, or a copy): gets the same change`], sameAs: same})
            continue
          }
          primaries.set(before, path)
          planned.push(fromEdit(path, 'grub-legacy', 'bootloader', before, editGrubLegacy(before, kib, render), problems))
        }
        notes.push('GRUB legacy reads grub.conf/menu.lst itself at boot: there is nothing to regenerate')
        if (planned.some((f) => f.kind === 'grub-legacy' && /xenhopt/.test(f.changes.join('\n')))) {
          commands.push({command: 'update-grub', why: "Debian's legacy update-grub rewrites the entries between the AUTOMAGIC markers from # xenhopt= (both are set already; this only re-checks them)"})
        }
        break
      }
      case 'grub2': {
        if (grub2Paths.length === 0) {
          problems.push(`--bootloader grub2: neither ${GRUB_DEFAULTS_PATH} nor ${DEBIAN_XEN_GRUB_CFG} exists`)
          break
        }
        const shellFiles = grub2Paths.map((path) => ({path, text: text(path) as string}))
        const preferNew = text(DEBIAN_XEN_GRUB_CFG) !== null ? DEBIAN_XEN_GRUB_CFG : grub2Paths.includes(GRUB_DEFAULTS_PATH) ? GRUB_DEFAULTS_PATH : grub2Paths[0]
        const edits = editGrubDefaults(shellFiles, kib, {...render, preferNew})
        edits.forEach((edit, i) => planned.push(fromEdit((shellFiles[i] as {path: string}).path, 'grub-default', 'bootloader', (shellFiles[i] as {text: string}).text, edit, problems)))
        const changed = edits.some((e, i) => e.after !== (shellFiles[i] as {text: string}).text)
        const stale = staleGrubCfg(files, rendered)
        if (stale) notes.push(stale)
        if (changed || stale) {
          const debian = text('/etc/debian_version') !== null || /^ID(_LIKE)?=.*\b(debian|ubuntu)\b/m.test(text('/etc/os-release') ?? '')
          const redhat = !debian && (text('/etc/redhat-release') !== null || text('/boot/grub2/grub.cfg') !== null)
          commands.push(debian ? MAKE_CONFIG.debian : redhat ? MAKE_CONFIG.redhat : MAKE_CONFIG.other)
        }
        break
      }
      case 'efi': {
        if (efiWithXen.length === 0) {
          problems.push(`--bootloader efi: no xen.cfg with a boot section found (looked at ${[...new Set([...EFI_CFG_PATHS, ...(input.efiConfigs ?? [])])].join(', ')})`)
          break
        }
        for (const path of efiWithXen) planned.push(fromEdit(path, 'efi-cfg', 'bootloader', text(path) as string, editEfiCfg(text(path) as string, kib, render), problems))
        break
      }
    }
  }

  // ---- toolstack ----
  const toolChoice = input.toolstack ?? 'auto'
  const xl = text(XL_CONF_PATH)
  const xend = text(XEND_CONFIG_PATH)
  const xendRemoved = xenVersionAtLeast(facts.xenVersion, 4, 5)
  let toolstacks: Toolstack[]
  if (toolChoice !== 'auto') toolstacks = [toolChoice]
  else if (bootloaders.length === 1 && bootloaders[0] === 'xcp') {
    toolstacks = []
    notes.push('XenServer/XCP-ng: xapi creates the domains and its squeezed never balloons dom0, so there is no toolstack file to change (pass --toolstack to force one)')
  } else {
    toolstacks = []
    if (xl !== null || facts.toolstack === 'xl') toolstacks.push('xl')
    if (xend !== null && !(xendRemoved && facts.toolstack !== 'xm')) toolstacks.push('xm')
    else if (xend !== null) notes.push(`${XEND_CONFIG_PATH} is left alone: this is Xen ${facts.xenVersion?.text ?? `${facts.xenVersion?.major}.${facts.xenVersion?.minor}`}, and xend was removed in Xen 4.5`)
    if (toolstacks.length === 0 && facts.toolstack === 'xm') problems.push(`the toolstack is xm (xend), but ${XEND_CONFIG_PATH} does not exist: create it with the ballooning settings by hand`)
    if (toolstacks.length === 0 && facts.toolstack === null) notes.push(`no toolstack answered and neither ${XL_CONF_PATH} nor ${XEND_CONFIG_PATH} exists: no toolstack setting was changed (pass --toolstack xl to create xl.conf)`)
  }

  let xendSemantics: XendSemantics | null = null
  for (const tool of toolstacks) {
    if (tool === 'xl') {
      const edit = editXlConf(xl)
      planned.push(fromEdit(XL_CONF_PATH, 'xl-conf', 'toolstack', xl, edit, problems))
      if (xl === null) notes.push(`${XL_CONF_PATH} does not exist: memguard creates it (xl's default is autoballoon="auto", which balloons dom0 whenever the running Xen has no dom0_mem)`)
    } else {
      if (xend === null) {
        problems.push(`--toolstack xm: ${XEND_CONFIG_PATH} does not exist`)
        continue
      }
      const decided = decideXendSemantics(xend, facts)
      xendSemantics = decided.semantics
      const edit = editXendConfig(xend, decided.semantics, Math.ceil(kib / 1024))
      edit.notes.unshift(decided.why)
      planned.push(fromEdit(XEND_CONFIG_PATH, 'xend-config', 'toolstack', xend, edit, problems))
      if (edit.after !== xend) commands.push({command: 'service xend restart', why: 'xend reads xend-config.sxp only when it starts (running domains are not touched by a restart)'})
    }
  }

  // ---- a dom0_mem the running Xen has but no file read sets: it comes from elsewhere ----
  const runningTokens = facts.runningCmdline ? findDom0MemTokens(facts.runningCmdline.text).map((t) => t.text) : undefined
  const bootFiles = planned.filter((f) => f.role === 'bootloader' && !f.sameAs)
  if (runningTokens && runningTokens.length > 0 && bootFiles.length > 0 && !bootFiles.some((f) => f.before !== null && setsDom0Mem(f.kind, f.before))) {
    notes.push(
      `the running Xen booted with ${runningTokens.join(' ')} (${facts.runningCmdline?.source}), but none of the files read sets dom0_mem: it comes from somewhere memguard did not read (a boot file it does not know, one a snapshot did not capture, a hand-edited grub.cfg, PXE or a boot script). Remove it there, or Xen will see two dom0_mem options and the later one wins`,
    )
  }

  // ---- reboot, and what happens until then ----
  const bootChanged = planned.some((f) => f.role === 'bootloader' && f.changed) || bootloaders.includes('xcp')
  const runningHasIt = runningTokens?.length === 1 && runningTokens[0] === rendered
  if (bootChanged || (runningTokens !== undefined && !runningHasIt)) {
    notes.push(
      `${rendered} takes effect when the host reboots into Xen${runningTokens !== undefined ? ` (the running hypervisor booted with ${runningTokens.length === 0 ? 'no dom0_mem' : runningTokens.join(' ')}, ${facts.runningCmdline?.source})` : ''}${toolstackTiming(toolstacks)}`,
    )
    if (facts.dom0AllocationKiB !== undefined && facts.dom0AllocationKiB > kib + 64 * 1024 && toolstacks.length > 0) {
      notes.push(
        `until that reboot dom0 keeps its ${formatKiB(facts.dom0AllocationKiB)}, and with ballooning off new guests get only what Xen has free${facts.freeMemoryKiB !== undefined ? ` (${formatKiB(facts.freeMemoryKiB)} now)` : ''}; to free memory before the reboot, shrink dom0 safely with \`memguard mem-set 0 ${Math.ceil(kib / 1024)}m\``,
      )
    }
  }

  return {rendered, arch: render.arch, bootloaders, toolstacks, xendSemantics, files: planned, commands, notes, problems}
}

function toolstackTiming(toolstacks: readonly Toolstack[]): string {
  const parts = toolstacks.map((t) => (t === 'xl' ? 'xl reads xl.conf at every command, so autoballoon="off" applies now' : 'xend reads its settings when it starts, so they apply after `service xend restart`'))
  return parts.length === 0 ? '.' : `; the toolstack setting does not wait for the reboot: ${parts.join('; ')}.`
}

function fromEdit(path: string, kind: FileKind, role: PlannedFile['role'], before: string | null, edit: FileEdit, problems: string[]): PlannedFile {
  problems.push(...edit.problems.map((p) => `${path}: ${p}`))
  return {path, kind, role, before, after: edit.after, changed: edit.after !== before, changes: edit.changes, notes: edit.notes}
}

/** How this xend turns ballooning off: by its version, else by what the file itself knows. */
export function decideXendSemantics(text: string, facts: Pick<Dom0MemHostFacts, 'xenVersion' | 'xendConfigFormat'>): {semantics: XendSemantics; why: string} {
  const v = facts.xenVersion
  if (v) {
    const modern = xenVersionAtLeast(v, 3, 3)
    return {
      semantics: modern ? 'enable-no' : 'min-mem-zero',
      why: modern
        ? `Xen ${v.text ?? `${v.major}.${v.minor}`}: xend 3.3 and later turn ballooning off with (enable-dom0-ballooning no); (dom0-min-mem N) is then the floor xm mem-set may not go below`
        : `Xen ${v.text ?? `${v.major}.${v.minor}`}: on xend before 3.3 (RHEL5's included) (dom0-min-mem 0) is what stops dom0 ballooning – there is no enable-dom0-ballooning yet`,
    }
  }
  if (facts.xendConfigFormat !== undefined && facts.xendConfigFormat < 4) {
    return {semantics: 'min-mem-zero', why: `xend_config_format ${facts.xendConfigFormat}: below 4 is an xend older than 3.3 (3.0.x, RHEL5's), where (dom0-min-mem 0) is what stops dom0 ballooning`}
  }
  const cfg = parseXendConfig(text)
  const modern = cfg.mentionsEnableDom0Ballooning
  return {
    semantics: modern ? 'enable-no' : 'min-mem-zero',
    why: modern
      ? 'the Xen version is unknown; this file knows enable-dom0-ballooning, so it is for xend 3.3 or later'
      : 'the Xen version is unknown; this file never mentions enable-dom0-ballooning, so it is for xend 3.2 or older, where (dom0-min-mem 0) stops ballooning',
  }
}

/** Whether a bootloader file (as read) sets any dom0_mem on a Xen line. */
function setsDom0Mem(kind: FileKind, text: string): boolean {
  const has = (words: ReadonlyArray<{text: string}>) => words.some((w) => w.text === 'dom0_mem' || w.text.startsWith('dom0_mem='))
  if (kind === 'grub-legacy') return grubLegacyXenEntries(parseGrubLegacy(text)).some((e) => has(e.xenArgs))
  if (kind === 'efi-cfg') return efiXenEntries(parseEfiConfig(text)).some((e) => has(e.xenArgs))
  if (kind === 'grub-default') {
    return parseShellAssignments(text).assignments.some((a) => (a.name === 'GRUB_CMDLINE_XEN' || a.name === 'GRUB_CMDLINE_XEN_DEFAULT') && findDom0MemTokens(a.value).length > 0)
  }
  return false
}

/** A note when a generated grub.cfg still boots Xen with another dom0_mem (update-grub not run since). */
function staleGrubCfg(files: ReadonlyMap<string, string | null>, rendered: string): string | undefined {
  for (const path of GRUB_CFG_PATHS) {
    const text = files.get(path)
    if (!text) continue
    const entries = grubCfgXenEntries(parseGrubCfg(text)).filter((e) => !e.recovery)
    const off = entries.find((e) => {
      const tokens = e.xenArgs.filter((a) => a.text === 'dom0_mem' || a.text.startsWith('dom0_mem='))
      return tokens.length !== 1 || tokens[0]?.text !== rendered
    })
    if (off) return `${path} (generated) boots ${JSON.stringify(off.title)} without ${rendered} yet: it changes only when grub.cfg is regenerated`
  }
  return undefined
}
