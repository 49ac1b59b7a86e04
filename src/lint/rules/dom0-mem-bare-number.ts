import {dom0MemRule} from './dom0-mem-common.js'

export const dom0MemBareNumber = dom0MemRule({
  id: 'dom0-mem-bare-number',
  severity: 'error',
  description: 'A dom0_mem size without a unit: on the Xen command line a bare number is KiB, so dom0_mem=1024 is 1 MiB.',
  docs: 'docs/rules/dom0-mem-bare-number.md',
  codes: ['bare-kib'],
})
