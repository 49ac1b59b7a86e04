import {effectiveSettings} from '../../xen/config/xl-cfg.js'
import {dom0Knowledge, filesByHost} from '../boot.js'
import type {ParsedFile, Rule, RuleContext} from '../types.js'

export const autoballoonWithDom0Mem: Rule = {
  id: 'autoballoon-with-dom0-mem',
  severity: 'warning',
  description: 'xl.conf turns autoballooning on (or "auto" cannot see a malformed dom0_mem) while the boot config pins dom0 with dom0_mem: xl will still shrink dom0 to start guests.',
  docs: 'docs/rules/autoballoon-with-dom0-mem.md',
  kinds: [],
  checkAll(all, ctx) {
    for (const files of filesByHost(all)) check(files, ctx)
  },
}

function check(files: readonly ParsedFile[], ctx: RuleContext): void {
  const dom0 = dom0Knowledge(files, ctx.facts)
  if (!dom0?.present) return
  for (const file of files) {
    if (file.kind !== 'xl-conf') continue
    const s = effectiveSettings(file.xl).get('autoballoon')
    const value = s?.value.type === 'atom' ? s.value.value : undefined
    const span = s?.value.span ?? file.index.span(0, 0)
    if (value === 'on' || value === '1') {
      ctx.report({
        path: file.source.path,
        span,
        message: `autoballoon = ${s?.value.type === 'atom' ? s.value.raw : value} while dom0_mem is set (${dom0.source}): xl still balloons dom0 down whenever a new guest needs memory – the xl(1) man page: "if you pass dom0_mem, it is highly recommended to disable autoballoon"`,
        hint: 'set autoballoon="off"',
      })
    } else if ((value === undefined || value === 'auto') && !dom0.xlSeesIt) {
      ctx.report({
        path: file.source.path,
        span,
        message: `autoballoon is ${value === undefined ? 'unset ("auto")' : '"auto"'}, and xl's auto check (a regex over the Xen command line, tools/xl/xl.c) does not recognise the dom0_mem in ${dom0.source} because it is malformed: autoballooning is ON`,
        hint: 'fix dom0_mem, and set autoballoon="off" explicitly',
      })
    }
  }
}
