import {describe, expect, it} from 'vitest'
import {ALL_RULES} from '../../src/lint/registry.js'
import type {LintOptions} from '../../src/lint/runner.js'
import {ruleFindings, where} from './lint-helpers.js'

interface Case {
  name: string
  files: Record<string, string>
  options?: LintOptions
  /** `path:line:col` of each expected finding (fires), or [] (must not fire). */
  expect: string[]
  /** Text every message must contain. */
  message?: string
}

const GB = 1024 * 1024
const domu = (body: string) => `name = "web"\n${body}`
const grubCfg = (xenArgs: string) => `menuentry 'Xen' {\n\tmultiboot2 /boot/xen.gz placeholder ${xenArgs}\n\tmodule2 /boot/vmlinuz root=/dev/sda1\n}\n`
const xenDefault = (lines: string) => `GRUB_DEFAULT=0\n${lines}\n`

/** Every rule: cases that must fire (with where) and cases that must not. */
const CASES: Record<string, Case[]> = {
  'syntax-error': [
    {name: 'a unit on memory', files: {'etc/xen/a.cfg': domu('memory = 1024M\n')}, expect: ['etc/xen/a.cfg:2:10'], message: 'xl refuses the whole file'},
    {name: 'a syntax error in xl.conf, which stops every xl command', files: {'etc/xen/xl.conf': 'autoballoon = off\n'}, expect: ['etc/xen/xl.conf:1:15'], message: 'ANY command'},
    {name: 'a valid file', files: {'etc/xen/a.cfg': domu('memory = 1024\n')}, expect: []},
  ],
  'xm-python-construct': [
    {name: 'an import and % formatting', files: {'etc/xen/a.cfg': 'import os\nname = "vm%d" % vmid\nmemory = 64\n'}, expect: ['etc/xen/a.cfg:1:1', 'etc/xen/a.cfg:2:8'], message: 'xm-only, not valid for xl'},
    {name: 'an xl file with a python mode line', files: {'etc/xen/a.cfg': '#  -*- mode: python; -*-\nname = "a"\nmemory = 64\n'}, expect: []},
  ],
  'dom0-mem-missing': [
    {name: 'a GRUB2 Xen entry without dom0_mem', files: {'boot/grub/grub.cfg': grubCfg('console=vga')}, expect: ['boot/grub/grub.cfg:2:2']},
    {name: '/etc/default/grub with Xen variables but no dom0_mem', files: {'etc/default/grub': xenDefault('GRUB_CMDLINE_XEN="iommu=1"')}, expect: ['etc/default/grub:2:1']},
    {name: 'dom0_mem set in grub.d/xen.cfg, with /etc/default/grub read first', files: {'etc/default/grub': xenDefault('GRUB_CMDLINE_XEN=""'), 'etc/default/grub.d/xen.cfg': 'GRUB_CMDLINE_XEN="dom0_mem=2G,max:2G"\n'}, expect: []},
    {name: 'a plain Linux /etc/default/grub', files: {'etc/default/grub': xenDefault('GRUB_CMDLINE_LINUX="quiet"')}, expect: []},
    {name: 'an entry with dom0_mem', files: {'boot/grub/grub.cfg': grubCfg('dom0_mem=2G,max:2G')}, expect: []},
  ],
  'dom0-mem-no-max': [
    {name: 'dom0_mem=12288M', files: {'etc/default/grub': xenDefault('GRUB_CMDLINE_XEN="iommu=1 dom0_mem=12288M"')}, expect: ['etc/default/grub:2:27'], message: 'max:'},
    {name: 'dom0_mem=X,max:X', files: {'etc/default/grub': xenDefault('GRUB_CMDLINE_XEN="dom0_mem=2G,max:2G"')}, expect: []},
  ],
  'dom0-mem-malformed': [
    {name: "Debian's wrong :max= form", files: {'boot/grub/menu.lst': 'title Xen\n kernel /xen.gz dom0_mem=7680M:max=7680M\n module /vmlinuz\n'}, expect: ['boot/grub/menu.lst:2:31'], message: 'malformed'},
    {name: 'the right form', files: {'boot/grub/menu.lst': 'title Xen\n kernel /xen.gz dom0_mem=7680M,max:7680M\n module /vmlinuz\n'}, expect: []},
  ],
  'dom0-mem-bare-number': [
    {name: 'a size without unit (KiB!)', files: {'boot/grub/grub.cfg': grubCfg('dom0_mem=1024,max:1024')}, expect: ['boot/grub/grub.cfg:2:47', 'boot/grub/grub.cfg:2:52'], message: 'KiB'},
    {name: 'a size with unit', files: {'boot/grub/grub.cfg': grubCfg('dom0_mem=1024M,max:1024M')}, expect: []},
  ],
  'dom0-mem-too-small': [
    {name: '64 MiB', files: {'boot/grub/grub.cfg': grubCfg('dom0_mem=64M,max:64M')}, expect: ['boot/grub/grub.cfg:2:38']},
    {name: '1 GiB', files: {'boot/grub/grub.cfg': grubCfg('dom0_mem=1G,max:1G')}, expect: []},
  ],
  'dom0-mem-multiple': [
    {name: 'a later dom0_mem overriding an earlier one', files: {'boot/grub/grub.cfg': grubCfg('dom0_mem=1G dom0_mem=2G,max:2G')}, expect: ['boot/grub/grub.cfg:2:50']},
    {name: "Qubes' min: and max: in two options", files: {'boot/grub/grub.cfg': grubCfg('dom0_mem=min:1024M dom0_mem=max:4096M')}, expect: []},
  ],
  'dom0-mem-default-only': [
    {name: 'dom0_mem only in _DEFAULT', files: {'etc/default/grub': xenDefault('GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=2G,max:2G"')}, expect: ['etc/default/grub:2:27'], message: 'recovery'},
    {name: 'dom0_mem in GRUB_CMDLINE_XEN', files: {'etc/default/grub': xenDefault('GRUB_CMDLINE_XEN="dom0_mem=2G,max:2G"\nGRUB_CMDLINE_XEN_DEFAULT="quiet"')}, expect: []},
    {name: 'no recovery entries at all', files: {'etc/default/grub': xenDefault('GRUB_DISABLE_RECOVERY=true\nGRUB_CMDLINE_XEN_DEFAULT="dom0_mem=2G,max:2G"')}, expect: []},
  ],
  'efi-default-section-missing': [
    {name: 'default= names no section', files: {'boot/efi/xen.cfg': '[global]\ndefault=linux\n\n[xen]\noptions=dom0_mem=1G,max:1G\nkernel=vmlinuz\n'}, expect: ['boot/efi/xen.cfg:2:9'], message: 'No Dom0 kernel image specified'},
    {name: 'default= names a section', files: {'boot/efi/xen.cfg': '[global]\ndefault=xen\n\n[xen]\noptions=dom0_mem=1G,max:1G\nkernel=vmlinuz\n'}, expect: []},
  ],
  'efi-cfg-ignored': [
    {name: 'a space before =, and # mid-line', files: {'boot/efi/xen.cfg': '[global]\ndefault=xen\n[xen]\noptions =dom0_mem=1G,max:1G\nkernel=vmlinuz root=/dev/sda1 #quiet\n'}, expect: ['boot/efi/xen.cfg:4:1', 'boot/efi/xen.cfg:5:31']},
    {name: 'a clean file', files: {'boot/efi/xen.cfg': '[global]\ndefault=xen\n[xen]\noptions=dom0_mem=1G,max:1G\n# comment\nkernel=vmlinuz root=/dev/sda1\n'}, expect: []},
  ],
  'autoballoon-invalid': [
    {name: 'autoballoon="yes"', files: {'etc/xen/xl.conf': 'autoballoon="yes"\n'}, expect: ['etc/xen/xl.conf:1:13'], message: 'invalid autoballoon option'},
    {name: 'the misspelt autoballon of the first upstream xl.conf', files: {'etc/xen/xl.conf': 'autoballon=1\n'}, expect: ['etc/xen/xl.conf:1:1']},
    {name: 'autoballoon="off" and autoballoon=0', files: {'etc/xen/xl.conf': 'autoballoon="off"\n', 'b/etc/xen/xl.conf': 'autoballoon=0\n'}, expect: []},
  ],
  'autoballoon-with-dom0-mem': [
    {name: 'autoballoon=1 with dom0_mem on the boot line', files: {'etc/xen/xl.conf': 'autoballoon=1\n', 'boot/grub/grub.cfg': grubCfg('dom0_mem=2G,max:2G')}, expect: ['etc/xen/xl.conf:1:13']},
    {name: '"auto" with a dom0_mem xl cannot recognise', files: {'etc/xen/xl.conf': 'autoballoon="auto"\n', 'boot/grub/grub.cfg': grubCfg('dom0_mem=2G:max=2G')}, expect: ['etc/xen/xl.conf:1:13'], message: 'malformed'},
    {name: '"auto" with a good dom0_mem', files: {'etc/xen/xl.conf': 'autoballoon="auto"\n', 'boot/grub/grub.cfg': grubCfg('dom0_mem=2G,max:2G')}, expect: []},
    {name: 'autoballoon=1 with no dom0_mem known', files: {'etc/xen/xl.conf': 'autoballoon=1\n'}, expect: []},
    {name: 'autoballoon=1 on another host than the dom0_mem', files: {'a/etc/xen/xl.conf': 'autoballoon=1\n', 'b/boot/grub/grub.cfg': grubCfg('dom0_mem=2G,max:2G')}, expect: []},
  ],
  'xend-dom0-ballooning': [
    {name: 'ballooning on with dom0-min-mem 0 (no floor)', files: {'etc/xen/xend-config.sxp': '(dom0-min-mem 0)\n(enable-dom0-ballooning yes)\n'}, expect: ['etc/xen/xend-config.sxp:2:25'], message: 'no floor'},
    {name: 'a Xen 3.0 file: dom0-min-mem 196 and no enable-dom0-ballooning', files: {'etc/xen/xend-config.sxp': '(dom0-min-mem 196)\n'}, expect: ['etc/xen/xend-config.sxp:1:15'], message: '3.1/3.2'},
    {name: 'ballooning off with a floor', files: {'etc/xen/xend-config.sxp': '(dom0-min-mem 2048)\n(enable-dom0-ballooning no)\n'}, expect: []},
    {name: 'a Xen 3.0 file with dom0-min-mem 0 (never balloon)', files: {'etc/xen/xend-config.sxp': '(dom0-min-mem 0)\n'}, expect: []},
    {name: 'dom0-min-mem 0 on Xen 3.1 (never balloon)', files: {'etc/xen/xend-config.sxp': '(dom0-min-mem 0)\n(enable-dom0-ballooning yes)\n'}, options: {facts: {xenVersion: '3.1'}}, expect: []},
  ],
  'xend-invalid-value': [
    {name: 'a unit in dom0-min-mem and a non-boolean', files: {'etc/xen/xend-config.sxp': '(dom0-min-mem 512M)\n(enable-dom0-ballooning nope)\n'}, expect: ['etc/xen/xend-config.sxp:1:15', 'etc/xen/xend-config.sxp:2:25']},
    {name: 'valid values', files: {'etc/xen/xend-config.sxp': '(dom0-min-mem 512)\n(enable-dom0-ballooning no)\n'}, expect: []},
  ],
  'unknown-key': [
    {name: 'vcpu instead of vcpus', files: {'etc/xen/a.cfg': domu('memory = 512\nvcpu = 2\n')}, expect: ['etc/xen/a.cfg:3:1'], message: 'did you mean `vcpus`'},
    {name: 'an xl.conf option in a domain config', files: {'etc/xen/a.cfg': domu('memory = 512\nautoballoon = "off"\n')}, expect: ['etc/xen/a.cfg:3:1'], message: 'xl.conf'},
    {name: 'an xm-only key', files: {'etc/xen/a.cfg': domu('memory = 512\ndhcp = "dhcp"\n')}, expect: ['etc/xen/a.cfg:3:1'], message: 'xm option'},
    {name: 'known keys only', files: {'etc/xen/a.cfg': domu('memory = 512\nvcpus = 2\nmaxvcpus = 4\n')}, expect: []},
  ],
  'duplicate-key': [
    {name: 'extra= set twice', files: {'etc/xen/a.cfg': domu('memory = 512\nextra = "a"\nextra="b"\n')}, expect: ['etc/xen/a.cfg:3:1'], message: 'line 4'},
    {name: 'extra += appends', files: {'etc/xen/a.cfg': domu('memory = 512\nextra = "a"\nextra += " b"\n')}, expect: []},
  ],
  'deprecated-key': [
    {name: 'builder="hvm"', files: {'etc/xen/a.cfg': domu('memory = 512\nbuilder = "hvm"\n')}, expect: ['etc/xen/a.cfg:3:1'], message: 'deprecated'},
    {name: 'type="hvm"', files: {'etc/xen/a.cfg': domu('memory = 512\ntype = "hvm"\n')}, expect: []},
  ],
  'domain-type-invalid': [
    {name: 'builder contradicting type', files: {'etc/xen/a.cfg': domu('memory = 512\ntype = "hvm"\nbuilder = "generic"\n')}, expect: ['etc/xen/a.cfg:4:1'], message: 'Contradicting'},
    {name: 'an unknown type', files: {'etc/xen/a.cfg': domu('memory = 512\ntype = "xen"\n')}, expect: ['etc/xen/a.cfg:3:8']},
    {name: 'builder and type that agree', files: {'etc/xen/a.cfg': domu('memory = 512\ntype = "hvm"\nbuilder = "hvm"\n')}, expect: []},
  ],
  'memory-invalid': [
    {name: 'a unit inside quotes and an octal number', files: {'etc/xen/a.cfg': domu('memory = "1024M"\nmaxmem = 02048\n')}, expect: ['etc/xen/a.cfg:2:10', 'etc/xen/a.cfg:3:10']},
    {name: 'plain MiB', files: {'etc/xen/a.cfg': domu('memory = 1024\nmaxmem = 2048\n')}, expect: []},
  ],
  'memory-quoted-string': [
    {name: "memory = '2048' (xen-tools)", files: {'etc/xen/a.cfg': domu("memory = '2048'\n")}, expect: ['etc/xen/a.cfg:2:10']},
    {name: 'memory = 2048', files: {'etc/xen/a.cfg': domu('memory = 2048\n')}, expect: []},
  ],
  'maxmem-below-memory': [
    {name: 'maxmem 512 < memory 1024', files: {'etc/xen/a.cfg': domu('memory = 1024\nmaxmem = 512\n')}, expect: ['etc/xen/a.cfg:3:10']},
    {name: 'maxmem = memory', files: {'etc/xen/a.cfg': domu('memory = 1024\nmaxmem = 1024\n')}, expect: []},
  ],
  'hvm-maxmem-above-memory': [
    {name: 'an HVM guest starting pre-ballooned', files: {'etc/xen/a.cfg': domu('type = "hvm"\nmemory = 1024\nmaxmem = 2048\n')}, expect: ['etc/xen/a.cfg:4:10'], message: 'populate-on-demand'},
    {name: 'a PV guest may balloon up (that is what maxmem is for)', files: {'etc/xen/a.cfg': domu('memory = 1024\nmaxmem = 4096\n')}, expect: []},
  ],
  'pod-conflict': [
    {name: 'PoD with PCI passthrough', files: {'etc/xen/a.cfg': domu('builder = "hvm"\nmemory = 350\nmaxmem = 382\npci = [ "01:13.0" ]\n')}, expect: ['etc/xen/a.cfg:5:1'], message: 'IOMMU'},
    {name: 'passthrough without PoD', files: {'etc/xen/a.cfg': domu('type = "hvm"\nmemory = 382\nmaxmem = 382\npci = [ "01:13.0" ]\n')}, expect: []},
  ],
  'mem-set-bare-number': [
    {name: 'xl mem-set 0 1024 in a script', files: {'bin/shrink-dom0': '#!/bin/sh\nset -e\nxl mem-set 0 1024\n'}, expect: ['bin/shrink-dom0:3:14'], message: 'MiB'},
    {name: 'with a unit, or a variable, or in a comment', files: {'bin/shrink-dom0': '#!/bin/sh\nxl mem-set 0 1024m\nxl mem-set 0 "$SIZE"\n# xl mem-set 0 1024\n'}, expect: []},
  ],
  'duplicate-domain-name': [
    {name: 'two configs named web', files: {'etc/xen/a.cfg': domu('memory = 1\n'), 'etc/xen/b.cfg': domu('memory = 1\n')}, expect: ['etc/xen/b.cfg:1:8']},
    {name: 'the same name on two hosts', files: {'h1/etc/xen/a.cfg': domu('memory = 1\n'), 'h2/etc/xen/a.cfg': domu('memory = 1\n')}, expect: []},
  ],
  'duplicate-uuid': [
    {name: 'two configs with one uuid', files: {'etc/xen/a.cfg': 'name="a"\nmemory=1\nuuid = "2c474d2e-28ba-4730-a5ba-88de9d25652a"\n', 'etc/xen/b.cfg': 'name="b"\nmemory=1\nuuid = "2C474D2E-28BA-4730-A5BA-88DE9D25652A"\n'}, expect: ['etc/xen/b.cfg:3:8']},
    {name: 'different uuids', files: {'etc/xen/a.cfg': 'name="a"\nmemory=1\nuuid = "2c474d2e-28ba-4730-a5ba-88de9d25652a"\n', 'etc/xen/b.cfg': 'name="b"\nmemory=1\nuuid = "3c474d2e-28ba-4730-a5ba-88de9d25652a"\n'}, expect: []},
  ],
  'duplicate-mac': [
    {name: 'one MAC twice in one config', files: {'etc/xen/a.cfg': domu("memory = 1\nvif = [ 'mac=00:16:3e:00:00:01,bridge=a', 'bridge=b, mac=00:16:3E:00:00:01' ]\n")}, expect: ['etc/xen/a.cfg:3:43']},
    {name: 'different MACs', files: {'etc/xen/a.cfg': domu("memory = 1\nvif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:02' ]\n")}, expect: []},
  ],
  'host-memory-overcommit': [
    {
      name: 'two 2 GiB guests on a 4 GiB host with a 1 GiB dom0',
      files: {'etc/xen/a.cfg': 'name="a"\nmemory = 2048\n', 'etc/xen/b.cfg': 'name="b"\nmemory = 2048\n', 'boot/grub/grub.cfg': grubCfg('dom0_mem=1G,max:1G')},
      options: {facts: {hostMemoryKiB: 4 * GB, hostMemorySource: '--host-memory 4G'}},
      expect: ['etc/xen/b.cfg:2:10'],
      message: '4 GiB',
    },
    {name: 'the same on a 16 GiB host', files: {'etc/xen/a.cfg': 'name="a"\nmemory = 2048\n', 'etc/xen/b.cfg': 'name="b"\nmemory = 2048\n', 'boot/grub/grub.cfg': grubCfg('dom0_mem=1G,max:1G')}, options: {facts: {hostMemoryKiB: 16 * GB}}, expect: []},
    {name: 'no host memory given', files: {'etc/xen/a.cfg': 'name="a"\nmemory = 999999\n'}, expect: []},
  ],
}

describe('every rule has cases that fire and cases that must not', () => {
  it('covers all rules', () => {
    expect(Object.keys(CASES).sort()).toEqual(ALL_RULES.map((r) => r.id).sort())
    for (const [id, cases] of Object.entries(CASES)) {
      expect(cases.some((c) => c.expect.length > 0), `${id} fires somewhere`).toBe(true)
      expect(cases.some((c) => c.expect.length === 0), `${id} has a must-not case`).toBe(true)
    }
  })
})

for (const [ruleId, cases] of Object.entries(CASES)) {
  describe(`rule ${ruleId}`, () => {
    for (const c of cases) {
      it(c.expect.length ? `fires on ${c.name}` : `stays silent on ${c.name}`, () => {
        const found = ruleFindings(ruleId, c.files, c.options)
        expect(found.map((f) => where(f).replace(` ${ruleId}`, ''))).toEqual(c.expect)
        if (c.message) for (const f of found) expect(f.message).toContain(c.message)
      })
    }
  })
}
