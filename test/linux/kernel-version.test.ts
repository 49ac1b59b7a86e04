import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ParseError} from '../../src/lib/errors.js'
import {
  compareKernelVersions, hasMemAvailable, hasOomScoreAdj, kernelAtLeast, oomChildRule, parseKernelRelease, parseProcVersion,
} from '../../src/linux/kernel-version.js'

describe('parseKernelRelease', () => {
  it('reads a RHEL5 Xen kernel release with its suffix', () => {
    expect(parseKernelRelease('2.6.18-419.el5xen\n')).toEqual({text: '2.6.18-419.el5xen', major: 2, minor: 6, patch: 18, sublevel: null, extra: '-419.el5xen'})
  })

  it('reads the lab’s Debian release and other distribution forms', () => {
    expect(parseKernelRelease('6.1.0-56-amd64')).toMatchObject({major: 6, minor: 1, patch: 0, extra: '-56-amd64'})
    expect(parseKernelRelease('4.9.45-21.pvops.qubes.x86_64')).toMatchObject({major: 4, minor: 9, patch: 45})
    expect(parseKernelRelease('2.6.32.27')).toMatchObject({patch: 32, sublevel: 27, extra: ''})
    expect(parseKernelRelease('6.8')).toMatchObject({major: 6, minor: 8, patch: 0})
    expect(parseKernelRelease('6.8.0-rc1')).toMatchObject({patch: 0, extra: '-rc1'})
  })

  it('finds the release inside /proc/version', () => {
    expect(parseProcVersion('Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP').text).toBe('6.1.0-56-amd64')
  })

  it('rejects text that is not a version with a located error', () => {
    expect(() => parseKernelRelease('xen')).toThrow(ParseError)
    expect(() => parseKernelRelease('6')).toThrow(/not a version/)
    expect(() => parseProcVersion('nothing here')).toThrow(ParseError)
  })

  it('throws only ParseError on any input', () => {
    fc.assert(fc.property(fc.string({maxLength: 40}), (t) => {
      try {
        parseKernelRelease(t)
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError)
      }
    }))
  })
})

describe('kernel feature predicates', () => {
  it('compares numerically, ignoring distribution suffixes', () => {
    expect(compareKernelVersions('2.6.9', '2.6.18')).toBe(-1)
    expect(compareKernelVersions('2.6.18-419.el5xen', '2.6.18')).toBe(0)
    expect(compareKernelVersions('6.1.0-56-amd64', '5.15.0')).toBe(1)
    expect(compareKernelVersions('2.6.32.27', '2.6.32')).toBe(1)
  })

  it('knows oom_score_adj starts at 2.6.36 and MemAvailable at 3.14', () => {
    expect(hasOomScoreAdj(parseKernelRelease('2.6.18-419.el5xen'))).toBe(false)
    expect(hasOomScoreAdj(parseKernelRelease('2.6.35.14'))).toBe(false)
    expect(hasOomScoreAdj(parseKernelRelease('2.6.36'))).toBe(true)
    expect(hasMemAvailable(parseKernelRelease('3.13.11'))).toBe(false)
    expect(hasMemAvailable(parseKernelRelease('3.14.0'))).toBe(true)
    expect(kernelAtLeast(parseKernelRelease('6.1.0-56-amd64'), '6.1')).toBe(true)
  })

  it('picks the OOM child rule of each era', () => {
    expect(oomChildRule(parseKernelRelease('2.6.18-419.el5xen'))).toBe('first-child')
    expect(oomChildRule(parseKernelRelease('3.10.0-1160.el7.x86_64'))).toBe('worst-child')
    expect(oomChildRule(parseKernelRelease('4.9.45-21.pvops.qubes.x86_64'))).toBe('worst-child')
    expect(oomChildRule(parseKernelRelease('6.1.0-56-amd64'))).toBe('none')
  })

  it('orders any two versions consistently', () => {
    const v = fc.tuple(fc.nat(9), fc.nat(40), fc.nat(300)).map(([a, b, c]) => `${a + 1}.${b}.${c}`)
    fc.assert(fc.property(v, v, (a, b) => {
      expect(compareKernelVersions(a, b)).toBe(-compareKernelVersions(b, a) as -1 | 0 | 1)
    }))
  })
})
