import {xendSetting} from '../../xen/config/xend-config.js'
import {xenVersionAtLeast, toXenVersion} from '../../xen/version.js'
import {dom0Knowledge, filesByHost} from '../boot.js'
import type {Span} from '../../xen/config/text.js'
import type {ParsedFile, Rule, RuleContext} from '../types.js'

const TRUE = new Set(['yes', 'y', '1', 'on', 'true', 't'])
const FALSE = new Set(['no', 'n', '0', 'off', 'false', 'f'])

export const xendDom0Ballooning: Rule = {
  id: 'xend-dom0-ballooning',
  severity: 'warning',
  description: 'xend-config.sxp lets xend balloon dom0 down to start guests (version-aware: dom0-min-mem 0 up to xend 3.2, enable-dom0-ballooning from 3.3); dom0-min-mem 0 with ballooning on means no floor at all.',
  docs: 'docs/rules/xend-dom0-ballooning.md',
  kinds: [],
  checkAll(all, ctx) {
    for (const files of filesByHost(all)) check(files, ctx)
  },
}

function check(files: readonly ParsedFile[], ctx: RuleContext): void {
  const dom0 = dom0Knowledge(files, ctx.facts)
  const withDom0Mem = dom0?.present ? ` although dom0_mem pins dom0 (${dom0.source})` : ''
  for (const file of files) {
    if (file.kind !== 'xend-config') continue
    const xend = file.xend
    const minMem = xendSetting(xend, 'dom0-min-mem')
    const enable = xendSetting(xend, 'enable-dom0-ballooning')
    // XendOptions.dom0_min_mem_default is 0 (Xen 3.0 XendRoot.py and 4.1 XendOptions.py alike).
    const minValue = minMem?.value !== undefined && /^\d+$/.test(minMem.value.trim()) ? Number(minMem.value) : minMem ? undefined : 0
    const version = toXenVersion(ctx.facts.xenVersion)
    const modern = version ? xenVersionAtLeast(version, 3, 3) : xend.mentionsEnableDom0Ballooning || enable !== undefined
    const report = (span: Span, message: string, hint: string) =>
      ctx.report({path: file.source.path, span, message, hint})
    if (modern) {
      // XendOptions.get_enable_dom0_ballooning(): default 'yes', or 'no' when dom0-min-mem is 0.
      const raw = enable?.value?.trim().toLowerCase()
      if (raw !== undefined && !TRUE.has(raw) && !FALSE.has(raw)) continue // xend-invalid-value
      const ballooning = raw !== undefined ? TRUE.has(raw) : minValue !== 0
      if (!ballooning) continue
      const span = enable?.valueSpan ?? enable?.span ?? minMem?.valueSpan ?? file.index.span(0, 0)
      if (minValue === 0) {
        report(
          span,
          `enable-dom0-ballooning is yes and dom0-min-mem is 0: since xend 3.3, 0 no longer means "never balloon" – it means no floor, so xend may balloon dom0 down as far as any new guest needs${withDom0Mem}`,
          'set (enable-dom0-ballooning no) and (dom0-min-mem N) with N = your dom0_mem in MiB',
        )
      } else {
        report(
          span,
          `${enable ? 'enable-dom0-ballooning is yes' : 'enable-dom0-ballooning is not set (xend defaults it to yes)'}: xend balloons dom0 down to dom0-min-mem (${minValue ?? '?'} MiB) whenever a new guest needs memory${withDom0Mem}`,
          'set (enable-dom0-ballooning no) and give dom0 a fixed dom0_mem=X,max:X',
        )
      }
    } else {
      // Up to xend 3.2 (tools/examples/xend-config.sxp @3.1): only dom0-min-mem 0 disables ballooning.
      if (minValue === 0) continue
      report(
        minMem?.valueSpan ?? file.index.span(0, 0),
        `dom0-min-mem is ${minValue ?? 'not a number'}: on xend 3.1/3.2 (this file has no enable-dom0-ballooning) only "dom0-min-mem 0" stops xend from ballooning dom0 down${withDom0Mem}`,
        'set (dom0-min-mem 0) on xend ≤ 3.2; on xend ≥ 3.3 use (enable-dom0-ballooning no)',
      )
    }
  }
}
