import {describe, expect, it} from 'vitest'
import {detectKind} from '../../src/xen/config/detect.js'
import {lintSources} from '../../src/lint/runner.js'
import type {SourceFile} from '../../src/lint/types.js'
import {corpusFiles} from '../xen/config/corpus-files.js'

/**
 * The real-world corpus (test/fixtures/corpus, a copy of ../shared/corpus: files written by other
 * people) linted as one directory, the way `memguard lint test/fixtures/corpus` sees it.
 */
const all = corpusFiles()
const sources: SourceFile[] = all.flatMap(([path, text]) => {
  const kind = detectKind(path, text)
  return kind ? [{path, text, kind}] : []
})
const result = lintSources(sources)
const byPath = new Map(result.files.map((f) => [f.path, f.findings.map((x) => `${x.span.start.line}:${x.span.start.column} ${x.ruleId}`)]))

describe('the whole corpus', () => {
  it('lints every config without a crash in any rule', () => {
    expect(result.internalErrors).toBe(0)
    expect(result.notices).toEqual([])
    expect(sources.length).toBe(78)
  })

  it('gives every finding a location inside its file', () => {
    const texts = new Map(all)
    for (const f of result.files.flatMap((x) => x.findings)) {
      const text = texts.get(f.path) as string
      expect(f.span.start.line).toBeGreaterThanOrEqual(1)
      expect(f.span.end.offset).toBeLessThanOrEqual(text.length)
      expect(f.span.start.offset).toBeLessThanOrEqual(f.span.end.offset)
    }
  })

  // Pinned: what memguard says about a dozen real files. A change here is a behaviour change.
  const PINNED: Record<string, string[]> = {
    // `install-method = debootstrap` pasted from xen-tools.conf; initrd= for ramdisk=; memory='1024'
    'xl-domu/babrakov-ubu.cfg': ['1:1 syntax-error', '13:1 unknown-key', '19:15 memory-quoted-string'],
    // extra= twice; the file ends in a comment without a newline, which libxlu rejects
    'xl-domu/babrakov-infoza.cfg': ['4:1 duplicate-key', '26:1 syntax-error'],
    // autoballoon= (an xl.conf key) in a domain config; the stray ' after boot="c";
    'xl-domu/xendevel-semicolons-autoballoon-hvm.cfg': ['6:5 unknown-key', '15:14 syntax-error'],
    // def, xm_vars calls and % formatting: xm-only Python
    'xl-domu/xen-xmexample2': ['23:1 xm-python-construct', '30:1 xm-python-construct', '35:1 xm-python-construct', '56:8 xm-python-construct', '102:8 xm-python-construct', '166:9 xm-python-construct'],
    // name "test" also in babrakov-test.cfg; PoD + PCI passthrough: xl create fails
    'xl-domu/libvirt-xm-test-pci-dev-syntax.cfg': ['1:8 duplicate-domain-name', '3:10 hvm-maxmem-above-memory', '20:1 pod-conflict', '21:1 unknown-key', '23:1 deprecated-key', '24:10 deprecated-key'],
    // arch=, maxcpus= (for maxvcpus), builder=, audio=
    'xl-domu/drakvuf-win7x64.cfg': ['1:1 unknown-key', '6:1 unknown-key', '7:1 deprecated-key', '20:1 unknown-key'],
    // vcpu = 2: the guest silently gets 1 vCPU
    'xl-domu/cramsay-zynqmp-domu_server.cfg': ['6:1 unknown-key'],
    'xl-domu/acmlug-blonolug.cfg': ['14:15 memory-quoted-string'],
    // not a domain config: no domain rules
    'xl-domu/xen-cpupool.cfg': [],
    // the misspelt autoballon=1 of the first upstream xl.conf
    'xl-conf/xen-xl.conf-2010-first': ['5:1 autoballoon-invalid'],
    // dom0-min-mem 0 with enable-dom0-ballooning yes: no floor at all
    'xend/acmlug-xend-config.sxp': ['213:25 xend-dom0-ballooning'],
    'grub/nesousx-etc-default-grub': ['12:27 dom0-mem-no-max'],
    'grub/drakvuf-grub.d-xen.cfg-2019': ['16:27 dom0-mem-default-only'],
    // #earlyprintk=xen is cut off by xen.efi
    'grub/seanstone-minivisor-xen.efi.cfg': ['5:1 dom0-mem-missing', '6:60 efi-cfg-ignored'],
    'grub/redfivewind-arch-xen.efi.cfg': ['10:1 dom0-mem-missing', '11:8 efi-cfg-ignored'],
    'grub/xen-pygrub-fedora-16-with-xen.grub.cfg': ['75:2 dom0-mem-missing', '87:2 dom0-mem-missing'],
    // clean: dom0_mem=1024M,max:1024M; dom0_mem in GRUB_CMDLINE_XEN with recovery disabled; max: only
    'grub/fecastle-centos6-xen-grub.conf': [],
    'grub/psec-safecor-etc-default-grub': [],
    'grub/xcpng-docs-isolinux-install-entry': [],
  }

  for (const [path, expected] of Object.entries(PINNED)) {
    it(`says what it should about ${path}`, () => {
      expect(byPath.get(path)).toEqual(expected)
    })
  }
})
