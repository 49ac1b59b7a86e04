import {resolveEfiBoot} from '../../xen/config/efi-cfg.js'
import type {Rule} from '../types.js'

const SHELL_EXPANSION_RE = /\$\([^)]*\)?|\$\{[^}]*\}?|`[^`]*`?/
const KNOWN_KEYS = new Set(['default', 'chain', 'options', 'kernel', 'ramdisk', 'xsm', 'ucode', 'dtb', 'video', 'cfg'])

export const efiCfgIgnored: Rule = {
  id: 'efi-cfg-ignored',
  severity: 'warning',
  description: 'Text xen.efi silently ignores or passes on literally: `key = value` with a space before `=`, text after `#` mid-line, options= in [global], `$(…)`, a last line without newline.',
  docs: 'docs/rules/efi-cfg-ignored.md',
  kinds: ['efi-cfg'],
  check(file, ctx) {
    if (file.kind !== 'efi-cfg') return
    const boot = resolveEfiBoot(file.efi)
    for (const section of file.efi.sections) {
      for (const e of section.entries) {
        const trimmed = e.key.trim()
        if (e.key !== trimmed && KNOWN_KEYS.has(trimmed)) {
          ctx.report({span: e.keySpan, message: `\`${e.key}=\`: xen.efi matches \`${trimmed}=\` exactly (get_value() in xen/common/efi/boot.c), so a space before \`=\` makes it skip this line`, hint: `write ${trimmed}=${e.value}`})
        }
        if (e.comment && (trimmed === 'kernel' || trimmed === 'options' || trimmed === 'ramdisk')) {
          ctx.report({
            span: e.comment.span,
            message: `\`#\` starts a comment anywhere on a line in xen.efi (pre_parse()), so ${JSON.stringify(e.comment.text.trim())} is cut off and not passed on`,
            hint: 'remove it, or move it to a line of its own if it is meant as a comment',
          })
        }
        if ((trimmed === 'kernel' || trimmed === 'options') && /\$\(|\$\{|`/.test(e.value)) {
          const shellText = SHELL_EXPANSION_RE.exec(e.value)?.[0] ?? '$'
          ctx.report({span: e.valueSpan, message: `xen.efi does not run a shell: ${JSON.stringify(shellText)} is passed literally`, hint: 'generate xen.cfg with a script that expands it, or write the values out'})
        }
        if (section.name === 'global' && boot.defaultEntry && (trimmed === 'options' || trimmed === 'kernel' || trimmed === 'ramdisk')) {
          ctx.report({span: e.keySpan, message: `\`${trimmed}=\` in [global] is not read when default= is set: xen.efi reads ${trimmed}= from the [${boot.defaultEntry.value}] section`, hint: `move it to [${boot.defaultEntry.value}]`})
        }
      }
    }
    if (file.efi.lastLineIgnored) {
      ctx.report({span: file.efi.lastLineIgnored.span, message: 'no newline at the end of the file: xen.efi ignores the last line ("No newline at end of config file, last line will be ignored.")', hint: 'end the file with a newline'})
    }
  },
}
