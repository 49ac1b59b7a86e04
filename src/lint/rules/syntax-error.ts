import {CONFIG_KINDS} from '../../xen/config/detect.js'
import type {Rule} from '../types.js'

const CONSEQUENCE: Partial<Record<string, string>> = {
  'xl-domain': 'xl refuses the whole file ("Failed to parse config")',
  'xl-cpupool': 'xl refuses the whole file',
  'xl-conf': 'xl refuses to run ANY command while xl.conf does not parse ("Failed to parse config file", tools/xl/xl.c)',
  'xend-config': 'xend cannot read its configuration',
}

export const syntaxError: Rule = {
  id: 'syntax-error',
  severity: 'error',
  description: 'The file does not parse the way its tool reads it (xl/libxlu, xend, GRUB, xen.efi, /bin/sh).',
  docs: 'docs/rules/syntax-error.md',
  kinds: CONFIG_KINDS,
  check(file, ctx) {
    const consequence = CONSEQUENCE[file.kind]
    for (const p of file.problems) {
      if (p.kind !== 'syntax') continue
      ctx.report({message: consequence ? `${p.message}; ${consequence}` : p.message, span: p.span, hint: p.hint})
    }
  },
}
