import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {
  DOM0_MEM_PROBLEM_CODES,
  findDom0MemTokens,
  judgeDom0Mem,
  renderDom0Mem,
  resolveDom0MemSize,
  rewriteDom0Mem,
  xlAutoballoonSeesDom0Mem,
  type Dom0MemJudgement,
} from '../../src/xen/dom0-mem.js'
import {ParseError} from '../../src/lib/errors.js'

const MiB = 1024
const GiB = 1024 * 1024
const codes = (judgement: Dom0MemJudgement) => judgement.problems.map((p) => p.code)
const problem = (judgement: Dom0MemJudgement, code: string) => judgement.problems.find((p) => p.code === code)

const LAB = 'console=com1 com1=115200,8n1 dom0_mem=1536M,max:1536M dom0_max_vcpus=2 loglvl=all guest_loglvl=all console_timestamps=boot noreboot'

describe('findDom0MemTokens', () => {
  it('finds every dom0_mem token with its column, and only exact keys', () => {
    expect(findDom0MemTokens('placeholder dom0_mem=min:1024M dom0_mem=max:4096M dom0_max_vcpus=1')).toEqual([
      {text: 'dom0_mem=min:1024M', value: 'min:1024M', column: 13},
      {text: 'dom0_mem=max:4096M', value: 'max:4096M', column: 32},
    ])
    expect(findDom0MemTokens('dom0_mem_x=1 xdom0_mem=1 dom0-mem=1')).toEqual([])
  })
})

describe('judgeDom0Mem', () => {
  it('judges the lab command line dom0_mem=1536M,max:1536M fixed and clean', () => {
    const judgement = judgeDom0Mem(LAB, {xenVersion: '4.17.7', hostMemoryKiB: 2559 * MiB})
    expect(judgement).toMatchObject({present: true, amountKiB: 1536 * MiB, maxKiB: 1536 * MiB, initialKiB: 1536 * MiB, fixed: true, xlAutoballoonSeesIt: true, parser: 'xen-4.12+'})
    expect(judgement.minKiB).toBeUndefined()
    expect(judgement.problems).toEqual([])
  })

  it('reports a missing dom0_mem', () => {
    const judgement = judgeDom0Mem('console=com1 noreboot')
    expect(judgement.present).toBe(false)
    expect(codes(judgement)).toEqual(['absent'])
    expect(judgement.fixed).toBe(false)
  })

  it('reports dom0_mem without max: and suggests the pinned form', () => {
    const judgement = judgeDom0Mem('com1=115200,8n1 guest_loglvl=all dom0_mem=750M console=com1')
    expect(judgement.amountKiB).toBe(750 * MiB)
    expect(judgement.fixed).toBe(false)
    expect(codes(judgement)).toEqual(['no-max'])
    expect(problem(judgement, 'no-max')?.message).toMatch(/dom0_mem=750M,max:750M/)
  })

  describe('the Debian comment form dom0_mem=7680M:max=7680M', () => {
    const cmdline = 'dom0_mem=7680M:max=7680M'

    it('is rejected whole by Xen 4.12 and later: dom0 gets the default and no max', () => {
      const judgement = judgeDom0Mem(cmdline, {xenVersion: '4.17'})
      expect(judgement.amount).toBeUndefined()
      expect(judgement.max).toBeUndefined()
      const malformed = problem(judgement, 'malformed')
      expect(malformed?.severity).toBe('error')
      expect(malformed?.column).toBe(15)
      expect(malformed?.message).toMatch(/write 7680M,max:7680M/)
      expect(malformed?.message).toMatch(/rejects it.*dom0 gets the default/)
      expect(malformed?.message).not.toMatch(/4\.11/)
    })

    it('is half applied by Xen 4.11 and older: 7680M holds but max is dropped', () => {
      const judgement = judgeDom0Mem(cmdline, {xenVersion: '4.4.1'})
      expect(judgement.parser).toBe('xen-4.11-')
      expect(judgement.amountKiB).toBe(7680 * MiB)
      expect(judgement.max).toBeUndefined()
      expect(problem(judgement, 'malformed')?.message).toMatch(/applies 7680M and ignores ":max=7680M": there is no max:/)
      expect(codes(judgement)).toContain('no-max')
    })

    it('says what both generations do when the version is unknown', () => {
      const message = problem(judgeDom0Mem(cmdline), 'malformed')?.message
      expect(message).toMatch(/Xen 4\.12 and later rejects it/)
      expect(message).toMatch(/Xen 4\.11 and older applies 7680M/)
    })

    it('is invisible to xl autoballoon="auto", which then balloons dom0', () => {
      expect(judgeDom0Mem(cmdline).xlAutoballoonSeesIt).toBe(false)
    })
  })

  describe('options joined with commas, dom0_mem=1024M,cpufreq=xen,…', () => {
    const cmdline = 'dom0_mem=1024M,cpufreq=xen,dom0_max_vcpus=2,dom0_vcpus_pin'

    it('keeps 1024M on Xen 4.12 and later and says the rest is lost', () => {
      const judgement = judgeDom0Mem(cmdline, {xenVersion: '4.19.1'})
      expect(judgement.amountKiB).toBe(1024 * MiB)
      const message = problem(judgement, 'malformed')?.message
      expect(message).toMatch(/"cpufreq=xen" is another Xen option joined on with a comma/)
      expect(message).toMatch(/applies 1024M and ignores "cpufreq=xen,dom0_max_vcpus=2,dom0_vcpus_pin"/)
    })

    it('lets cpufreq=xen overwrite 1024M with 0 on Xen 4.11 and older: dom0 gets all memory', () => {
      const judgement = judgeDom0Mem(cmdline, {xenVersion: '4.1.2', hostMemoryKiB: 16 * GiB})
      expect(judgement.amountKiB).toBe(0)
      expect(judgement.initialKiB).toBe(16 * GiB - 128 * MiB)
      expect(problem(judgement, 'malformed')?.message).toMatch(/"cpufreq=xen" \(read as 0\).*dom0 gets the default/)
    })
  })

  it('merges the two separate Qubes tokens min: and max:', () => {
    const cmdline = 'placeholder console=none dom0_mem=min:1024M dom0_mem=max:4096M dom0_max_vcpus=1 dom0_vcpus_pin'
    const judgement = judgeDom0Mem(cmdline, {xenVersion: '4.14.0', hostMemoryKiB: 30439 * MiB})
    expect(judgement).toMatchObject({minKiB: 1024 * MiB, maxKiB: 4096 * MiB, initialKiB: 4096 * MiB, fixed: true, xlAutoballoonSeesIt: true})
    expect(judgement.amount).toBeUndefined()
    expect(problem(judgement, 'multiple-tokens')).toMatchObject({severity: 'info', column: 45})
    expect(problem(judgement, 'multiple-tokens')?.message).toMatch(/Together: dom0_mem=min:1024M,max:4096M/)
  })

  it('warns when a later token overrides an earlier one', () => {
    const judgement = judgeDom0Mem('dom0_mem=1024M,max:1024M dom0_mem=2048M')
    expect(judgement.amountKiB).toBe(2048 * MiB)
    expect(judgement.maxKiB).toBe(1024 * MiB)
    expect(problem(judgement, 'multiple-tokens')?.severity).toBe('warning')
    expect(codes(judgement)).toContain('amount-above-max')
  })

  it('cannot size a value built from shell variables, but sees it is pinned', () => {
    const judgement = judgeDom0Mem('dom0_mem=${DRAK_DOM0_RAM}M,max:${DRAK_DOM0_RAM}M dom0_max_vcpus=2')
    expect(judgement.present).toBe(true)
    expect(judgement.amountKiB).toBeUndefined()
    expect(judgement.amount?.symbolic).toBe(true)
    expect(judgement.fixed).toBe(true)
    expect(codes(judgement)).toEqual(['shell-variable'])
  })

  it('reads a bare number as KiB and says so, as an error when it is absurdly small', () => {
    const tiny = judgeDom0Mem('dom0_mem=1024')
    expect(tiny.amountKiB).toBe(1024)
    expect(problem(tiny, 'bare-kib')).toMatchObject({severity: 'error', column: 10})
    expect(problem(tiny, 'bare-kib')?.message).toMatch(/this is 1 MiB, not 1024 MiB/)
    expect(codes(tiny)).toContain('too-small')
    const deliberate = judgeDom0Mem('dom0_mem=1048576,max:1048576')
    expect(deliberate.amountKiB).toBe(1 * GiB)
    expect(deliberate.fixed).toBe(true)
    expect(deliberate.problems.map((p) => [p.code, p.severity])).toEqual([
      ['bare-kib', 'warning'],
      ['bare-kib', 'warning'],
    ])
    expect(problem(deliberate, 'bare-kib')?.message).toMatch(/write the unit: 1024M/)
  })

  it('resolves percentages and host-minus sizes only with the host memory (Xen 4.12+)', () => {
    const relative = judgeDom0Mem('dom0_mem=10%,max:1G+10%', {xenVersion: '4.17'})
    expect(relative.amountKiB).toBeUndefined()
    expect(relative.amount).toMatchObject({percent: 10, sizeKiB: 0})
    const resolved = judgeDom0Mem('dom0_mem=10%,max:1G+10%', {xenVersion: '4.17', hostMemoryKiB: 8 * GiB})
    expect(resolved.amountKiB).toBe(Math.floor(0.1 * 8 * GiB))
    expect(resolved.maxKiB).toBe(1 * GiB + Math.floor(0.1 * 8 * GiB))
    expect(resolved.problems).toEqual([])
    expect(judgeDom0Mem('dom0_mem=-1G', {hostMemoryKiB: 8 * GiB}).amountKiB).toBe(7 * GiB)
  })

  it('refuses percentages on Xen before 4.12, which reads 10% as 10 KiB', () => {
    const judgement = judgeDom0Mem('dom0_mem=10%,max:1G+10%', {xenVersion: '4.4'})
    expect(judgement.amountKiB).toBe(8) // 10 KiB, rounded down to whole pages
    expect(judgement.max).toBeUndefined()
    expect(problem(judgement, 'percent-unsupported')?.severity).toBe('error')
    expect(codes(judgement)).toContain('too-small')
    expect(problem(judgeDom0Mem('dom0_mem=10%'), 'percent-unsupported')?.severity).toBe('warning')
  })

  it('refuses the T suffix before Xen 4.5, which reads 1T as 1 KiB', () => {
    const old = judgeDom0Mem('dom0_mem=1T,max:1T', {xenVersion: '4.4.4'})
    expect(old.amountKiB).toBe(0)
    expect(old.max).toBeUndefined()
    expect(problem(old, 'tera-unsupported')?.severity).toBe('error')
    const newer = judgeDom0Mem('dom0_mem=1T,max:1T', {xenVersion: '4.5.0'})
    expect(newer.amountKiB).toBe(1024 * GiB)
    expect(newer.fixed).toBe(true)
    expect(newer.problems).toEqual([])
  })

  it('reads a leading 0 as octal, the way simple_strtoull does', () => {
    const judgement = judgeDom0Mem('dom0_mem=0100M,max:0100M')
    expect(judgement.amountKiB).toBe(64 * MiB)
    expect(problem(judgement, 'radix')?.severity).toBe('warning')
  })

  it.each([
    ['dom0_mem=1024MB', /one-letter unit.*write 1024M instead of 1024MB/],
    ['dom0_mem=1.5G', /no fractions/],
    ['dom0_mem=max=1024M', /uses "=": write max:1024M/],
    ['dom0_mem=1024M,', /trailing comma/],
    ['dom0_mem', /has no value/],
    ['dom0_mem=100%', /below 100%/],
    ['dom0_mem=1G+2G', /only `<size>\+<frac>%` may follow a `\+`/],
  ])('explains why %s is malformed', (cmdline, reason) => {
    const malformed = problem(judgeDom0Mem(cmdline), 'malformed')
    expect(malformed?.severity).toBe('error')
    expect(malformed?.message).toMatch(reason)
  })

  it('flags a misspelled key that Xen ignores', () => {
    const judgement = judgeDom0Mem('dom0-mem=1024M DOM0_MEM=2G')
    expect(judgement.present).toBe(false)
    expect(judgement.problems.filter((p) => p.code === 'wrong-key').map((p) => p.column)).toEqual([1, 16])
  })

  it('notes min above max, which Xen ignores', () => {
    const judgement = judgeDom0Mem('dom0_mem=min:4G,max:1G')
    expect(codes(judgement)).toContain('min-above-max')
    expect(judgement.initialKiB).toBe(1 * GiB)
    expect(judgement.fixed).toBe(true)
  })

  it('accepts every well-formed value seen in the corpus bootloader configs', () => {
    for (const value of ['1024M,max:1024M', '512M,max:1024M', 'max:8192M', '12288M', '1600M']) {
      const judgement = judgeDom0Mem(`dom0_mem=${value}`, {xenVersion: '4.17'})
      expect(judgement.problems.filter((p) => p.severity === 'error')).toEqual([])
      expect(judgement.problems.map((p) => p.code).every((c) => c === 'no-max')).toBe(true)
    }
  })

  it('uses only documented problem codes and never throws, whatever the command line', () => {
    fc.assert(
      fc.property(
        fc.string({unit: fc.constantFrom('dom0_mem=', 'min:', 'max:', '1', '0', '9', 'x', 'M', 'T', 'b', '%', '+', '-', ',', ' ', ':', '=', '$', '.', 'G')}),
        fc.option(fc.constantFrom('3.1.2', '4.4', '4.11.0', '4.12.0', '4.19.1')),
        fc.option(fc.integer({min: 0, max: 2 ** 40})),
        fc.constantFrom('x86' as const, 'arm' as const),
        (cmdline, xenVersion, hostMemoryKiB, arch) => {
          const judgement = judgeDom0Mem(cmdline, {xenVersion: xenVersion ?? undefined, hostMemoryKiB: hostMemoryKiB ?? undefined, arch})
          for (const p of judgement.problems) expect(DOM0_MEM_PROBLEM_CODES).toContain(p.code)
          expect(judgement.present).toBe(findDom0MemTokens(cmdline).length > 0)
        },
      ),
      {numRuns: 1000},
    )
  })
})

describe('resolveDom0MemSize', () => {
  it('subtracts host-minus sizes without going below zero', () => {
    expect(resolveDom0MemSize({text: '-32G', minus: true, sizeKiB: 32 * GiB, percent: 0, symbolic: false}, 8 * GiB)).toBe(0)
  })
})

describe('xlAutoballoonSeesDom0Mem', () => {
  it('matches what xl regex-matches for autoballoon="auto"', () => {
    expect(xlAutoballoonSeesDom0Mem(LAB)).toBe(true)
    expect(xlAutoballoonSeesDom0Mem('dom0_mem=min:1024M dom0_mem=max:4096M')).toBe(true)
    expect(xlAutoballoonSeesDom0Mem('dom0_mem=1G+10%,max:-2G')).toBe(true)
    expect(xlAutoballoonSeesDom0Mem('dom0_mem=1024MB')).toBe(false)
    expect(xlAutoballoonSeesDom0Mem('xdom0_mem=1024M')).toBe(false)
  })
})

describe('renderDom0Mem', () => {
  it('writes the pinned form with an explicit unit', () => {
    expect(renderDom0Mem(1536 * MiB)).toBe('dom0_mem=1536M,max:1536M')
    expect(renderDom0Mem(1536 * MiB + 4)).toBe('dom0_mem=1572868K,max:1572868K')
    expect(() => renderDom0Mem(0)).toThrow(ParseError)
    expect(() => renderDom0Mem(1.5)).toThrow(ParseError)
  })

  it('renders what judgeDom0Mem reads back as fixed, for any size', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 2 ** 24}), (mib) => {
        const judgement = judgeDom0Mem(`console=com1 ${renderDom0Mem(mib * MiB)} noreboot`, {xenVersion: '4.17'})
        expect(judgement.amountKiB).toBe(mib * MiB)
        expect(judgement.maxKiB).toBe(mib * MiB)
        expect(judgement.fixed).toBe(true)
        expect(judgement.xlAutoballoonSeesIt).toBe(true)
        expect(judgement.problems.filter((p) => p.code !== 'too-small')).toEqual([])
      }),
    )
  })
})

describe('rewriteDom0Mem', () => {
  it('replaces the first dom0_mem, drops the others and keeps every other option', () => {
    expect(rewriteDom0Mem('placeholder dom0_mem=min:1024M dom0_mem=max:4096M smt=off', 2 * GiB)).toBe('placeholder dom0_mem=2048M,max:2048M smt=off')
    expect(rewriteDom0Mem('console=com1 noreboot', 1 * GiB)).toBe('console=com1 noreboot dom0_mem=1024M,max:1024M')
    expect(rewriteDom0Mem('', 1 * GiB)).toBe('dom0_mem=1024M,max:1024M')
  })
})

describe('judgeDom0Mem edge cases', () => {
  it('stays within safe integers for sizes that wrap Xen\'s 64-bit arithmetic', () => {
    const judgement = judgeDom0Mem('dom0_mem=99999999999999999T+99%', {hostMemoryKiB: 2 ** 40})
    expect(Number.isSafeInteger(judgement.amountKiB)).toBe(true)
  })

  it('refuses a host memory that is not a KiB count', () => {
    expect(() => judgeDom0Mem('dom0_mem=1G', {hostMemoryKiB: -1})).toThrow(ParseError)
  })
})

describe('judgeDom0Mem on Arm', () => {
  it('takes one size that is also the maximum (the S32G board: dom0_mem=512M)', () => {
    const judgement = judgeDom0Mem('dom0_mem=512M dom0_max_vcpus=1 bootscrub=0', {arch: 'arm', xenVersion: '4.14.0'})
    expect(judgement).toMatchObject({parser: 'arm', amountKiB: 512 * MiB, maxKiB: 512 * MiB, fixed: true, problems: []})
  })

  it('ignores x86 syntax after the size, and says so', () => {
    const judgement = judgeDom0Mem('dom0_mem=512M,max:512M', {arch: 'arm'})
    expect(judgement.amountKiB).toBe(512 * MiB)
    expect(problem(judgement, 'malformed')?.message).toMatch(/ignores ",max:512M"/)
    expect(codes(judgeDom0Mem('', {arch: 'arm'}))).toEqual(['absent'])
  })
})

describe('xlAutoballoonSeesDom0Mem against xl\'s own regex', () => {
  // The regex from tools/xl/xl.c, safe to run on short strings only.
  const XL_SIZE = '-?[0-9]+[bBkKmMgGtT]?'
  const XL_RE = new RegExp(`(^| )dom0_mem=((|min:|max:)(${XL_SIZE}|(${XL_SIZE}\\+)?[0-9]{1,2}%),?)+($| )`)

  it('agrees with the regex on every short command line', () => {
    fc.assert(
      fc.property(fc.string({unit: fc.constantFrom('dom0_mem=', 'min:', 'max:', '1', '23', 'M', 't', 'x', '%', '+', '-', ',', ' '), maxLength: 8}), (cmdline) => {
        expect(xlAutoballoonSeesDom0Mem(cmdline)).toBe(XL_RE.test(cmdline))
      }),
      {numRuns: 3000},
    )
  })

  it('stays fast on a long run of digits, where the regex backtracks exponentially', () => {
    const started = Date.now()
    expect(xlAutoballoonSeesDom0Mem(`dom0_mem=${'1'.repeat(5000)}x`)).toBe(false)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
