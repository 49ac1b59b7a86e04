import {resolveEfiBoot} from '../../xen/config/efi-cfg.js'
import type {Rule} from '../types.js'

export const efiDefaultSectionMissing: Rule = {
  id: 'efi-default-section-missing',
  severity: 'error',
  description: 'EFI xen.cfg whose [global] default= names no section, or a section without kernel=: xen.efi stops with "No Dom0 kernel image specified".',
  docs: 'docs/rules/efi-default-section-missing.md',
  kinds: ['efi-cfg'],
  check(file, ctx) {
    if (file.kind !== 'efi-cfg') return
    const boot = resolveEfiBoot(file.efi)
    if (boot.chain) return // another config file decides; not visible from here
    if (boot.defaultEntry && !boot.sectionFound) {
      const names = file.efi.sections.map((s) => s.name).filter((n): n is string => n !== null && n !== 'global')
      ctx.report({
        span: boot.defaultEntry.valueSpan,
        message: `default=${boot.defaultEntry.value} names no [${boot.defaultEntry.value}] section${names.length ? ` (sections: ${names.map((n) => `[${n}]`).join(', ')})` : ''}: xen.efi finds no kernel= and stops ("No Dom0 kernel image specified")`,
        hint: 'section names must match exactly, with no trailing spaces',
      })
    } else if (!boot.kernel) {
      const span = boot.defaultEntry?.valueSpan ?? file.index.span(0, 0)
      ctx.report({span, message: `the boot section${boot.sectionName ? ` [${boot.sectionName}]` : ''} has no kernel= line: xen.efi stops ("No Dom0 kernel image specified")`})
    }
  },
}
