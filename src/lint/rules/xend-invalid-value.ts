import {xendSetting} from '../../xen/config/xend-config.js'
import type {Rule} from '../types.js'

const BOOLS = new Set(['yes', 'y', '1', 'on', 'true', 't', 'no', 'n', '0', 'off', 'false', 'f'])
const BOOL_KEYS = ['enable-dom0-ballooning', 'xend-http-server', 'xend-unix-server', 'xend-relocation-server', 'xend-tcp-xmlrpc-server', 'xend-unix-xmlrpc-server', 'enable-dump']
const INT_KEYS = ['dom0-min-mem', 'dom0-cpus', 'total_available_memory', 'xend-port', 'xend-relocation-port', 'console-limit']

export const xendInvalidValue: Rule = {
  id: 'xend-invalid-value',
  severity: 'error',
  description: 'A xend-config.sxp value xend cannot convert (a yes/no key that is not a boolean, a number key that is not an integer): xend raises "invalid xend config".',
  docs: 'docs/rules/xend-invalid-value.md',
  kinds: ['xend-config'],
  check(file, ctx) {
    if (file.kind !== 'xend-config') return
    for (const key of BOOL_KEYS) {
      const s = xendSetting(file.xend, key)
      if (!s || s.value === undefined) continue
      if (!BOOLS.has(s.value.toLowerCase())) {
        ctx.report({span: s.valueSpan ?? s.span, message: `(${key} ${s.value}) is not a boolean: xend raises "invalid xend config ${key}: expected bool" (XendOptions.get_config_bool)`, hint: 'use yes or no'})
      }
    }
    for (const key of INT_KEYS) {
      const s = xendSetting(file.xend, key)
      if (!s || s.value === undefined) continue
      if (!/^\s*[+-]?\d+\s*$/.test(s.value)) {
        ctx.report({span: s.valueSpan ?? s.span, message: `(${key} ${s.value === '' ? "''" : s.value}) is not an integer: xend raises "invalid xend config ${key}: expected int"${key === 'dom0-min-mem' ? ' (the value is MiB, without a unit)' : ''}`})
      }
    }
  },
}
