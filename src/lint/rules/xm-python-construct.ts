import type {Rule} from '../types.js'

export const xmPythonConstruct: Rule = {
  id: 'xm-python-construct',
  severity: 'warning',
  description: 'Python in a domain config (import, def, if, `%` formatting, `+`, calls, triple quotes): xm ran these files as Python; xl rejects them.',
  docs: 'docs/rules/xm-python-construct.md',
  kinds: ['xl-domain', 'xl-cpupool', 'xl-conf'],
  check(file, ctx) {
    for (const p of file.problems) {
      if (p.kind === 'python') ctx.report({message: p.message, span: p.span, hint: p.hint ?? 'see https://wiki.xen.org/wiki/PythonInXlConfig'})
    }
  },
}
