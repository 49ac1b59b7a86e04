import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {
  BALLOON_SYSFS_PATHS,
  PROC_XEN_BALLOON,
  balloonGapKiB,
  balloonTargetWrite,
  parseBalloonSysfs,
  parseProcXenBalloon,
} from '../../src/xen/balloon.js'
import {ParseError} from '../../src/lib/errors.js'
import {capture} from './fixture-files.js'

describe('parseBalloonSysfs', () => {
  it('reads the lab dom0 at its boot size', () => {
    const state = parseBalloonSysfs({
      targetKb: capture('baseline', 'xen-memory-target_kb').stdout,
      currentKb: capture('baseline', 'xen-memory-current_kb').stdout,
      lowKb: '0\n',
      highKb: '0\n',
    })
    expect(state).toEqual({source: 'sysfs', targetKiB: 1572864, currentKiB: 1572864, lowKiB: 0, highKiB: 0, driverKiB: null, hardLimitKiB: null})
    expect(balloonGapKiB(state)).toBe(0)
  })

  it('shows a balloon stuck above its target (lab OOM run: target 256 MiB, holding 981 MiB)', () => {
    const state = parseBalloonSysfs({targetKb: '262144\n', currentKb: '1005188\n', lowKb: '567676\n', highKb: '0\n'})
    expect(balloonGapKiB(state)).toBe(1005188 - 262144)
  })

  it('leaves low and high null when those files are missing', () => {
    expect(parseBalloonSysfs({targetKb: '1', currentKb: '2', lowKb: null}).lowKiB).toBeNull()
  })

  it('names the file that holds garbage or is missing', () => {
    try {
      parseBalloonSysfs({targetKb: 'cat: Input/output error', currentKb: '1'})
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ParseError)
      expect((error as ParseError).location?.file).toBe(BALLOON_SYSFS_PATHS.targetKb)
    }
    expect(() => parseBalloonSysfs({targetKb: '1', currentKb: null})).toThrow(/info\/current_kb is missing/)
  })
})

describe('parseProcXenBalloon', () => {
  it('reads the XenLinux format with driver pages and an unknown hard limit', () => {
    // As printed in "The Book of Xen" (domU, 2.6.18-era XenLinux).
    const text = 'Current allocation:   114688 kB\nRequested target:     114688 kB\nLow-mem balloon:       24576 kB\nHigh-mem balloon:          0 kB\nDriver pages:            136 kB\nXen hard limit:          ??? kB\n'
    expect(parseProcXenBalloon(text)).toEqual({source: 'proc', targetKiB: 114688, currentKiB: 114688, lowKiB: 24576, highKiB: 0, driverKiB: 136, hardLimitKiB: null})
  })

  it('reads the older format whose hard limit carries the driver headroom', () => {
    const text = 'Current allocation:   524288 kB\nRequested target:     262144 kB\nLow-mem balloon:           0 kB\nHigh-mem balloon:          0 kB\nXen hard limit:       600000 kB (inc.      8 kB driver headroom)\n'
    expect(parseProcXenBalloon(text)).toMatchObject({currentKiB: 524288, targetKiB: 262144, hardLimitKiB: 600000, driverKiB: 8})
  })

  it('locates a line whose number is bad, and refuses text without the target', () => {
    try {
      parseProcXenBalloon('Current allocation: 1 kB\nRequested target: lots kB\n')
      expect.unreachable()
    } catch (error) {
      expect((error as ParseError).location).toEqual({file: PROC_XEN_BALLOON, line: 2, column: 19})
    }
    expect(() => parseProcXenBalloon('Current allocation: 1 kB\n')).toThrow(/no "Requested target:" line/)
  })

  it('never throws anything but a ParseError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({unit: fc.constantFrom('Current allocation:', 'Requested target:', 'Xen hard limit:', 'constructor:', ' ', '1', 'kB', '???', '\n', '(inc. 8 kB driver headroom)')}), (text) => {
        try {
          parseProcXenBalloon(text)
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError)
        }
      }),
      {numRuns: 500},
    )
  })
})

describe('balloonTargetWrite', () => {
  it('writes KiB digits to sysfs and a K-suffixed memparse string to /proc (a bare number would be bytes)', () => {
    expect(balloonTargetWrite('sysfs', 1572864)).toEqual({path: '/sys/devices/system/xen_memory/xen_memory0/target_kb', text: '1572864\n'})
    expect(balloonTargetWrite('proc', 524288)).toEqual({path: '/proc/xen/balloon', text: '524288K\n'})
    expect(() => balloonTargetWrite('sysfs', 0)).toThrow(ParseError)
  })
})
