import {xlInteger} from '../../xen/config/xl-cfg.js'
import {domainFacts} from '../domain.js'
import type {Rule} from '../types.js'

export const memoryQuotedString: Rule = {
  id: 'memory-quoted-string',
  severity: 'warning',
  description: "memory/maxmem written as a quoted string ('2048'): xl accepts it, but a typo inside the quotes is not a syntax error and silently gives the default (32 MiB).",
  docs: 'docs/rules/memory-quoted-string.md',
  kinds: ['xl-domain'],
  check(file, ctx) {
    if (file.kind !== 'xl-domain') return
    const facts = domainFacts(file.xl)
    for (const key of ['memory', 'maxmem'] as const) {
      const v = facts.settings.get(key)?.value
      if (v?.type !== 'atom' || v.kind !== 'string') continue
      const parsed = xlInteger(v.value)
      if (!parsed.ok || parsed.radix !== 10) continue // memory-invalid reports those
      ctx.report({
        span: v.span,
        message: `\`${key} = ${v.raw}\` is a quoted string: xl reads it as the number ${parsed.value} (MiB), but inside quotes a typo such as '2048M' is not a syntax error – xl warns and the domain gets the default memory`,
        hint: `write ${key} = ${parsed.value}`,
      })
    }
  },
}
