import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {lintSources} from '../../src/lint/runner.js'
import type {Finding, HostFacts, SourceFile} from '../../src/lint/types.js'
import type {ConfigKind} from '../../src/xen/config/detect.js'
import {editEfiCfg, editGrubDefaults, editGrubLegacy, editXendConfig, editXlConf, type XendSemantics} from '../../src/xen/dom0-mem-edit.js'
import {corpusFile} from './config/corpus-files.js'
import {FIXTURES} from './fixture-files.js'

/**
 * Golden tests of the dom0-mem editors on real files (test/fixtures/corpus) and the RHEL5 host
 * fixture: the expected output of each is a file under test/fixtures/dom0-mem/golden/ (rewrite them
 * with UPDATE_GOLDEN=1 and review the diff). Every output must be a fixed point of its editor, and
 * the linter's dom0_mem / autoballoon / xend rules must have nothing to say about it.
 */

const GOLDEN = join(FIXTURES, 'dom0-mem', 'golden')
const MiB = 1024

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name)
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(dirname(path), {recursive: true})
    writeFileSync(path, actual)
  }
  expect(actual).toBe(readFileSync(path, 'utf8'))
}

const hostFixture = (path: string) => readFileSync(join(FIXTURES, 'dom0-mem', 'hosts', path), 'utf8')

/** The rules that must be silent once memguard has written a file. */
const CURED = /^(dom0-mem-|autoballoon-|xend-dom0-ballooning$)/

function lintAfter(files: Array<{path: string; text: string; kind: ConfigKind}>, facts: HostFacts = {}, ignore: readonly string[] = []): Finding[] {
  const result = lintSources(files as SourceFile[], {facts})
  expect(result.internalErrors).toBe(0)
  return result.files.flatMap((f) => f.findings).filter((f) => CURED.test(f.ruleId) && !ignore.includes(f.ruleId))
}

const lines = (findings: Finding[]) => findings.map((f) => `${f.path}:${f.span.start.line} ${f.ruleId}: ${f.message}`)

describe('GRUB legacy grub.conf / menu.lst', () => {
  const cases: Array<{name: string; text: string; mib: number}> = [
    {name: 'fecastle-centos6-xen-grub.conf', text: corpusFile('grub/fecastle-centos6-xen-grub.conf'), mib: 2048},
    {name: 'rhel5-grub.conf', text: hostFixture('rhel5/boot/grub/grub.conf'), mib: 1024},
  ]

  for (const c of cases) {
    it(`rewrites the kernel line of every Xen entry in ${c.name} and nothing else`, () => {
      const edit = editGrubLegacy(c.text, c.mib * MiB)
      golden(`grub-legacy/${c.name}`, edit.after)
      expect(edit.problems).toEqual([])
      expect(editGrubLegacy(edit.after, c.mib * MiB).after).toBe(edit.after)
      expect(lines(lintAfter([{path: 'h/boot/grub/grub.conf', text: edit.after, kind: 'grub-legacy'}]))).toEqual([])
    })
  }

  it('gives the RHEL5 entry without options a dom0_mem and replaces the bare-KiB one', () => {
    const edit = editGrubLegacy(hostFixture('rhel5/boot/grub/grub.conf'), 1024 * MiB)
    expect(edit.after).toContain('\tkernel /xen.gz-2.6.18-419.el5 dom0_mem=1024M,max:1024M\n')
    expect(edit.after).toContain('\tkernel /xen.gz-2.6.18-398.el5 dom0_mem=1024M,max:1024M\n')
    expect(edit.after).toContain('\tkernel /vmlinuz-2.6.18-419.el5 ro root=/dev/VolGroup00/LogVol00\n')
    expect(edit.changes).toEqual([
      'entry "CentOS (2.6.18-419.el5xen)" (line 16): added dom0_mem=1024M,max:1024M',
      'entry "CentOS (2.6.18-398.el5xen)" (line 21): dom0_mem=524288 → dom0_mem=1024M,max:1024M',
    ])
  })

  it('leaves a menu.lst without a Xen entry alone, even its # xenhopt= (a domU\'s pv-grub menu)', () => {
    const text = corpusFile('grub/avar-linode-pvgrub-menu.lst')
    const edit = editGrubLegacy(text, 1024 * MiB)
    expect(edit.after).toBe(text)
    expect(edit.notes[0]).toMatch(/no Xen entry/)
  })

  it("sets Debian's # xenhopt= too, since update-grub rewrites the automagic entries from it", () => {
    const text = [
      '### BEGIN AUTOMAGIC KERNELS LIST',
      '# xenhopt=dom0_mem=512M',
      '## ## End Default Options ##',
      'title Xen 3.2-1-amd64 / Debian GNU/Linux, kernel 2.6.26-2-xen-amd64',
      'root (hd0,0)',
      'kernel /boot/xen-3.2-1-amd64.gz dom0_mem=512M',
      'module /boot/vmlinuz-2.6.26-2-xen-amd64 root=/dev/sda1 ro',
      '### END DEBIAN AUTOMAGIC KERNELS LIST',
      '',
    ].join('\n')
    const edit = editGrubLegacy(text, 1024 * MiB)
    expect(edit.after).toContain('# xenhopt=dom0_mem=1024M,max:1024M\n')
    expect(edit.after).toContain('kernel /boot/xen-3.2-1-amd64.gz dom0_mem=1024M,max:1024M\n')
    expect(editGrubLegacy(edit.after, 1024 * MiB).after).toBe(edit.after)
  })
})

describe('GRUB2 /etc/default/grub and /etc/default/grub.d/xen.cfg', () => {
  const cases: Array<{name: string; path: string; text: string; mib: number; change: RegExp}> = [
    {name: 'nesousx-etc-default-grub', path: '/etc/default/grub', text: corpusFile('grub/nesousx-etc-default-grub'), mib: 4096, change: /dom0_mem=12288M → dom0_mem=4096M,max:4096M/},
    {name: 'psec-safecor-etc-default-grub', path: '/etc/default/grub', text: corpusFile('grub/psec-safecor-etc-default-grub'), mib: 1024, change: /dom0_mem=512M,max:1024M → dom0_mem=1024M,max:1024M/},
    {name: 'drakvuf-grub.d-xen.cfg-2019', path: '/etc/default/grub.d/xen.cfg', text: corpusFile('grub/drakvuf-grub.d-xen.cfg-2019'), mib: 2048, change: /GRUB_CMDLINE_XEN_DEFAULT \(line 16\): removed dom0_mem=2048M,max:2048M/},
    {name: 'drakvuf-grub.d-xen.cfg-2021', path: '/etc/default/grub.d/xen.cfg', text: corpusFile('grub/drakvuf-grub.d-xen.cfg-2021'), mib: 2048, change: /removed dom0_mem=\$\{DRAK_DOM0_RAM\}M,max:\$\{DRAK_DOM0_RAM\}M/},
    {name: 'xenlab-grub.d-xen.cfg', path: '/etc/default/grub.d/xen.cfg', text: readFileSync(join(FIXTURES, '..', '..', 'examples/hosts/xenlab/files/etc/default/grub.d/xen.cfg'), 'utf8'), mib: 1024, change: /added GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M" after the commented-out #GRUB_CMDLINE_XEN= \(line 57\)/},
  ]

  for (const c of cases) {
    it(`puts dom0_mem in GRUB_CMDLINE_XEN exactly once in ${c.name}`, () => {
      const [edit] = editGrubDefaults([{path: c.path, text: c.text}], c.mib * MiB, {preferNew: c.path})
      if (!edit) throw new Error('no edit')
      golden(`grub-default/${c.name}`, edit.after)
      expect(edit.problems).toEqual([])
      expect(edit.changes.join('\n')).toMatch(c.change)
      const [again] = editGrubDefaults([{path: c.path, text: edit.after}], c.mib * MiB, {preferNew: c.path})
      expect(again?.after).toBe(edit.after)
      expect(lines(lintAfter([{path: `h${c.path}`, text: edit.after, kind: 'grub-default'}]))).toEqual([])
    })
  }

  it('moves dom0_mem out of GRUB_CMDLINE_XEN_DEFAULT of /etc/default/grub into xen.cfg, so normal entries do not get it twice', () => {
    const grub = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M cpuinfo com1=115200,8n1 console=com1,tty"\n'
    const xenCfg = readFileSync(join(FIXTURES, '..', '..', 'examples/hosts/xenlab/files/etc/default/grub.d/xen.cfg'), 'utf8')
    const [g, x] = editGrubDefaults(
      [
        {path: '/etc/default/grub', text: grub},
        {path: '/etc/default/grub.d/xen.cfg', text: xenCfg},
      ],
      2048 * MiB,
      {preferNew: '/etc/default/grub.d/xen.cfg'},
    )
    expect(g?.after).toBe('GRUB_DEFAULT=0\nGRUB_CMDLINE_XEN_DEFAULT="cpuinfo com1=115200,8n1 console=com1,tty"\n')
    expect(x?.after).toContain('#GRUB_CMDLINE_XEN=""\nGRUB_CMDLINE_XEN="dom0_mem=2048M,max:2048M"\n')
    expect(
      lines(
        lintAfter([
          {path: 'h/etc/default/grub', text: g?.after ?? '', kind: 'grub-default'},
          {path: 'h/etc/default/grub.d/xen.cfg', text: x?.after ?? '', kind: 'grub-default'},
        ]),
      ),
    ).toEqual([])
  })

  it('edits the GRUB_CMDLINE_XEN that counts (the last one sourced) and strips the others', () => {
    const [g, x] = editGrubDefaults(
      [
        {path: '/etc/default/grub', text: 'GRUB_CMDLINE_XEN="dom0_mem=512M loglvl=all"\n'},
        {path: '/etc/default/grub.d/xen.cfg', text: 'GRUB_CMDLINE_XEN="$GRUB_CMDLINE_XEN dom0_mem=min:256M dom0_mem=max:768M"\n'},
      ],
      1024 * MiB,
    )
    expect(g?.after).toBe('GRUB_CMDLINE_XEN="loglvl=all"\n')
    expect(x?.after).toBe('GRUB_CMDLINE_XEN="$GRUB_CMDLINE_XEN dom0_mem=1024M,max:1024M"\n')
  })

  it('quotes a bare value that now holds a blank, and adds the variable to /etc/default/grub when there is no xen.cfg', () => {
    const [bare] = editGrubDefaults([{path: '/etc/default/grub', text: 'GRUB_CMDLINE_XEN=loglvl=all\n'}], 1024 * MiB)
    expect(bare?.after).toBe('GRUB_CMDLINE_XEN="loglvl=all dom0_mem=1024M,max:1024M"\n')
    const [none] = editGrubDefaults([{path: '/etc/default/grub', text: 'GRUB_DEFAULT=0\nGRUB_CMDLINE_XEN_DEFAULT="loglvl=all"\nGRUB_TIMEOUT=5'}], 1024 * MiB)
    expect(none?.after).toBe('GRUB_DEFAULT=0\nGRUB_CMDLINE_XEN_DEFAULT="loglvl=all"\nGRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"\nGRUB_TIMEOUT=5')
    const [empty] = editGrubDefaults([{path: '/etc/default/grub', text: ''}], 1024 * MiB)
    expect(empty?.after).toBe('GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"\n')
  })

  it('reports a value it cannot rewrite exactly instead of guessing', () => {
    const text = 'GRUB_CMDLINE_XEN="dom0_mem=512M "\\\n"loglvl=all"\n'
    const [edit] = editGrubDefaults([{path: '/etc/default/grub', text}], 1024 * MiB)
    expect(edit?.after).toBe(text)
    expect(edit?.problems[0]).toMatch(/mixes quoting or backslashes.*by hand/)
  })

  it('warns about a later assignment inside an if that may replace it', () => {
    const text = 'GRUB_CMDLINE_XEN="loglvl=all"\nif [ -e /etc/big ]; then\n  GRUB_CMDLINE_XEN="dom0_mem=8G"\nfi\n'
    const [edit] = editGrubDefaults([{path: '/etc/default/grub', text}], 1024 * MiB)
    expect(edit?.after).toBe('GRUB_CMDLINE_XEN="loglvl=all dom0_mem=1024M,max:1024M"\nif [ -e /etc/big ]; then\n  GRUB_CMDLINE_XEN=""\nfi\n')
    expect(edit?.notes.join('\n')).toMatch(/inside if\/case\/a function/)
  })
})

describe('EFI xen.cfg', () => {
  const cases: Array<{name: string; mib: number; arch?: 'arm'; changes: RegExp}> = [
    {name: 'pld-linux-xen.efi.cfg', mib: 1024, changes: /\[linux\]: added options=dom0_mem=1024M,max:1024M/},
    {name: 'redfivewind-arch-xen.efi.cfg', mib: 2048, changes: /\[arch-linux\] options= \(line 10\): added dom0_mem=2048M,max:2048M/},
    {name: 'seanstone-minivisor-xen.efi.cfg', mib: 1024, changes: /\[xen\] options= \(line 5\): added/},
    {name: 'ruchi393-build-arm64-xen.efi.cfg', mib: 1024, arch: 'arm', changes: /dom0_mem=512M → dom0_mem=1024M$/m},
    {name: 'trusslab-hikey-xen.efi.cfg', mib: 2048, arch: 'arm', changes: /no \[global\] default=.*dom0_mem=1600M → dom0_mem=2048M/},
  ]
  for (const c of cases) {
    it(`sets dom0_mem in the options= of the boot section of ${c.name}`, () => {
      const text = corpusFile(`grub/${c.name}`)
      const edit = editEfiCfg(text, c.mib * MiB, {arch: c.arch})
      golden(`efi/${c.name}`, edit.after)
      expect(edit.changes.join('\n')).toMatch(c.changes)
      expect(editEfiCfg(edit.after, c.mib * MiB, {arch: c.arch}).after).toBe(edit.after)
      // The linter judges x86 (it has no arch fact): on Arm a single size is right, so no-max is expected there.
      expect(lines(lintAfter([{path: `h/boot/efi/EFI/xen/${c.name}`, text: edit.after, kind: 'efi-cfg'}], {}, c.arch ? ['dom0-mem-no-max'] : []))).toEqual([])
    })
  }

  it('keeps a # comment after the value, and adds the newline xen.efi needs when the last line was edited', () => {
    const edit = editEfiCfg('[global]\ndefault=x\n[x]\noptions=console=vga#serial\nkernel=vmlinuz', 1024 * MiB)
    expect(edit.after).toBe('[global]\ndefault=x\n[x]\noptions=console=vga dom0_mem=1024M,max:1024M #serial\nkernel=vmlinuz')
    const last = editEfiCfg('[global]\ndefault=x\n[x]\nkernel=vmlinuz\noptions=console=vga', 1024 * MiB)
    expect(last.after).toBe('[global]\ndefault=x\n[x]\nkernel=vmlinuz\noptions=console=vga dom0_mem=1024M,max:1024M\n')
  })

  it('refuses a default= that names no section', () => {
    const text = '[global]\ndefault=gone\n[x]\noptions=a\n'
    const edit = editEfiCfg(text, 1024 * MiB)
    expect(edit.after).toBe(text)
    expect(edit.problems[0]).toMatch(/names a section this file does not have/)
  })
})

describe('xl.conf', () => {
  const names = ['acmlug-xl.conf', 'notquitesane-gentoo-xl.conf', 'openxt-xl.conf', 'strfry-xl.conf', 'xen-xl.conf-2010-first', 'xen-xl.conf-2012', 'xen-xl.conf-2013', 'xen-xl.conf-2020']
  for (const name of names) {
    it(`turns autoballooning off in ${name}`, () => {
      const edit = editXlConf(corpusFile(`xl-conf/${name}`))
      golden(`xl-conf/${name}`, edit.after)
      expect(editXlConf(edit.after).after).toBe(edit.after)
      expect(edit.after.match(/^autoballoon ?= ?"off"$/gm)).toHaveLength(1)
      // With a dom0_mem on the same host, the autoballoon rules have nothing left to say.
      const grub = 'GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"\n'
      expect(
        lines(
          lintAfter([
            {path: 'h/etc/xen/xl.conf', text: edit.after, kind: 'xl-conf'},
            {path: 'h/etc/default/grub', text: grub, kind: 'grub-default'},
          ]),
        ),
      ).toEqual([])
    })
  }

  it('fixes the misspelt autoballon=1 of the first upstream xl.conf in place, on its own line', () => {
    const edit = editXlConf(corpusFile('xl-conf/xen-xl.conf-2010-first'))
    expect(edit.after).toBe('## Global XL config file ##\n\n# automatically balloon down dom0 when xen doesn\'t have enough free\n# memory to create a domain\nautoballoon="off"\n')
    expect(edit.changes).toEqual(['line 5: autoballon=1 → autoballoon="off" (the key was misspelt, so xl ignored it and kept the default "auto")'])
  })

  it('keeps a value that is already off as written, and creates a missing file', () => {
    expect(editXlConf('autoballoon=0\n').after).toBe('autoballoon=0\n')
    expect(editXlConf('autoballoon = "on" # was on\n').after).toBe('autoballoon = "off" # was on\n')
    expect(editXlConf("autoballon = 'auto'\n").after).toBe('autoballoon = "off"\n')
    expect(editXlConf('autoballoon = ["on"]\n').after).toBe('autoballoon="off"\n')
    expect(editXlConf(null).after).toBe('autoballoon="off"\n')
  })
})

describe('xend-config.sxp', () => {
  const cases: Array<{name: string; semantics: XendSemantics; xen: string}> = [
    {name: 'xen-xend-config-2004-first.sxp', semantics: 'min-mem-zero', xen: '3.0'},
    {name: 'xen-xend-config-2005-12.sxp', semantics: 'min-mem-zero', xen: '3.0'},
    {name: 'xen-xend-config-2008-04.sxp', semantics: 'enable-no', xen: '3.3'},
    {name: 'xen-xend-config-2010-final.sxp', semantics: 'enable-no', xen: '4.0'},
    {name: 'xen-xend-config-xenapi.sxp', semantics: 'enable-no', xen: '3.3'},
    {name: 'trimet-xend-config.sxp', semantics: 'enable-no', xen: '4.1'},
    {name: 'acmlug-xend-config.sxp', semantics: 'enable-no', xen: '4.4'},
    {name: 'nesousx-xend-config.sxp', semantics: 'enable-no', xen: '4.1'},
  ]
  for (const c of cases) {
    it(`turns dom0 ballooning off the ${c.semantics === 'min-mem-zero' ? 'xend ≤ 3.2 way' : 'xend ≥ 3.3 way'} in ${c.name}`, () => {
      const edit = editXendConfig(corpusFile(`xend/${c.name}`), c.semantics, 2048)
      golden(`xend/${c.name}`, edit.after)
      expect(edit.problems).toEqual([])
      expect(editXendConfig(edit.after, c.semantics, 2048).after).toBe(edit.after)
      const grub = 'title Xen\nkernel /xen.gz dom0_mem=2048M,max:2048M\nmodule /vmlinuz\n'
      expect(
        lines(
          lintAfter(
            [
              {path: 'h/etc/xen/xend-config.sxp', text: edit.after, kind: 'xend-config'},
              {path: 'h/boot/grub/menu.lst', text: grub, kind: 'grub-legacy'},
            ],
            {xenVersion: c.xen},
          ),
        ),
      ).toEqual([])
    })
  }

  it('on xend 3.1 (RHEL5) sets dom0-min-mem 0 and adds no enable-dom0-ballooning', () => {
    const edit = editXendConfig(hostFixture('rhel5/etc/xen/xend-config.sxp'), 'min-mem-zero', 1024)
    golden('xend/rhel5-xend-config.sxp', edit.after)
    expect(edit.changes).toEqual(['line 37: (dom0-min-mem 256) → (dom0-min-mem 0)'])
    expect(edit.after).not.toContain('enable-dom0-ballooning')
  })

  it('on xend 3.3 and later sets enable-dom0-ballooning no and dom0-min-mem to the size', () => {
    const edit = editXendConfig(corpusFile('xend/acmlug-xend-config.sxp'), 'enable-no', 2048)
    expect(edit.changes).toEqual(['line 213: (enable-dom0-ballooning yes) → (enable-dom0-ballooning no)', 'line 209: (dom0-min-mem 0) → (dom0-min-mem 2048)'])
  })

  it('adds missing settings after their commented-out form, or at the end', () => {
    expect(editXendConfig('(xend-unix-server yes)\n#(dom0-min-mem 196)\n(dom0-cpus 0)\n', 'enable-no', 1024).after).toBe(
      '(xend-unix-server yes)\n#(dom0-min-mem 196)\n(dom0-min-mem 1024)\n(dom0-cpus 0)\n(enable-dom0-ballooning no)\n',
    )
  })

  it('does not edit a file it cannot parse', () => {
    const edit = editXendConfig('(dom0-min-mem 196\n', 'min-mem-zero', 1024)
    expect(edit.after).toBe('(dom0-min-mem 196\n')
    expect(edit.problems[0]).toMatch(/does not parse/)
  })
})

describe('the linter round trip', () => {
  it('is not vacuous: the same rules do fire on the files before memguard edits them', () => {
    const before = lintAfter(
      [
        {path: 'a/etc/default/grub.d/xen.cfg', text: corpusFile('grub/drakvuf-grub.d-xen.cfg-2019'), kind: 'grub-default'},
        {path: 'b/etc/default/grub', text: corpusFile('grub/nesousx-etc-default-grub'), kind: 'grub-default'},
        {path: 'b/etc/xen/xl.conf', text: corpusFile('xl-conf/xen-xl.conf-2010-first'), kind: 'xl-conf'},
        {path: 'c/etc/xen/xend-config.sxp', text: corpusFile('xend/xen-xend-config-2008-04.sxp'), kind: 'xend-config'},
        {path: 'd/boot/grub/grub.conf', text: hostFixture('rhel5/boot/grub/grub.conf'), kind: 'grub-legacy'},
      ],
      {xenVersion: '3.3'},
    )
    expect(new Set(before.map((f) => f.ruleId))).toEqual(
      new Set(['dom0-mem-default-only', 'dom0-mem-no-max', 'autoballoon-invalid', 'xend-dom0-ballooning', 'dom0-mem-missing', 'dom0-mem-bare-number']),
    )
  })
})
