import {dom0MemRule} from './dom0-mem-common.js'

export const dom0MemTooSmall = dom0MemRule({
  id: 'dom0-mem-too-small',
  severity: 'error',
  description: 'dom0_mem gives dom0 less than 128 MiB, the least libxl accepts for dom0.',
  docs: 'docs/rules/dom0-mem-too-small.md',
  codes: ['too-small'],
})
