import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ParseError} from '../../src/lib/errors.js'
import {parseSysctlInteger, parseSysctlListing, parseSysctls, SYSCTL_FILES, SYSCTL_PATHS, sysctlNameToPath} from '../../src/linux/sysctl.js'
import {fixture} from './helpers.js'

describe('sysctl files', () => {
  it('exports the /proc/sys path of every knob memguard reads', () => {
    expect(SYSCTL_PATHS.minFreeKbytes).toBe('/proc/sys/vm/min_free_kbytes')
    expect(SYSCTL_PATHS.panicOnOom).toBe('/proc/sys/vm/panic_on_oom')
    expect(SYSCTL_PATHS.kernelPanic).toBe('/proc/sys/kernel/panic')
    expect(SYSCTL_FILES).toContain('/proc/sys/vm/overcommit_memory')
  })

  it('reads each value from its file text and leaves missing files null', () => {
    const s = parseSysctls(new Map<string, string | null>([
      [SYSCTL_PATHS.minFreeKbytes, '4709\n'],
      [SYSCTL_PATHS.overcommitMemory, '0\n'],
      [SYSCTL_PATHS.kernelPanic, '-1\n'],
      [SYSCTL_PATHS.overcommitKbytes, null],
    ]))
    expect(s.minFreeKiB).toBe(4709)
    expect(s.overcommitMemory).toBe(0)
    expect(s.kernelPanicSeconds).toBe(-1)
    expect(s.overcommitKiB).toBeNull()
    expect(s.watermarkScaleFactor).toBeNull()
  })

  it('reads the lab’s "vm.x = y" listing into the same shape', () => {
    const s = parseSysctls(parseSysctlListing(fixture('xenlab-baseline-vm-sysctls.txt')))
    expect(s).toMatchObject({overcommitMemory: 0, overcommitRatioPercent: 50, minFreeKiB: 4709, panicOnOom: 0, oomKillAllocatingTask: 0, swappiness: 60})
  })

  it('maps dotted names to paths', () => {
    expect(sysctlNameToPath('kernel.panic')).toBe('/proc/sys/kernel/panic')
  })

  it('rejects a file that does not hold one integer, naming the file', () => {
    try {
      parseSysctlInteger('4709 kB', '/proc/sys/vm/min_free_kbytes')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError)
      expect((e as ParseError).location?.file).toBe('/proc/sys/vm/min_free_kbytes')
    }
  })

  it('throws only ParseError on any file text', () => {
    fc.assert(fc.property(fc.string({maxLength: 30}), (t) => {
      try {
        parseSysctls({[SYSCTL_PATHS.panicOnOom]: t})
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError)
      }
    }))
  })
})
