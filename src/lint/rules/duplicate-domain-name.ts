import {filesByHost} from '../boot.js'
import {atom, domainFacts} from '../domain.js'
import type {ParsedFile, Rule, RuleContext} from '../types.js'
import {domainFiles, type Occurrence, reportDuplicates, where} from './duplicates-common.js'

export const duplicateDomainName: Rule = {
  id: 'duplicate-domain-name',
  severity: 'error',
  description: 'Two domain configs in the linted set use the same name=: the second `xl create` fails while the first domain runs.',
  docs: 'docs/rules/duplicate-domain-name.md',
  kinds: [],
  checkAll(all, ctx) {
    for (const files of filesByHost(all)) checkNames(files, ctx)
  },
}

function checkNames(files: readonly ParsedFile[], ctx: RuleContext): void {
  const occ: Occurrence[] = []
  for (const f of domainFiles(files)) {
    const s = domainFacts(f.xl).settings.get('name')
    const v = atom(s?.value)
    if (s && v !== undefined && v !== '') occ.push({file: f, value: v, span: s.value.span})
  }
  reportDuplicates(occ, ctx, (o, first) => ({
    message: `domain name ${JSON.stringify(o.value)} is also used by ${where(o, first)}: xl refuses to create a second domain with a name that is running ("domain with name … already exists")`,
    hint: 'give every domain its own name',
  }))
}
