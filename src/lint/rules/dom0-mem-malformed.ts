import {dom0MemRule} from './dom0-mem-common.js'

export const dom0MemMalformed = dom0MemRule({
  id: 'dom0-mem-malformed',
  severity: 'error',
  description: 'A dom0_mem value Xen rejects or misreads (`:max=`, options joined with commas, `%` before 4.12, `T` before 4.5, octal, a misspelt key, min: above max:).',
  docs: 'docs/rules/dom0-mem-malformed.md',
  codes: ['malformed', 'wrong-key', 'percent-unsupported', 'tera-unsupported', 'radix', 'min-above-max'],
})
