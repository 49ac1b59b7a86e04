import type {XenBootEntry} from '../xen/config/boot-entry.js'
import {assignmentArgs, type ShellAssignment} from '../xen/config/shell-assign.js'
import type {CmdlineArg, Span} from '../xen/config/text.js'
import {judgeDom0Mem} from '../xen/dom0-mem.js'
import {type Dom0MemVerdict, judgeArgs} from './dom0-mem.js'
import type {HostFacts, ParsedFile, ParsedOf} from './types.js'

/**
 * The Xen command lines a set of bootloader files produces, judged once and shared by the
 * dom0_mem rules.
 */

const entryCache = new WeakMap<XenBootEntry, Dom0MemVerdict>()

export function entryVerdict(entry: XenBootEntry, facts: HostFacts): Dom0MemVerdict {
  let v = entryCache.get(entry)
  if (!v) {
    v = judgeArgs(entry.xenArgs, entry.xenLine, facts)
    entryCache.set(entry, v)
  }
  return v
}

export type BootFile = ParsedOf<'grub-legacy' | 'grub-cfg' | 'syslinux' | 'efi-cfg'>

export function isBootFile(f: ParsedFile): f is BootFile {
  return f.kind === 'grub-legacy' || f.kind === 'grub-cfg' || f.kind === 'syslinux' || f.kind === 'efi-cfg'
}

/**
 * GRUB2 defaults: `/etc/default/grub` then `/etc/default/grub.d/*.cfg` are sourced in that order by
 * grub-mkconfig, so the last assignment wins. Files outside that layout form their own group.
 * 20_linux_xen.in gives normal entries `${GRUB_CMDLINE_XEN} ${GRUB_CMDLINE_XEN_DEFAULT}` and
 * recovery entries only `${GRUB_CMDLINE_XEN}`.
 */
export interface GrubDefaultGroup {
  files: Array<ParsedOf<'grub-default'>>
  xen: {file: ParsedOf<'grub-default'>; assignment: ShellAssignment} | undefined
  xenDefault: {file: ParsedOf<'grub-default'>; assignment: ShellAssignment} | undefined
  /** GRUB_DISABLE_RECOVERY=true: no recovery entries are generated. */
  recoveryDisabled: boolean
  /** Some file sets a Xen variable: this group configures a Xen host. */
  xenRelated: boolean
  /** Where to report a missing dom0_mem. */
  anchor: {file: ParsedOf<'grub-default'>; span: Span}
  xenArgs: CmdlineArg[]
  defaultArgs: CmdlineArg[]
  normal: Dom0MemVerdict
  recovery: Dom0MemVerdict
}

const groupCache = new WeakMap<readonly ParsedFile[], GrubDefaultGroup[]>()

function groupKey(path: string): {key: string; order: string} {
  const m = /^(.*?(?:^|\/)default\/)(grub(?:\.d\/[^/]+)?)$/.exec(path)
  if (!m) return {key: path, order: ''}
  const rest = m[2] as string
  return {key: m[1] as string, order: rest === 'grub' ? '0' : `1${rest}`}
}

export function grubDefaultGroups(files: readonly ParsedFile[], facts: HostFacts): GrubDefaultGroup[] {
  const cached = groupCache.get(files)
  if (cached) return cached
  const byKey = new Map<string, Array<ParsedOf<'grub-default'>>>()
  for (const f of files) {
    if (f.kind !== 'grub-default') continue
    const {key} = groupKey(f.source.path)
    byKey.set(key, [...(byKey.get(key) ?? []), f])
  }
  const groups: GrubDefaultGroup[] = []
  for (const members of byKey.values()) {
    members.sort((a, b) => groupKey(a.source.path).order.localeCompare(groupKey(b.source.path).order))
    let xen: GrubDefaultGroup['xen']
    let xenDefault: GrubDefaultGroup['xenDefault']
    let recoveryDisabled = false
    let xenRelated = false
    for (const file of members) {
      for (const a of file.shell.assignments) {
        if (a.name === 'GRUB_CMDLINE_XEN') xen = {file, assignment: a}
        if (a.name === 'GRUB_CMDLINE_XEN_DEFAULT') xenDefault = {file, assignment: a}
        if (a.name === 'GRUB_DISABLE_RECOVERY') recoveryDisabled = a.value === 'true'
        if (/^(GRUB_CMDLINE_XEN|GRUB_CMDLINE_XEN_DEFAULT|XEN_OVERRIDE_GRUB_DEFAULT|GRUB_CMDLINE_LINUX_XEN_REPLACE(_DEFAULT)?)$/.test(a.name)) xenRelated = true
      }
      if (/(^|\/)grub\.d\/xen\.cfg$/.test(file.source.path)) xenRelated = true
    }
    const first = members[0] as ParsedOf<'grub-default'>
    const anchorSource = xenDefault ?? xen
    // Without any assignment, point at a commented-out `#GRUB_CMDLINE_XEN=""` (Debian's stock file).
    const commented = members.flatMap((file) => file.shell.commented.filter((c) => c.name === 'GRUB_CMDLINE_XEN' || c.name === 'GRUB_CMDLINE_XEN_DEFAULT').map((c) => ({file, span: c.span})))
    const anchor = anchorSource ? {file: anchorSource.file, span: anchorSource.assignment.span} : (commented.at(-1) ?? {file: first, span: first.index.span(0, 0)})
    const xenArgs = xen ? assignmentArgs(xen.assignment, xen.file.index) : []
    const defaultArgs = xenDefault ? assignmentArgs(xenDefault.assignment, xenDefault.file.index) : []
    groups.push({
      files: members,
      xen,
      xenDefault,
      recoveryDisabled,
      xenRelated,
      anchor,
      xenArgs,
      defaultArgs,
      normal: judgeArgs([...xenArgs, ...defaultArgs], anchor.span, facts),
      recovery: judgeArgs(xenArgs, xen?.assignment.span ?? anchor.span, facts),
    })
  }
  groupCache.set(files, groups)
  return groups
}

/** What the linted boot configs (or the snapshot) say about dom0's memory. */
export interface Dom0Knowledge {
  /** Some Xen boot line sets dom0_mem. */
  present: boolean
  /** dom0's memory in KiB, when a size is known. */
  kib: number | undefined
  /** xl's autoballoon="auto" regex sees a dom0_mem on every Xen line that has one. */
  xlSeesIt: boolean
  /** Human description of where it came from. */
  source: string
}

export function dom0Knowledge(files: readonly ParsedFile[], facts: HostFacts): Dom0Knowledge | undefined {
  const verdicts: Array<{verdict: Dom0MemVerdict['judgement']; source: string}> = []
  for (const f of files) {
    if (isBootFile(f)) for (const e of f.xenEntries) if (!e.recovery) verdicts.push({verdict: entryVerdict(e, facts).judgement, source: f.source.path})
  }
  for (const g of grubDefaultGroups(files, facts)) if (g.xenRelated) verdicts.push({verdict: g.normal.judgement, source: g.anchor.file.source.path})
  if (verdicts.length === 0 && facts.xenCommandline !== undefined) {
    verdicts.push({verdict: judgeDom0Mem(facts.xenCommandline, {xenVersion: facts.xenVersion, hostMemoryKiB: facts.hostMemoryKiB}), source: 'the running Xen command line (snapshot)'})
  }
  if (verdicts.length === 0) return undefined
  const withMem = verdicts.filter((v) => v.verdict.present)
  // A dom0_mem built from a shell variable is unknown until generated: do not call it unseen.
  const symbolic = (j: Dom0MemVerdict['judgement']) => [j.amount, j.min, j.max].some((s) => s?.symbolic)
  const unseen = withMem.find((v) => !v.verdict.xlAutoballoonSeesIt && !symbolic(v.verdict))
  const chosen = unseen ?? withMem[0]
  if (!chosen) return {present: false, kib: undefined, xlSeesIt: false, source: verdicts[0]?.source ?? ''}
  const j = chosen.verdict
  return {
    present: true,
    kib: j.initialKiB ?? (j.amountKiB && j.amountKiB > 0 ? j.amountKiB : undefined) ?? j.maxKiB,
    xlSeesIt: unseen === undefined,
    source: chosen.source,
  }
}

/**
 * Which host a file belongs to, for the cross-file rules: the part of its path before an `etc/` or
 * `boot/` directory (`hosts/web1/etc/xen/a.cfg` → `hosts/web1`), or '' for files outside such a
 * layout. Files of one host are judged together; different hosts are not mixed.
 */
export function hostKey(path: string): string {
  const m = /^(.*?)(?:^|\/)(?:etc|boot)\//.exec(path)
  return m ? (m[1] as string) : ''
}

const hostCache = new WeakMap<readonly ParsedFile[], ReadonlyArray<readonly ParsedFile[]>>()

export function filesByHost(files: readonly ParsedFile[]): ReadonlyArray<readonly ParsedFile[]> {
  const cached = hostCache.get(files)
  if (cached) return cached
  const map = new Map<string, ParsedFile[]>()
  for (const f of files) {
    const key = hostKey(f.source.path)
    const list = map.get(key)
    if (list) list.push(f)
    else map.set(key, [f])
  }
  const groups = [...map.values()]
  hostCache.set(files, groups)
  return groups
}
