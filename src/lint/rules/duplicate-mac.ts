import {domainFacts, listItems, specPairs} from '../domain.js'
import type {Rule} from '../types.js'
import {domainFiles, type Occurrence, reportDuplicates, where} from './duplicates-common.js'

export const duplicateMac: Rule = {
  id: 'duplicate-mac',
  severity: 'error',
  description: 'The same vif MAC address in two interfaces (in one config or across configs): two guests on one bridge with one MAC break each other’s networking.',
  docs: 'docs/rules/duplicate-mac.md',
  kinds: [],
  checkAll(files, ctx) {
    const occ: Occurrence[] = []
    for (const f of domainFiles(files)) {
      for (const item of listItems(domainFacts(f.xl).settings.get('vif')?.value)) {
        const mac = specPairs(item.value).get('mac')?.toLowerCase()
        if (mac && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) occ.push({file: f, value: mac, span: item.span})
      }
    }
    reportDuplicates(occ, ctx, (o, first) => ({
      message: `MAC address ${o.value} is also used by ${where(o, first)}: two interfaces with one MAC on a network confuse bridges and switches, and traffic goes to the wrong guest`,
      hint: 'use a unique address in the Xen range 00:16:3e:xx:xx:xx, or leave mac= out so xl generates one',
    }))
  },
}
