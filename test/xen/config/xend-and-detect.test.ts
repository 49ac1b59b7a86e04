import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {detectKind} from '../../../src/xen/config/detect.js'
import {parseXendConfig, xendSetting} from '../../../src/xen/config/xend-config.js'
import {corpusFile, corpusFiles} from './corpus-files.js'

describe('xend-config.sxp', () => {
  it('reads top-level (key value) forms with spans that point at the value', () => {
    const text = corpusFile('xend/acmlug-xend-config.sxp')
    const cfg = parseXendConfig(text)
    const min = xendSetting(cfg, 'dom0-min-mem')
    expect(min?.value).toBe('0')
    expect(text.slice(min?.valueSpan?.start.offset, min?.valueSpan?.end.offset)).toBe('0')
    expect(xendSetting(cfg, 'enable-dom0-ballooning')?.value).toBe('yes')
    expect(xendSetting(cfg, 'xend-relocation-hosts-allow')?.value).toBe('^192\\\\.0\\\\.100\\\\.[0-9]+$')
    expect(cfg.mentionsEnableDom0Ballooning).toBe(true)
  })

  it('knows a Xen 3.0-era file by the missing enable-dom0-ballooning', () => {
    expect(parseXendConfig(corpusFile('xend/xen-xend-config-2005-12.sxp')).mentionsEnableDom0Ballooning).toBe(false)
  })

  it('reads comments inside open lists, empty values and smart quotes in comments', () => {
    expect(parseXendConfig(corpusFile('xend/xen-xend-pci-quirks.sxp')).problems).toEqual([])
    expect(xendSetting(parseXendConfig(corpusFile('xend/nesousx-xend-config.sxp')), 'vncpasswd')).toMatchObject({value: ''})
  })

  it('uses the first form of a key, as xend does (sxp.child_value)', () => {
    expect(xendSetting(parseXendConfig('(dom0-min-mem 196)\n(dom0-min-mem 0)\n'), 'dom0-min-mem')?.value).toBe('196')
  })

  it('turns an unbalanced parenthesis into a located problem instead of throwing', () => {
    expect(parseXendConfig('(dom0-min-mem 0\n').problems).toMatchObject([{kind: 'syntax', span: {start: {line: 1, column: 1}}}])
  })

  it('survives any input', () => {
    fc.assert(fc.property(fc.string({maxLength: 200}), (t) => void parseXendConfig(t)), {numRuns: 1000})
  })
})

describe('file kind detection', () => {
  it('sorts the whole corpus: configs by kind, tool output and logs skipped', () => {
    const kinds = Object.fromEntries(corpusFiles().map(([p, t]) => [p, detectKind(p, t)]))
    for (const [p, k] of Object.entries(kinds)) {
      if (p.startsWith('tool-output/') || p.startsWith('logs/') || p === 'README.md' || p === 'MANIFEST.tsv') expect([p, k]).toEqual([p, null])
      if (p.startsWith('xl-domu/') && p !== 'xl-domu/xen-cpupool.cfg') expect([p, k]).toEqual([p, 'xl-domain'])
      if (p.startsWith('xl-conf/')) expect([p, k]).toEqual([p, 'xl-conf'])
    }
    expect(kinds['xl-domu/xen-cpupool.cfg']).toBe('xl-cpupool')
    expect(kinds['xend/acmlug-xend-config.sxp']).toBe('xend-config')
    expect(kinds['xend/xen-xend-pci-quirks.sxp']).toBeNull()
    expect(kinds['grub/fecastle-centos6-xen-grub.conf']).toBe('grub-legacy')
    expect(kinds['grub/drakvuf-grub.d-xen.cfg-2019']).toBe('grub-default')
    expect(kinds['grub/psec-safecor-grub.cfg-durabook-r8']).toBe('grub-cfg')
    expect(kinds['grub/xcpng-docs-pxelinux-default']).toBe('syslinux')
    expect(kinds['grub/trusslab-hikey-xen.efi.cfg']).toBe('efi-cfg')
  })

  it('decides by path where the path is conventional', () => {
    expect(detectKind('etc/xen/xl.conf', '')).toBe('xl-conf')
    expect(detectKind('etc/default/grub', '')).toBe('grub-default')
    expect(detectKind('etc/default/grub.d/xen.cfg', '[global]\ndefault=x\n')).toBe('grub-default')
    expect(detectKind('boot/grub/grub.cfg', '')).toBe('grub-cfg')
    expect(detectKind('boot/grub/menu.lst', '')).toBe('grub-legacy')
    expect(detectKind('boot/efi/EFI/xen/xen.cfg', '[global]\ndefault=xen\n[xen]\noptions=dom0_mem=1G\nkernel=vmlinuz\n')).toBe('efi-cfg')
    expect(detectKind('docs/README.md', 'memory = 1024\n')).toBeNull()
  })

  it('finds scripts that call mem-set, and ignores other scripts', () => {
    expect(detectKind('bin/shrink', '#!/bin/sh\nxl mem-set 0 1024\n')).toBe('script')
    expect(detectKind('bin/backup.sh', 'tar czf x.tgz /etc\n')).toBeNull()
    expect(detectKind('playbook.yml', '- command: xm mem-set 0 512\n')).toBe('script')
  })

  it('does not take an xl domain config named xen.cfg for an EFI config', () => {
    expect(detectKind('guests/xen.cfg', 'name = "a"\nkernel = "/boot/vmlinuz"\nmemory = 512\n')).toBe('xl-domain')
  })
})
