import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ParseError} from '../../src/lib/errors.js'
import {parseSwaps} from '../../src/linux/swaps.js'

describe('parseSwaps', () => {
  it('reads an empty table (the lab dom0 has no swap)', () => {
    expect(parseSwaps('Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n')).toEqual({devices: [], totalKiB: 0, usedKiB: 0})
  })

  it('reads devices and files, unescaping octal escapes in names', () => {
    const s = parseSwaps([
      'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority',
      '/dev/xvda2                              partition\t2097148\t\t1024\t\t-2',
      '/var/swap\\040file                       file\t\t524284\t\t0\t\t-3',
    ].join('\n'))
    expect(s.devices).toEqual([
      {filename: '/dev/xvda2', type: 'partition', sizeKiB: 2097148, usedKiB: 1024, priority: -2},
      {filename: '/var/swap file', type: 'file', sizeKiB: 524284, usedKiB: 0, priority: -3},
    ])
    expect(s.totalKiB).toBe(2621432)
    expect(s.usedKiB).toBe(1024)
  })

  it('rejects a short or non-numeric line with its line number', () => {
    try {
      parseSwaps('Filename Type Size Used Priority\n/dev/x partition many 0 -2\n', 'snap/proc/swaps')
      expect.unreachable()
    } catch (e) {
      expect((e as ParseError).location).toEqual({file: 'snap/proc/swaps', line: 2, column: 1})
    }
    expect(() => parseSwaps('/dev/x partition 1\n')).toThrow(ParseError)
  })

  it('throws only ParseError on any input', () => {
    fc.assert(fc.property(fc.string({maxLength: 120}), (t) => {
      try {
        parseSwaps(t)
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError)
      }
    }))
  })
})
