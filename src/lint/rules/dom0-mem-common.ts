import type {Dom0MemProblemCode} from '../../xen/dom0-mem.js'
import {entryVerdict, grubDefaultGroups, isBootFile} from '../boot.js'
import type {LocatedDom0MemProblem} from '../dom0-mem.js'
import type {Rule, RuleContext, Severity} from '../types.js'

const BOOT_KINDS = ['grub-legacy', 'grub-cfg', 'syslinux', 'efi-cfg'] as const

interface Dom0RuleSpec {
  id: string
  severity: Severity
  description: string
  docs: string
  /** Problem codes of src/xen/dom0-mem.ts this rule reports. */
  codes: readonly Dom0MemProblemCode[]
  /** Drop a problem (e.g. the grammar module's info-level notes). */
  keep?: (p: LocatedDom0MemProblem) => boolean
}

const keepNotInfo = (p: LocatedDom0MemProblem) => p.severity !== 'info'

/**
 * A rule over the dom0_mem judgement of every Xen boot line: bootloader entries per file, and the
 * GRUB2 defaults (GRUB_CMDLINE_XEN + GRUB_CMDLINE_XEN_DEFAULT) per /etc/default group.
 */
export function dom0MemRule(spec: Dom0RuleSpec): Rule {
  const keep = spec.keep ?? keepNotInfo
  const wanted = (p: LocatedDom0MemProblem) => spec.codes.includes(p.code) && keep(p)
  return {
    id: spec.id,
    severity: spec.severity,
    description: spec.description,
    docs: spec.docs,
    kinds: BOOT_KINDS,
    check(file, ctx) {
      if (!isBootFile(file)) return
      for (const entry of file.xenEntries) {
        for (const p of entryVerdict(entry, ctx.facts).problems.filter(wanted)) {
          ctx.report({message: `${entryLabel(entry.loader, entry.title)}: ${p.message}`, span: p.span})
        }
      }
    },
    checkAll(files, ctx: RuleContext) {
      for (const g of grubDefaultGroups(files, ctx.facts)) {
        if (!g.xenRelated) continue
        for (const p of g.normal.problems.filter(wanted)) {
          const fromXen = p.argIndex !== undefined && p.argIndex < g.xenArgs.length
          const file = p.argIndex === undefined ? g.anchor.file : fromXen ? g.xen?.file : g.xenDefault?.file
          const variable =
            p.argIndex !== undefined ? (fromXen ? 'GRUB_CMDLINE_XEN' : 'GRUB_CMDLINE_XEN_DEFAULT') : g.xen || g.xenDefault ? 'GRUB_CMDLINE_XEN and GRUB_CMDLINE_XEN_DEFAULT' : 'GRUB_CMDLINE_XEN and GRUB_CMDLINE_XEN_DEFAULT are not set'
          ctx.report({path: (file ?? g.anchor.file).source.path, message: `${variable}: ${p.message}`, span: p.span})
        }
      }
    },
  }
}

function entryLabel(loader: string, title: string): string {
  const what = loader === 'efi' ? 'EFI section' : loader === 'syslinux' ? 'label' : 'entry'
  return `${what} ${JSON.stringify(title.length > 60 ? `${title.slice(0, 60)}…` : title)}`
}
