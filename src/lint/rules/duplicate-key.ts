import {effectiveSettings} from '../../xen/config/xl-cfg.js'
import type {Rule} from '../types.js'

export const duplicateKey: Rule = {
  id: 'duplicate-key',
  severity: 'warning',
  description: 'A key assigned twice with `=`: xl uses the last one and ignores the others.',
  docs: 'docs/rules/duplicate-key.md',
  kinds: ['xl-domain', 'xl-cpupool', 'xl-conf'],
  check(file, ctx) {
    if (file.kind !== 'xl-domain' && file.kind !== 'xl-cpupool' && file.kind !== 'xl-conf') return
    for (const eff of effectiveSettings(file.xl).values()) {
      const plain = eff.all.filter((s) => s.op === '=')
      if (plain.length < 2) continue
      const winner = plain.at(-1)
      for (const s of plain.slice(0, -1)) {
        if (!winner) continue
        ctx.report({
          span: s.keySpan,
          message: `\`${s.key}\` is set again on line ${winner.span.start.line}: xl uses the last assignment, so this one is ignored`,
          hint: `keep one \`${s.key}\` (use \`${s.key} += …\` to append to a string or list)`,
          related: [{path: file.source.path, span: winner.keySpan, message: 'the assignment xl uses'}],
        })
      }
    }
  },
}
