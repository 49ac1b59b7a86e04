import {dom0MemRule} from './dom0-mem-common.js'

export const dom0MemMultiple = dom0MemRule({
  id: 'dom0-mem-multiple',
  severity: 'warning',
  description: 'Several dom0_mem options where a later one overrides an earlier one.',
  docs: 'docs/rules/dom0-mem-multiple.md',
  codes: ['multiple-tokens'],
  keep: (p) => p.severity === 'warning',
})
