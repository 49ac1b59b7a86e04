import {xlInteger} from '../../xen/config/xl-cfg.js'
import {domainFacts} from '../domain.js'
import type {Rule} from '../types.js'

export const memoryInvalid: Rule = {
  id: 'memory-invalid',
  severity: 'error',
  description: 'memory/maxmem that xl cannot read as whole MiB (a unit, a fraction, a list) or reads differently than written (leading 0 = octal).',
  docs: 'docs/rules/memory-invalid.md',
  kinds: ['xl-domain'],
  check(file, ctx) {
    if (file.kind !== 'xl-domain') return
    const facts = domainFacts(file.xl)
    for (const key of ['memory', 'maxmem'] as const) {
      const eff = facts.settings.get(key)
      if (!eff) continue
      const v = eff.value
      if (v.type === 'expr') continue // Python: xm-python-construct
      if (v.type === 'list') {
        ctx.report({span: v.span, message: `\`${key}\` is a list; xl wants one number of MiB ("parameter \`${key}\` is a list but should be a single value") and ignores it`})
        continue
      }
      const parsed = xlInteger(v.value)
      const fallback = key === 'memory' ? (facts.maxmem?.value !== undefined ? `maxmem (${facts.maxmem.value} MiB)` : 'the libxl default of 32 MiB') : 'memory'
      if (!parsed.ok) {
        ctx.report({
          span: v.span,
          message: `xl cannot read \`${key} = ${v.raw}\` as a number (${parsed.reason}): it warns "not a valid number" and uses ${fallback} instead`,
          hint: `${key} takes whole MiB without a unit, e.g. ${key} = ${suggest(v.value)}`,
        })
        continue
      }
      if (parsed.radix === 8) {
        ctx.report({span: v.span, message: `\`${key} = ${v.raw}\`: a leading 0 makes xl read it as octal (strtol base 0), so this is ${parsed.value} MiB, not ${v.value.trim().replace(/^0+/, '')} MiB`, hint: 'drop the leading zero'})
      } else if (parsed.value <= 0) {
        ctx.report({span: v.span, message: `\`${key} = ${v.raw}\` gives the domain no memory`})
      }
    }
  },
}

function suggest(text: string): string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt])?/i.exec(text)
  if (!m) return '1024'
  const n = Number(m[1])
  const unit = (m[2] ?? 'm').toLowerCase()
  const mib = unit === 'g' ? n * 1024 : unit === 't' ? n * 1024 * 1024 : unit === 'k' ? n / 1024 : n
  return String(Math.max(1, Math.round(mib)))
}
