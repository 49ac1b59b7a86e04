import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'
import {applyDom0MemPlan, planDom0Mem} from '../../src/ops/dom0-mem.js'

/** The orchestrator against a --root tree (no toolstack: the size is given, the files decide). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-ops-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), {recursive: true})
    writeFileSync(join(root, path), text)
  }
  return root
}

const options = {size: {kib: 2048 * 1024, text: '2g', unit: 'GiB', bare: false, roundedFromKiB: null}, bootloader: 'auto', toolstack: 'auto'} as const

describe('applyDom0MemPlan', () => {
  it('does not touch a file that changed between the plan and the write', async () => {
    const root = tree({'/etc/default/grub': 'GRUB_CMDLINE_XEN=""\n', '/etc/xen/xl.conf': 'autoballoon=1\n'})
    const host = new LocalHost(root)
    const plan = await planDom0Mem(host, options)
    writeFileSync(join(root, 'etc/default/grub'), 'GRUB_CMDLINE_XEN="loglvl=all"\n')
    const result = await applyDom0MemPlan(host, plan)
    expect(result.failed).toBe(true)
    expect(result.files.map((f) => [f.path, f.action])).toEqual([
      ['/etc/default/grub', 'conflict'],
      ['/etc/xen/xl.conf', 'written'],
    ])
    expect(readFileSync(join(root, 'etc/default/grub'), 'utf8')).toBe('GRUB_CMDLINE_XEN="loglvl=all"\n')
    expect(readFileSync(join(root, 'etc/xen/xl.conf'), 'utf8')).toBe('autoballoon="off"\n')
  })

  it('reads the grub.d drop-ins and EFI configs it finds in their directories', async () => {
    const root = tree({
      '/etc/default/grub.d/60-local.cfg': 'GRUB_CMDLINE_XEN="dom0_mem=4G"\n',
      '/etc/default/grub.d/notes.txt': 'GRUB_CMDLINE_XEN="ignored"\n',
      '/boot/efi/EFI/fedora/xen-4.17.cfg': '[global]\ndefault=x\n[x]\noptions=console=vga\nkernel=vmlinuz\n',
    })
    const plan = await planDom0Mem(new LocalHost(root), options)
    expect(plan.config.files.map((f) => [f.path, f.changed])).toEqual([
      ['/etc/default/grub.d/60-local.cfg', true],
      ['/boot/efi/EFI/fedora/xen-4.17.cfg', true],
    ])
    expect(plan.config.bootloaders).toEqual(['grub2', 'efi'])
  })
})
