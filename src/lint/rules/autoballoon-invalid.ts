import {closest} from '../suggest.js'
import type {Rule} from '../types.js'

const VALID = new Set(['on', 'off', 'auto', '1', '0'])

export const autoballoonInvalid: Rule = {
  id: 'autoballoon-invalid',
  severity: 'error',
  description: 'xl.conf autoballoon with a value xl does not know, or a misspelt key (autoballon=): xl ignores it and keeps the default "auto".',
  docs: 'docs/rules/autoballoon-invalid.md',
  kinds: ['xl-conf', 'xl-domain'],
  check(file, ctx) {
    if (file.kind !== 'xl-conf' && file.kind !== 'xl-domain') return
    for (const s of file.xl.settings) {
      if (file.kind === 'xl-conf' && s.key !== 'autoballoon' && closest(s.key, ['autoballoon']) === 'autoballoon') {
        ctx.report({span: s.keySpan, message: `\`${s.key}\` is not \`autoballoon\`: xl ignores unknown keys silently, so autoballooning stays at its default ("auto" since Xen 4.3: on whenever xl finds no dom0_mem on the Xen command line; plain on before 4.3)`, hint: `rename it to autoballoon`})
        continue
      }
      if (s.key !== 'autoballoon' || file.kind !== 'xl-conf') continue
      const v = s.value
      if (v.type === 'atom' && VALID.has(v.value)) continue
      const shown = v.type === 'atom' ? JSON.stringify(v.value) : 'a list'
      ctx.report({
        span: v.span,
        message: `autoballoon = ${shown} is not one of "on", "off", "auto", 1, 0: xl prints "invalid autoballoon option" and keeps the default ("auto" since Xen 4.3, on before; tools/xl/xl.c parse_global_config)`,
        hint: v.type === 'atom' && /^(yes|true|enabled?)$/i.test(v.value) ? 'write autoballoon="on"' : v.type === 'atom' && /^(no|false|disabled?)$/i.test(v.value) ? 'write autoballoon="off"' : 'write autoballoon="off" when dom0_mem is set',
      })
    }
  },
}
