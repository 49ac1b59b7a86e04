import {dom0MemRule} from './dom0-mem-common.js'

export const dom0MemNoMax = dom0MemRule({
  id: 'dom0-mem-no-max',
  severity: 'warning',
  description: 'dom0_mem without max: leaves dom0 free to balloon up again without limit.',
  docs: 'docs/rules/dom0-mem-no-max.md',
  codes: ['no-max'],
})
