import {domainFacts} from '../domain.js'
import type {Rule} from '../types.js'

export const maxmemBelowMemory: Rule = {
  id: 'maxmem-below-memory',
  severity: 'error',
  description: 'maxmem smaller than memory: xl.cfg(5) requires maxmem ≥ memory.',
  docs: 'docs/rules/maxmem-below-memory.md',
  kinds: ['xl-domain'],
  check(file, ctx) {
    if (file.kind !== 'xl-domain') return
    const {memory, maxmem} = domainFacts(file.xl)
    if (memory?.value === undefined || maxmem?.value === undefined) return
    if (maxmem.value >= memory.value) return
    ctx.report({
      span: maxmem.span,
      message: `maxmem (${maxmem.value} MiB) is below memory (${memory.value} MiB): "The value of maxmem= must be equal to or greater than that of memory=" (xl.cfg(5))`,
      hint: `set maxmem = ${memory.value}, or remove maxmem (it then equals memory)`,
      related: [{path: file.source.path, span: memory.span, message: 'memory is set here'}],
    })
  },
}
