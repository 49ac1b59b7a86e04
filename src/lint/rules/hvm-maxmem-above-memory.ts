import {atom, domainFacts} from '../domain.js'
import type {Rule} from '../types.js'

export const hvmMaxmemAboveMemory: Rule = {
  id: 'hvm-maxmem-above-memory',
  severity: 'warning',
  description: 'An HVM or PVH guest with maxmem > memory starts pre-ballooned (populate-on-demand): if no balloon driver claims the difference in time, Xen crashes the guest.',
  docs: 'docs/rules/hvm-maxmem-above-memory.md',
  kinds: ['xl-domain'],
  check(file, ctx) {
    if (file.kind !== 'xl-domain') return
    const facts = domainFacts(file.xl)
    const {memory, maxmem, type} = facts
    if (type === 'pv' || memory?.value === undefined || maxmem?.value === undefined || maxmem.value <= memory.value) return
    const platformPci = atom(facts.settings.get('xen_platform_pci')?.value)
    const noPvDrivers = platformPci !== undefined && /^0+$/.test(platformPci.trim())
    const what = type === 'hvm' ? 'HVM' : 'PVH'
    ctx.report({
      span: maxmem.span,
      message:
        `${what} guest with maxmem (${maxmem.value} MiB) > memory (${memory.value} MiB) starts "pre-ballooned" in populate-on-demand mode (libxl_create.c: type != pv and target < max): ` +
        (noPvDrivers
          ? 'and xen_platform_pci = 0 hides the Xen platform device, so the guest cannot load PV drivers or a balloon driver – it will crash when it touches more than memory= ("out of PoD memory")'
          : 'the guest must run a Xen balloon driver (PV drivers) that returns the difference before it touches it, or Xen crashes it ("p2m_pod_demand_populate: out of PoD memory"); a pre-ballooned HVM guest without a balloon driver will crash (xl.cfg(5))'),
      hint: `set maxmem = memory (${memory.value}) unless the guest has PV drivers with a balloon driver`,
      related: [{path: file.source.path, span: memory.span, message: 'memory is set here'}],
    })
  },
}
