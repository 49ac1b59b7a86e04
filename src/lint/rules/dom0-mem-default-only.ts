import {grubDefaultGroups} from '../boot.js'
import type {Rule} from '../types.js'

export const dom0MemDefaultOnly: Rule = {
  id: 'dom0-mem-default-only',
  severity: 'warning',
  description: 'dom0_mem only in GRUB_CMDLINE_XEN_DEFAULT: GRUB2 recovery entries get GRUB_CMDLINE_XEN alone, so they boot dom0 without it.',
  docs: 'docs/rules/dom0-mem-default-only.md',
  kinds: [],
  checkAll(files, ctx) {
    for (const g of grubDefaultGroups(files, ctx.facts)) {
      if (!g.xenRelated || g.recoveryDisabled || !g.xenDefault) continue
      const inDefault = g.defaultArgs.find((a) => a.text.startsWith('dom0_mem='))
      const inXen = g.xenArgs.some((a) => a.text.startsWith('dom0_mem='))
      if (!inDefault || inXen) continue
      ctx.report({
        path: g.xenDefault.file.source.path,
        span: inDefault.span,
        message:
          '`dom0_mem` is only in GRUB_CMDLINE_XEN_DEFAULT: grub-mkconfig (20_linux_xen) gives recovery entries only GRUB_CMDLINE_XEN, so booting "recovery mode" starts dom0 with all host memory',
        hint: 'move dom0_mem to GRUB_CMDLINE_XEN (it applies to every entry), or set GRUB_DISABLE_RECOVERY=true if you never boot recovery entries',
      })
    }
  },
}
