import {atom, domainFacts} from '../domain.js'
import type {Rule} from '../types.js'
import {domainFiles, type Occurrence, reportDuplicates, where} from './duplicates-common.js'

export const duplicateUuid: Rule = {
  id: 'duplicate-uuid',
  severity: 'error',
  description: 'Two domain configs with the same uuid=: domains are identified by UUID (xenstore, libvirt, migration); the second one to start collides.',
  docs: 'docs/rules/duplicate-uuid.md',
  kinds: [],
  checkAll(files, ctx) {
    const occ: Occurrence[] = []
    for (const f of domainFiles(files)) {
      const s = domainFacts(f.xl).settings.get('uuid')
      const v = atom(s?.value)?.trim().toLowerCase()
      if (s && v && /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/.test(v)) occ.push({file: f, value: v.replace(/-/g, ''), span: s.value.span})
    }
    reportDuplicates(occ, ctx, (o, first) => ({
      message: `uuid ${atom(domainFacts(o.file.xl).settings.get('uuid')?.value)} is also used by ${where(o, first)}`,
      hint: 'generate a fresh one with uuidgen, or remove uuid= to let xl generate one at each start',
    }))
  },
}
