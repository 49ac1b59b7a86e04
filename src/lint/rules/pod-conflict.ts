import {atom, domainFacts, listItems} from '../domain.js'
import type {Rule} from '../types.js'

export const podConflict: Rule = {
  id: 'pod-conflict',
  severity: 'error',
  description: 'Populate-on-demand (HVM/PVH with maxmem > memory) together with PCI passthrough, vNUMA or altp2m: libxl refuses to create the domain.',
  docs: 'docs/rules/pod-conflict.md',
  kinds: ['xl-domain'],
  check(file, ctx) {
    if (file.kind !== 'xl-domain') return
    const facts = domainFacts(file.xl)
    const {memory, maxmem, type, settings} = facts
    if (type === 'pv' || memory?.value === undefined || maxmem?.value === undefined || maxmem.value <= memory.value) return
    const conflicts: Array<{span: typeof maxmem.span; why: string}> = []
    const pci = settings.get('pci')
    const passthrough = atom(settings.get('passthrough')?.value)
    if (pci && listItems(pci.value).some((i) => i.value.trim() !== '') && passthrough !== 'disabled') {
      conflicts.push({span: pci.setting.keySpan, why: 'PCI passthrough needs an IOMMU, which cannot work with PoD ("IOMMU required for device passthrough but not supported together with PoD")'})
    }
    const vnuma = settings.get('vnuma')
    if (vnuma && vnuma.value.type === 'list' && vnuma.value.items.length > 0) {
      conflicts.push({span: vnuma.setting.keySpan, why: 'the PoD pool is not vNUMA-aware ("Cannot enable PoD and vNUMA at the same time")'})
    }
    const altp2m = atom(settings.get('altp2m')?.value)
    const altp2mhvm = atom(settings.get('altp2mhvm')?.value)
    const altp2mOn = (altp2m !== undefined && !/^(0|disabled)$/.test(altp2m.trim())) || (type === 'hvm' && altp2mhvm !== undefined && !/^0+$/.test(altp2mhvm.trim()))
    if (altp2mOn) {
      const s = settings.get('altp2m') ?? settings.get('altp2mhvm')
      if (s) conflicts.push({span: s.setting.keySpan, why: '"Cannot enable PoD and ALTP2M at the same time"'})
    }
    for (const c of conflicts) {
      ctx.report({
        span: c.span,
        message: `maxmem (${maxmem.value} MiB) > memory (${memory.value} MiB) turns on populate-on-demand, and ${c.why}: \`xl create\` fails (tools/libs/light/libxl_create.c)`,
        hint: `set maxmem = memory (${memory.value})`,
        related: [{path: file.source.path, span: maxmem.span, message: 'maxmem is set here'}],
      })
    }
  },
}
