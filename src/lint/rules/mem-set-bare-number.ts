import type {Rule} from '../types.js'

const CALL_RE = /\b(xl|xm)((?:[ \t]+-[a-zA-Z]+)*)[ \t]+(mem-set|mem-max)[ \t]+("[^"]*"|'[^']*'|\S+)[ \t]+("[^"]*"|'[^']*'|\S+)/g

export const memSetBareNumber: Rule = {
  id: 'mem-set-bare-number',
  severity: 'warning',
  description: 'A script calls xl/xm mem-set or mem-max with a bare number: the tools read it as MiB, but xl(1) has said KiB since Xen 4.13 – write the unit.',
  docs: 'docs/rules/mem-set-bare-number.md',
  kinds: ['script'],
  check(file, ctx) {
    for (let line = 1; line <= file.index.lineCount; line++) {
      const lineText = file.index.lineText(line)
      if (!lineText.includes('mem-')) continue
      const hash = lineText.search(/(^|\s)#/)
      for (const m of lineText.matchAll(CALL_RE)) {
        if (hash !== -1 && hash <= (m.index ?? 0)) continue
        const size = (m[5] as string).replace(/^["']|["']$/g, '')
        if (!/^\d+$/.test(size)) continue
        const tool = m[1] as string
        const start = (file.index.lineStarts[line - 1] as number) + (m.index ?? 0) + (m[0] as string).length - (m[5] as string).length
        ctx.report({
          span: file.index.span(start, start + (m[5] as string).length),
          message: `\`${tool} ${m[3]} … ${size}\` has no unit: ${tool} reads a bare number as MiB (${size} MiB${tool === 'xl' ? '; the xl(1) man page has wrongly said KiB since Xen 4.13' : ''}), so a reader cannot tell what was meant`,
          hint: tool === 'xl' ? `write ${size}m (or the size in g)` : `xm takes MiB; write the value as MiB and say so in a comment, or use memguard mem-set`,
        })
      }
    }
  },
}
