import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {decideXendSemantics, planDom0MemConfig, type Dom0MemConfigInput} from '../../src/xen/dom0-mem-config.js'
import {corpusFile} from './config/corpus-files.js'
import {FIXTURES} from './fixture-files.js'

const MiB = 1024
const host = (path: string) => readFileSync(join(FIXTURES, 'dom0-mem', 'hosts', path), 'utf8')
const xenlabXenCfg = readFileSync(join(FIXTURES, '..', '..', 'examples/hosts/xenlab/files/etc/default/grub.d/xen.cfg'), 'utf8')

function plan(files: Record<string, string>, rest: Partial<Dom0MemConfigInput> = {}) {
  return planDom0MemConfig({kib: 1024 * MiB, files: new Map(Object.entries(files)), facts: {toolstack: null}, ...rest})
}

describe('planDom0MemConfig', () => {
  it('plans a RHEL5 host: every path of grub.conf once, xend the 3.1 way, a xend restart and no grub regeneration', () => {
    const grub = host('rhel5/boot/grub/grub.conf')
    const p = plan(
      {'/boot/grub/grub.conf': grub, '/boot/grub/menu.lst': grub, '/etc/grub.conf': grub, '/etc/xen/xend-config.sxp': host('rhel5/etc/xen/xend-config.sxp'), '/etc/redhat-release': 'CentOS release 5.11 (Final)\n'},
      {facts: {toolstack: 'xm', xenVersion: {major: 3, minor: 1, text: '3.1.2-419.el5'}, runningCmdline: {text: '/xen.gz-2.6.18-419.el5', source: 'xm dmesg'}}},
    )
    expect(p.bootloaders).toEqual(['grub-legacy'])
    expect(p.toolstacks).toEqual(['xm'])
    expect(p.xendSemantics).toBe('min-mem-zero')
    expect(p.files.map((f) => [f.path, f.changed, f.sameAs ?? null])).toEqual([
      ['/boot/grub/grub.conf', true, null],
      ['/boot/grub/menu.lst', true, '/boot/grub/grub.conf'],
      ['/etc/grub.conf', true, '/boot/grub/grub.conf'],
      ['/etc/xen/xend-config.sxp', true, null],
    ])
    expect(p.commands.map((c) => c.command)).toEqual(['service xend restart'])
    expect(p.notes.join('\n')).toMatch(/nothing to regenerate/)
    expect(p.notes.join('\n')).toMatch(/takes effect when the host reboots.*booted with no dom0_mem, xm dmesg.*service xend restart/)
    expect(p.problems).toEqual([])
  })

  it('plans the Debian lab host: dom0_mem into grub.d/xen.cfg, autoballoon off, update-grub', () => {
    const p = plan(
      {'/etc/default/grub.d/xen.cfg': xenlabXenCfg, '/etc/xen/xl.conf': corpusFile('xl-conf/xen-xl.conf-2020'), '/etc/debian_version': '12.11\n'},
      {facts: {toolstack: 'xl', xenVersion: {major: 4, minor: 17}, runningCmdline: {text: 'console=com1 dom0_mem=1536M,max:1536M', source: 'xl info'}}},
    )
    expect(p.bootloaders).toEqual(['grub2'])
    expect(p.files.map((f) => f.path)).toEqual(['/etc/default/grub.d/xen.cfg', '/etc/xen/xl.conf'])
    expect(p.commands).toEqual([{command: 'update-grub', why: expect.stringMatching(/Debian/)}])
    // The running Xen has a dom0_mem that none of these files sets: say so, or it would be doubled.
    expect(p.notes.join('\n')).toMatch(/booted with dom0_mem=1536M,max:1536M \(xl info\), but none of the files read sets dom0_mem/)
  })

  it('regenerates grub.cfg the RHEL 7 way, and also when only grub.cfg is stale', () => {
    const grub = 'GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"\n'
    const stale = 'menuentry "Xen" {\n\tmultiboot /xen.gz placeholder dom0_mem=512M\n\tmodule /vmlinuz\n}\n'
    const p = plan({'/etc/default/grub': grub, '/boot/grub2/grub.cfg': stale, '/etc/redhat-release': 'CentOS Linux release 7.9.2009 (Core)\n'})
    expect(p.files[0]?.changed).toBe(false)
    expect(p.commands.map((c) => c.command)).toEqual(['grub2-mkconfig -o "$(readlink -f /etc/grub2.cfg)"'])
    expect(p.notes.join('\n')).toMatch(/grub2\/grub.cfg \(generated\) boots "Xen" without dom0_mem=1024M,max:1024M yet/)
    const fresh = plan({'/etc/default/grub': grub, '/boot/grub2/grub.cfg': stale.replace('dom0_mem=512M', 'dom0_mem=1024M,max:1024M')})
    expect(fresh.commands).toEqual([])
  })

  it('on XenServer/XCP-ng gives the xen-cmdline command and edits no file', () => {
    const p = plan({'/etc/xensource-inventory': "PRODUCT_BRAND='XCP-ng'\n", '/boot/grub/grub.cfg': 'menuentry "XCP-ng" {\n multiboot2 /boot/xen.gz dom0_mem=2048M,max:2048M\n}\n', '/etc/xen/xl.conf': '#autoballoon="auto"\n'})
    expect(p.bootloaders).toEqual(['xcp'])
    expect(p.files).toEqual([])
    expect(p.commands).toEqual([{command: '/opt/xensource/libexec/xen-cmdline --set-xen dom0_mem=1024M,max:1024M', why: expect.stringMatching(/XenServer\/XCP-ng/)}])
  })

  it('sets every bootloader found, and only the one asked for with --bootloader', () => {
    const files = {'/boot/grub/menu.lst': 'title Xen\nkernel /xen.gz\nmodule /vmlinuz\n', '/etc/default/grub': 'GRUB_TIMEOUT=5\n', '/boot/efi/EFI/xen/xen.cfg': '[global]\ndefault=x\n[x]\noptions=console=vga\nkernel=vmlinuz\n'}
    expect(plan(files).bootloaders).toEqual(['grub-legacy', 'grub2', 'efi'])
    expect(plan(files, {bootloader: 'efi'}).files.map((f) => f.path)).toEqual(['/boot/efi/EFI/xen/xen.cfg'])
  })

  it('says what is missing instead of guessing', () => {
    expect(plan({}).problems[0]).toMatch(/no bootloader configuration with a Xen entry found/)
    expect(plan({}, {bootloader: 'grub2'}).problems[0]).toMatch(/neither \/etc\/default\/grub nor \/etc\/default\/grub.d\/xen.cfg exists/)
    expect(plan({'/etc/default/grub': ''}, {facts: {toolstack: 'xm'}}).problems[0]).toMatch(/toolstack is xm .* does not exist/)
  })

  it('creates xl.conf on an xl host that has none, and leaves xend-config.sxp of Xen 4.5+ alone', () => {
    const p = plan({'/etc/default/grub': '', '/etc/xen/xend-config.sxp': '(dom0-min-mem 196)\n'}, {facts: {toolstack: 'xl', xenVersion: {major: 4, minor: 17}}})
    expect(p.files.find((f) => f.path === '/etc/xen/xl.conf')).toMatchObject({before: null, after: 'autoballoon="off"\n', changed: true})
    expect(p.toolstacks).toEqual(['xl'])
    expect(p.notes.join('\n')).toMatch(/xend was removed in Xen 4.5/)
  })

  it('writes the Arm form when the host is Arm, or when the EFI boot section has a device tree', () => {
    const efi = corpusFile('grub/ruchi393-build-arm64-xen.efi.cfg')
    const p = plan({'/boot/efi/EFI/xen/xen.cfg': efi})
    expect(p.arch).toBe('arm')
    expect(p.rendered).toBe('dom0_mem=1024M')
    expect(plan({'/etc/default/grub': ''}, {facts: {toolstack: 'xl', arch: 'arm'}}).rendered).toBe('dom0_mem=1024M')
  })

  it('finds EFI configs and grub.d drop-ins it was told about', () => {
    const p = plan(
      {'/boot/efi/EFI/fedora/xen-4.17.cfg': '[global]\ndefault=x\n[x]\noptions=\nkernel=vmlinuz\n', '/etc/default/grub.d/50-xen-local.cfg': 'GRUB_CMDLINE_XEN="dom0_mem=4G"\n'},
      {efiConfigs: ['/boot/efi/EFI/fedora/xen-4.17.cfg'], grubDropIns: ['/etc/default/grub.d/50-xen-local.cfg']},
    )
    expect(p.files.map((f) => [f.path, f.after.split('\n').find((l) => /dom0_mem/.test(l))])).toEqual([
      ['/etc/default/grub.d/50-xen-local.cfg', 'GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"'],
      ['/boot/efi/EFI/fedora/xen-4.17.cfg', 'options=dom0_mem=1024M,max:1024M'],
    ])
  })
})

describe('decideXendSemantics', () => {
  it('goes by the Xen version: dom0-min-mem 0 before 3.3, enable-dom0-ballooning from 3.3', () => {
    expect(decideXendSemantics('', {xenVersion: {major: 3, minor: 1}}).semantics).toBe('min-mem-zero')
    expect(decideXendSemantics('', {xenVersion: {major: 3, minor: 3}}).semantics).toBe('enable-no')
    expect(decideXendSemantics('', {xenVersion: {major: 4, minor: 1}}).semantics).toBe('enable-no')
  })

  it('without a version, goes by xend_config_format below 4, then by what the file knows', () => {
    expect(decideXendSemantics(corpusFile('xend/xen-xend-config-2008-04.sxp'), {xendConfigFormat: 2}).semantics).toBe('min-mem-zero')
    expect(decideXendSemantics(corpusFile('xend/xen-xend-config-2008-04.sxp'), {}).semantics).toBe('enable-no')
    expect(decideXendSemantics(corpusFile('xend/xen-xend-config-2005-12.sxp'), {}).semantics).toBe('min-mem-zero')
  })
})
