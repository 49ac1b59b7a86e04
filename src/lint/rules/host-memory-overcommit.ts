import {formatKiB} from '../../lib/size.js'
import {dom0Knowledge, filesByHost} from '../boot.js'
import {domainFacts} from '../domain.js'
import type {ParsedFile, ParsedOf, Rule, RuleContext} from '../types.js'

export const hostMemoryOvercommit: Rule = {
  id: 'host-memory-overcommit',
  severity: 'warning',
  description: 'The domU configs in the linted set need more memory (sum of memory=) than the host has beside dom0 (--host-memory or a snapshot, minus dom0_mem): they cannot all run, or autoballooning squeezes dom0.',
  docs: 'docs/rules/host-memory-overcommit.md',
  kinds: [],
  checkAll(all, ctx) {
    for (const files of filesByHost(all)) check(files, ctx)
  },
}

function check(files: readonly ParsedFile[], ctx: RuleContext): void {
  const host = ctx.facts.hostMemoryKiB
  if (host === undefined) return
  const domains = files
    .filter((f): f is ParsedOf<'xl-domain'> => f.kind === 'xl-domain')
    .sort((a, b) => a.source.path.localeCompare(b.source.path))
    .map((f) => ({file: f, memory: domainFacts(f.xl).memory}))
    .filter((d) => d.memory?.value !== undefined && (d.memory.value as number) > 0)
  if (domains.length === 0) return
  const dom0 = dom0Knowledge(files, ctx.facts)
  const dom0KiB = dom0?.present ? dom0.kib : undefined
  const available = host - (dom0KiB ?? 0)
  let total = 0
  let crossing: (typeof domains)[number] | undefined
  for (const d of domains) {
    total += (d.memory?.value as number) * 1024
    if (!crossing && total > available) crossing = d
  }
  if (!crossing?.memory) return
  const dom0Text = dom0KiB !== undefined ? `minus dom0's ${formatKiB(dom0KiB)} (dom0_mem in ${dom0?.source})` : 'and dom0 has no known dom0_mem (counted as 0 – with autoballooning, dom0 is what gets squeezed)'
  ctx.report({
    path: crossing.file.source.path,
    span: crossing.memory.span,
    message: `the ${domains.length} domain configs ask for ${formatKiB(total)} in total (sum of memory=), but the host has ${formatKiB(host)} (${ctx.facts.hostMemorySource ?? 'host memory'}) ${dom0Text}, leaving ${formatKiB(Math.max(0, available))}: this domain is where the sum goes over. Not counted: Xen's own overhead, page tables and shadow memory per guest`,
    hint: 'if all of these run at once, lower memory= or move guests; `xl create` fails when memory runs out, or – with autoballoon on – takes it from dom0',
  })
}
