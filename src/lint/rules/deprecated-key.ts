import {DEPRECATED_DOMAIN_KEYS, DEPRECATED_XL_CONF_KEYS} from '../../xen/config/keys.js'
import {xlInteger} from '../../xen/config/xl-cfg.js'
import {atom, domainFacts} from '../domain.js'
import type {Rule} from '../types.js'

export const deprecatedKey: Rule = {
  id: 'deprecated-key',
  severity: 'warning',
  description: 'A key xl deprecates or ignores (builder= → type=, device_model=, kernel="hvmloader", root=/extra= next to cmdline=, …), with its replacement.',
  docs: 'docs/rules/deprecated-key.md',
  kinds: ['xl-domain', 'xl-conf'],
  check(file, ctx) {
    if (file.kind === 'xl-conf') {
      for (const s of file.xl.settings) {
        const dep = DEPRECATED_XL_CONF_KEYS[s.key]
        if (dep) ctx.report({span: s.keySpan, message: `\`${s.key}\` is deprecated: ${dep.why}`, hint: `use ${dep.use}`})
      }
      return
    }
    if (file.kind !== 'xl-domain') return
    const facts = domainFacts(file.xl)
    for (const eff of facts.settings.values()) {
      const dep = DEPRECATED_DOMAIN_KEYS[eff.key]
      if (!dep) continue
      let use = dep.use
      if (eff.key === 'builder') {
        const b = atom(eff.value)
        use = b !== undefined && 'hvm'.startsWith(b) ? 'type = "hvm"' : b !== undefined && 'generic'.startsWith(b) ? 'type = "pv" (or "pvh")' : 'type'
      }
      ctx.report({span: eff.setting.keySpan, message: `\`${eff.key}\` is deprecated: ${dep.why}`, hint: `use ${use}`})
    }
    const kernel = facts.settings.get('kernel')
    const kernelPath = atom(kernel?.value)
    if (kernel && kernelPath !== undefined && facts.type === 'hvm' && (kernelPath.split('/').pop() ?? '') === 'hvmloader') {
      ctx.report({
        span: kernel.value.span,
        message: 'kernel = "…hvmloader" is the xm way to pick HVM firmware: xl ignores it ("you seem to be using \\"kernel\\" directive to override HVM guest firmware. Ignore that.")',
        hint: 'remove it (xl uses hvmloader by default), or use firmware_override for a non-default firmware',
      })
    }
    const cmdline = facts.settings.get('cmdline')
    if (cmdline) {
      for (const key of ['root', 'extra'] as const) {
        const s = facts.settings.get(key)
        if (s) ctx.report({span: s.setting.keySpan, message: `\`${key}\` is ignored because \`cmdline\` is set ("Warning: ignoring root= and extra= in favour of cmdline=")`, hint: `merge it into cmdline, then remove ${key}`})
      }
    }
    for (const key of ['tsc_mode', 'timer_mode'] as const) {
      const s = facts.settings.get(key)
      const v = s?.value
      if (s && v?.type === 'atom' && xlInteger(v.value).ok) {
        ctx.report({span: v.span, message: `\`${key}\` as an integer is deprecated (xl prints a warning); use the named value`, hint: key === 'tsc_mode' ? 'e.g. tsc_mode = "default"' : 'e.g. timer_mode = "no_delay_for_missed_ticks"'})
      }
    }
    const bootloaderArgs = facts.settings.get('bootloader_args')
    if (bootloaderArgs?.value.type === 'atom') {
      ctx.report({span: bootloaderArgs.value.span, message: '`bootloader_args` as a string is deprecated (xl: "Please use a list of arguments")', hint: 'bootloader_args = [ "--arg1", "--arg2" ]'})
    }
  },
}
