import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {findDom0MemTokens, judgeDom0Mem, renderDom0Mem, rewriteDom0Mem, rewriteDom0MemDetailed, stripDom0Mem} from '../../src/xen/dom0-mem.js'

const MiB = 1024
const GiB = 1024 * MiB

describe('rewriteDom0MemDetailed', () => {
  it("replaces Debian's wrong comment form dom0_mem=7680M:max=7680M", () => {
    const r = rewriteDom0MemDetailed('placeholder dom0_mem=7680M:max=7680M loglvl=all', 8 * GiB)
    expect(r).toEqual({text: 'placeholder dom0_mem=8192M,max:8192M loglvl=all', replaced: ['dom0_mem=7680M:max=7680M'], salvaged: [], appended: false})
  })

  it('replaces a bare number, which Xen reads as KiB', () => {
    expect(rewriteDom0Mem('/xen.gz dom0_mem=1048576 noreboot', 1 * GiB)).toBe('/xen.gz dom0_mem=1024M,max:1024M noreboot')
  })

  it('turns two separate tokens (dom0_mem=min:… dom0_mem=max:…) into one', () => {
    const r = rewriteDom0MemDetailed('dom0_mem=min:1024M smt=off dom0_mem=max:4096M', 2 * GiB)
    expect(r.text).toBe('dom0_mem=2048M,max:2048M smt=off')
    expect(r.replaced).toEqual(['dom0_mem=min:1024M', 'dom0_mem=max:4096M'])
  })

  it('replaces a bare dom0_mem key, a shell-built value and max= typos', () => {
    expect(rewriteDom0Mem('a dom0_mem b', GiB)).toBe('a dom0_mem=1024M,max:1024M b')
    expect(rewriteDom0Mem('dom0_mem=${RAM}M,max:${RAM}M', GiB)).toBe('dom0_mem=1024M,max:1024M')
    expect(rewriteDom0Mem('dom0_mem=1024M,max=1024M', GiB)).toBe('dom0_mem=1024M,max:1024M')
  })

  it('gives back the options that had been joined onto dom0_mem with commas', () => {
    const r = rewriteDom0MemDetailed('dom0_mem=1024M,cpufreq=xen,dom0_max_vcpus=2,dom0_vcpus_pin console=vga', 2 * GiB)
    expect(r.text).toBe('dom0_mem=2048M,max:2048M cpufreq=xen dom0_max_vcpus=2 dom0_vcpus_pin console=vga')
    expect(r.salvaged).toEqual(['cpufreq=xen', 'dom0_max_vcpus=2', 'dom0_vcpus_pin'])
    // Not twice when the line already has it.
    expect(rewriteDom0Mem('dom0_mem=1G,cpufreq=xen cpufreq=xen', GiB)).toBe('dom0_mem=1024M,max:1024M cpufreq=xen')
  })

  it('leaves keys Xen does not read as dom0_mem alone', () => {
    expect(rewriteDom0Mem('dom0-mem=512M DOM0_MEM=1G', GiB)).toBe('dom0-mem=512M DOM0_MEM=1G dom0_mem=1024M,max:1024M')
  })

  it('appends after the last option and keeps the trailing blanks of the line', () => {
    expect(rewriteDom0Mem('placeholder  ', GiB)).toBe('placeholder dom0_mem=1024M,max:1024M  ')
    expect(rewriteDom0Mem('', GiB)).toBe('dom0_mem=1024M,max:1024M')
  })

  it('writes a single size on Arm, where Xen rejects ,max:', () => {
    expect(renderDom0Mem(GiB, {arch: 'arm'})).toBe('dom0_mem=1024M')
    expect(rewriteDom0Mem('console=dtuart dom0_mem=512M', GiB, {arch: 'arm'})).toBe('console=dtuart dom0_mem=1024M')
  })

  it('always gives a line the grammar judges fixed and clean, on both Xen parsers', () => {
    const lines = ['dom0_mem=7680M:max=7680M', 'dom0_mem=1048576', 'dom0_mem=min:1G dom0_mem=max:4G', 'dom0_mem=1024M,cpufreq=xen', 'console=vga', 'dom0_mem=-1G', 'dom0_mem=10%']
    for (const line of lines) {
      for (const xenVersion of ['4.17', '3.1']) {
        const j = judgeDom0Mem(rewriteDom0Mem(line, 1536 * MiB), {xenVersion})
        expect(j.tokens).toHaveLength(1)
        expect(j).toMatchObject({fixed: true, amountKiB: 1536 * MiB, maxKiB: 1536 * MiB, xlAutoballoonSeesIt: true, problems: []})
      }
    }
  })

  it('is a fixed point: rewriting its own output changes nothing', () => {
    for (const line of ['a dom0_mem=1 b dom0_mem=2 c', '\tdom0_mem=7680M:max=7680M', 'x']) {
      const once = rewriteDom0Mem(line, GiB)
      expect(rewriteDom0Mem(once, GiB)).toBe(once)
    }
  })
})

describe('stripDom0Mem', () => {
  it('removes every dom0_mem and the blanks that went with it, wherever it stands', () => {
    expect(stripDom0Mem('dom0_mem=2048M,max:2048M dom0_max_vcpus=4').text).toBe('dom0_max_vcpus=4')
    expect(stripDom0Mem('a dom0_mem=1G').text).toBe('a')
    expect(stripDom0Mem('a dom0_mem=1G b dom0_mem=max:2G c').text).toBe('a b c')
    expect(stripDom0Mem('dom0_mem=1G').text).toBe('')
    expect(stripDom0Mem('  dom0_mem=1G b').text).toBe('  b')
  })

  it('keeps options that had been joined on with commas, and leaves a line without dom0_mem as it is', () => {
    expect(stripDom0Mem('dom0_mem=2G,cpufreq=xen x').text).toBe('cpufreq=xen x')
    expect(stripDom0Mem(' a  b ').text).toBe(' a  b ')
  })
})

describe('the dom0_mem rewrite rule, on generated command lines', () => {
  const dom0Token = fc.oneof(
    fc.constantFrom('dom0_mem', 'dom0_mem=', 'dom0_mem=7680M:max=7680M', 'dom0_mem=1048576', 'dom0_mem=min:1G', 'dom0_mem=max:4G', 'dom0_mem=${RAM}M', 'dom0_mem=1G,cpufreq=xen'),
    fc.stringMatching(/^dom0_mem=[-0-9a-zA-Z:,%+=]{0,16}$/),
  )
  const other = fc.stringMatching(/^[a-z][a-z0-9_=,.:-]{0,12}$/).filter((w) => !w.startsWith('dom0_mem'))
  const line = fc.tuple(fc.array(fc.tuple(fc.oneof(dom0Token, other), fc.constantFrom(' ', '  ', '\t')), {maxLength: 8}), fc.constantFrom('', ' ', '\t'))
    .map(([words, lead]) => lead + words.map(([w, sep]) => w + sep).join(''))

  it('always leaves exactly one dom0_mem, judged fixed at the size, and keeps every other word in order', () => {
    fc.assert(
      fc.property(line, fc.integer({min: 128, max: 65536}), (cmdline, mib) => {
        const out = rewriteDom0Mem(cmdline, mib * MiB)
        expect(findDom0MemTokens(out).map((t) => t.text)).toEqual([renderDom0Mem(mib * MiB)])
        expect(judgeDom0Mem(out)).toMatchObject({fixed: true, amountKiB: mib * MiB})
        const words = (s: string) => s.split(/\s+/).filter((w) => w !== '' && !w.startsWith('dom0_mem'))
        const kept = words(out)
        const before = words(cmdline)
        // Salvaged options may be added; every word that was there is still there, in order.
        let i = 0
        for (const w of kept) if (w === before[i]) i++
        expect(i).toBe(before.length)
        expect(rewriteDom0Mem(out, mib * MiB)).toBe(out)
      }),
      {numRuns: 500},
    )
  })
})
