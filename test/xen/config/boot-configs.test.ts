import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {efiXenEntries, parseEfiConfig, resolveEfiBoot} from '../../../src/xen/config/efi-cfg.js'
import {grubCfgXenEntries, parseGrubCfg} from '../../../src/xen/config/grub-cfg.js'
import {grubLegacyXenEntries, parseGrubLegacy} from '../../../src/xen/config/grub-legacy.js'
import {assignmentArgs, lastAssignments, parseShellAssignments} from '../../../src/xen/config/shell-assign.js'
import {parseSyslinux, syslinuxXenEntries} from '../../../src/xen/config/syslinux.js'
import {isXenImage} from '../../../src/xen/config/boot-entry.js'
import {corpusFile} from './corpus-files.js'

const words = (args: Array<{text: string}> | undefined) => args?.map((a) => a.text)

describe('GRUB legacy menu.lst / grub.conf', () => {
  it('finds the Xen entry of a CentOS 6 grub.conf with its Xen and dom0 options', () => {
    const text = corpusFile('grub/fecastle-centos6-xen-grub.conf')
    const entries = grubLegacyXenEntries(parseGrubLegacy(text))
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({title: 'Xen 4.2.0  CentOS (2.6.39)', hypervisor: {path: '/xen.gz'}})
    expect(words(entries[0]?.xenArgs)).toEqual(['dom0_mem=1024M,max:1024M', 'loglvl=all', 'guest_loglvl=all'])
    expect(words(entries[0]?.dom0Args)?.[0]).toBe('ro')
    const arg = entries[0]?.xenArgs[0]
    expect(text.slice(arg?.span.start.offset, arg?.span.end.offset)).toBe('dom0_mem=1024M,max:1024M')
  })

  it('reads the `command=args` form next to `command args`', () => {
    const cfg = parseGrubLegacy(corpusFile('grub/honeynet-hvsebek-menu.lst'))
    expect(cfg.globals.map((c) => [c.name, c.args])).toEqual([['default', '1'], ['timeout', '2']])
    expect(cfg.entries[0]?.title).toBe('MAVMM')
    expect(cfg.entries[0]?.commands.map((c) => c.name)).toEqual(['root', 'kernel', 'boot'])
    expect(grubLegacyXenEntries(cfg)).toEqual([])
  })

  it('reads the single-# settings of the Debian automagic section, not the ## comments', () => {
    const cfg = parseGrubLegacy(corpusFile('grub/avar-linode-pvgrub-menu.lst'))
    const keys = cfg.automagic.map((a) => a.key)
    expect(keys).toContain('xenhopt')
    expect(cfg.automagic.find((a) => a.key === 'xenkopt')?.value).toBe('console=tty0')
    expect(keys).not.toContain('e.g. kopt')
  })
})

describe('GRUB2 grub.cfg', () => {
  it('finds multiboot entries inside a submenu and drops the placeholder argv[0]', () => {
    const entries = grubCfgXenEntries(parseGrubCfg(corpusFile('grub/xen-pygrub-fedora-16-with-xen.grub.cfg')))
    expect(entries.map((e) => [e.title.slice(0, 9), e.recovery, e.xenArgs.length])).toEqual([
      ['Xen 4.1 >', false, 0],
      ['Xen 4.1 >', true, 0],
    ])
    expect(words(entries[0]?.dom0Args)?.[0]).toBe('root=/dev/mapper/VolGroup-lv_root')
  })

  it('joins a backslash-continued multiboot2 line', () => {
    const entries = grubCfgXenEntries(parseGrubCfg(corpusFile('grub/xcpng-docs-uefi-pxe-grub.cfg')))
    expect(words(entries[0]?.xenArgs)).toEqual(['dom0_mem=2048M,max:2048M', 'watchdog', 'dom0_max_vcpus=4', 'com1=115200,8n1', 'console=com1,vga'])
  })

  it('skips module2 options and keeps Xen options misplaced on the Linux line visible', () => {
    const entries = grubCfgXenEntries(parseGrubCfg(corpusFile('grub/psec-safecor-grub.cfg-durabook-r8')))
    expect(words(entries[0]?.xenArgs)).toEqual(['dom0_mem=128M,max:1024M'])
    expect(words(entries[0]?.dom0Args)).toContain('no-real-mode')
  })

  it('balances braces through functions and one-line `then if … fi; fi`', () => {
    const cfg = parseGrubCfg(corpusFile('grub/xen-pygrub-ubuntu-14.04.grub.cfg'))
    expect(cfg.problems).toEqual([])
    expect(grubCfgXenEntries(cfg)).toEqual([])
    expect(cfg.entries.filter((e) => e.kind === 'submenu')).toHaveLength(1)
  })
})

describe('SYSLINUX mboot.c32', () => {
  it('splits APPEND at --- into Xen, dom0 and initrd', () => {
    const entries = syslinuxXenEntries(parseSyslinux(corpusFile('grub/xcpng-docs-pxelinux-default')))
    expect(words(entries[0]?.xenArgs)).toEqual(['dom0_max_vcpus=2', 'dom0_mem=2048M,max:2048M', 'com1=115200,8n1', 'console=com1,vga'])
    expect(words(entries[0]?.dom0Args)).toEqual(['xencons=hvc', 'console=hvc0', 'console=tty0'])
  })

  it('reads upper-case keywords and ignores labels without mboot.c32', () => {
    expect(words(syslinuxXenEntries(parseSyslinux(corpusFile('grub/xcpng-docs-isolinux-install-entry')))[0]?.xenArgs)).toContain('dom0_mem=max:8192M')
    expect(syslinuxXenEntries(parseSyslinux(corpusFile('grub/xen-pygrub-alpine-2.3.2.extlinux.conf')))).toEqual([])
  })
})

describe('EFI xen.cfg (as xen.efi reads it)', () => {
  it('boots the [global] default= section', () => {
    const cfg = parseEfiConfig(corpusFile('grub/ruchi393-build-arm64-xen.efi.cfg'))
    const boot = resolveEfiBoot(cfg)
    expect(boot).toMatchObject({sectionName: 'buildroot', sectionFound: true, options: {value: 'console=dtuart noreboot dom0_mem=512M'}})
    expect(words(efiXenEntries(cfg)[0]?.xenArgs)).toContain('dom0_mem=512M')
  })

  it('takes the first keys anywhere when there are no sections at all', () => {
    const boot = resolveEfiBoot(parseEfiConfig(corpusFile('grub/trusslab-hikey-xen.efi.cfg')))
    expect(boot.sectionName).toBeNull()
    expect(boot.options?.value).toContain('dom0_mem=1600M')
  })

  it('cuts a value at # anywhere on the line (pre_parse())', () => {
    const cfg = parseEfiConfig(corpusFile('grub/seanstone-minivisor-xen.efi.cfg'))
    const kernel = resolveEfiBoot(cfg).kernel
    expect(kernel?.value).toBe('bzImage-buildroot root=/dev/sda6 rw ignore_loglevel ')
    expect(kernel?.comment?.text).toBe('#earlyprintk=xen')
  })

  it('never matches `options =` with a space before = and notices a missing final newline', () => {
    const cfg = parseEfiConfig('[global]\ndefault=x\n[x]\noptions = dom0_mem=1G\nkernel=vmlinuz')
    expect(resolveEfiBoot(cfg).options).toBeUndefined()
    expect(cfg.lastLineIgnored?.line).toBe(5)
  })

  it('reports a default= naming a section that does not exist', () => {
    expect(resolveEfiBoot(parseEfiConfig('[global]\ndefault=linux \n[linux]\nkernel=k\n'))).toMatchObject({sectionName: 'linux ', sectionFound: false})
  })
})

describe('shell assignments (/etc/default/grub, grub.d/*.cfg)', () => {
  it('reads quoted values with spans inside the quotes', () => {
    const text = corpusFile('grub/nesousx-etc-default-grub')
    const cfg = parseShellAssignments(text)
    const xen = lastAssignments(cfg).get('GRUB_CMDLINE_XEN')
    expect(xen?.value).toBe('iommu=1 dom0_mem=12288M')
    expect(xen?.content?.quote).toBe('"')
    const args = assignmentArgs(xen!, cfg.index)
    expect(text.slice(args[1]?.span.start.offset, args[1]?.span.end.offset)).toBe('dom0_mem=12288M')
    expect(lastAssignments(cfg).get('GRUB_DISTRIBUTOR')?.hasExpansion).toBe(true)
  })

  it('follows $( \\ … ) across lines with nested quotes, marks assignments inside if as conditional', () => {
    const cfg = parseShellAssignments(corpusFile('grub/drakvuf-grub.d-xen.cfg-2019'))
    expect(cfg.problems).toEqual([])
    const byName = lastAssignments(cfg)
    expect(byName.get('GRUB_CMDLINE_XEN_DEFAULT')).toMatchObject({conditional: false, hasExpansion: false})
    expect(byName.get('XEN_OVERRIDE_GRUB_DEFAULT')?.conditional).toBe(true)
    expect(byName.get('GRUB_DEFAULT')).toMatchObject({conditional: true, hasExpansion: true})
    expect(cfg.commented.map((c) => c.name)).toContain('GRUB_CMDLINE_XEN')
  })

  it('keeps ${VAR} in values and says they depend on the shell', () => {
    const a = lastAssignments(parseShellAssignments(corpusFile('grub/drakvuf-grub.d-xen.cfg-2021'))).get('GRUB_CMDLINE_XEN_DEFAULT')
    expect(a?.value.startsWith('dom0_mem=${DRAK_DOM0_RAM}M,max:${DRAK_DOM0_RAM}M')).toBe(true)
    expect(a?.hasExpansion).toBe(true)
  })

  it('reports an unterminated quote', () => {
    expect(parseShellAssignments('GRUB_CMDLINE_XEN="dom0_mem=1G\n').problems[0]?.kind).toBe('syntax')
  })
})

describe('the hypervisor image name', () => {
  it('recognises Xen images and nothing else', () => {
    for (const p of ['/xen.gz', '/boot/xen-4.2.0.gz', '/xen-4.17-amd64.gz', '(hd0,0)/xen.gz', 'xcp-ng/xen.gz', '/EFI/xcp-ng/xen.gz']) expect(isXenImage(p)).toBe(true)
    for (const p of ['/vmlinuz-xen', '/boot/mavmm', 'mboot.c32', '/xen.cfg', '/boot/xenial.img']) expect(isXenImage(p)).toBe(false)
  })
})

describe('every boot-config parser survives any input', () => {
  const text = fc.array(fc.constantFrom(...'ab=[]{}#;\'"\\$()` \t\nmultiboot2 xen.gz dom0_mem=1G --- LABEL kernel mboot.c32 append title\n[global]default='.split('')), {maxLength: 300}).map((a) => a.join(''))
  it('never throws and keeps spans inside the text', () => {
    fc.assert(
      fc.property(text, (t) => {
        const all = [
          ...grubLegacyXenEntries(parseGrubLegacy(t)),
          ...grubCfgXenEntries(parseGrubCfg(t)),
          ...syslinuxXenEntries(parseSyslinux(t)),
          ...efiXenEntries(parseEfiConfig(t)),
        ]
        for (const e of all) for (const a of e.xenArgs) expect(a.span.end.offset).toBeLessThanOrEqual(t.length)
        const shell = parseShellAssignments(t)
        for (const a of shell.assignments) expect(a.valueSpan.end.offset).toBeLessThanOrEqual(t.length)
      }),
      {numRuns: 1500},
    )
  })
})
