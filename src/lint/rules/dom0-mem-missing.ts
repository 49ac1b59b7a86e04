import {dom0MemRule} from './dom0-mem-common.js'

export const dom0MemMissing = dom0MemRule({
  id: 'dom0-mem-missing',
  severity: 'warning',
  description: 'A Xen boot entry (GRUB, SYSLINUX, EFI xen.cfg, /etc/default/grub) has no dom0_mem: dom0 starts with nearly all host memory and must balloon down for every guest.',
  docs: 'docs/rules/dom0-mem-missing.md',
  codes: ['absent'],
})
