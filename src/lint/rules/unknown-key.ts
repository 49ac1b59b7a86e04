import {KEY_CONFUSIONS, XL_CONF_KEYS, XL_DOMAIN_KEYS, XM_ONLY_DOMAIN_KEYS} from '../../xen/config/keys.js'
import {closest} from '../suggest.js'
import type {Rule} from '../types.js'

const XL_IDENT = /^[a-z][._0-9a-z]*$/
const CPUPOOL_KEYS: ReadonlySet<string> = new Set(['name', 'sched', 'cpus', 'nodes'])
/** Misspellings of autoballoon are autoballoon-invalid's business. */
const AUTOBALLOON_TYPO = (key: string) => key !== 'autoballoon' && closest(key, ['autoballoon']) === 'autoballoon'

export const unknownKey: Rule = {
  id: 'unknown-key',
  severity: 'warning',
  description: 'A key xl does not read (typo, xm-only option, option for the other file): xl ignores it silently, so the setting has no effect.',
  docs: 'docs/rules/unknown-key.md',
  kinds: ['xl-domain', 'xl-cpupool', 'xl-conf'],
  check(file, ctx) {
    if (file.kind !== 'xl-domain' && file.kind !== 'xl-cpupool' && file.kind !== 'xl-conf') return
    const seen = new Set<string>()
    for (const s of file.xl.settings) {
      const key = s.key
      if (seen.has(key) || !XL_IDENT.test(key)) continue
      seen.add(key)
      if (file.kind === 'xl-conf') {
        if (XL_CONF_KEYS.has(key) || AUTOBALLOON_TYPO(key)) continue
        const guess = KEY_CONFUSIONS[key] ?? closest(key, XL_CONF_KEYS)
        if (XL_DOMAIN_KEYS.has(key) && !guess) {
          ctx.report({span: s.keySpan, message: `\`${key}\` is a domain option, not an xl.conf option: xl ignores it here`, hint: 'put it in the domain configs that need it'})
        } else {
          ctx.report({span: s.keySpan, message: `unknown xl.conf key \`${key}\`${guess ? `; did you mean \`${guess}\`?` : ''} xl ignores unknown keys silently`})
        }
        continue
      }
      const known = file.kind === 'xl-cpupool' ? CPUPOOL_KEYS : XL_DOMAIN_KEYS
      if (known.has(key)) continue
      if (XL_CONF_KEYS.has(key) || AUTOBALLOON_TYPO(key)) {
        ctx.report({span: s.keySpan, message: `\`${key}\` is a global xl.conf option, not a domain option: xl ignores it in a domain config`, hint: 'set it in /etc/xen/xl.conf'})
        continue
      }
      if (file.kind === 'xl-domain' && XM_ONLY_DOMAIN_KEYS.has(key)) {
        ctx.report({span: s.keySpan, message: `\`${key}\` is an xm option (Xen ≤ 4.1); xl ignores it`, hint: key === 'ip' || key === 'dhcp' || key === 'netmask' || key === 'gateway' || key === 'hostname' ? 'xm put these on the kernel command line: add them to extra= yourself' : undefined})
        continue
      }
      const guess = KEY_CONFUSIONS[key] ?? closest(key, known)
      ctx.report({
        span: s.keySpan,
        message: `unknown key \`${key}\`${guess ? `; did you mean \`${guess}\`?` : ''} xl ignores unknown keys silently, so this setting has no effect`,
      })
    }
  },
}
