import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {jsonErrorOffset, positionOf, splitLines} from '../../src/xen/parse-util.js'
import {parseXenVersionText, xenVersionAtLeast, xenVersionBefore} from '../../src/xen/version.js'

describe('jsonErrorOffset', () => {
  it('points at the first character JSON cannot accept', () => {
    expect(jsonErrorOffset('{"a": }')).toBe(6)
    expect(jsonErrorOffset('[1, 2')).toBe(5)
    expect(jsonErrorOffset('[1] x')).toBe(4)
    expect(jsonErrorOffset('{"a": [true, null, -1.5e3, "\\u00e9"]}')).toBe(-1)
  })

  it('agrees with JSON.parse on what is valid', () => {
    const valid = (text: string) => {
      try {
        JSON.parse(text)
        return true
      } catch {
        return false
      }
    }
    fc.assert(fc.property(fc.oneof(fc.json(), fc.string(), fc.string({unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '1', '-', 'true', ' ', '\\', 'e', '.')})), (text) => {
      expect(jsonErrorOffset(text) === -1).toBe(valid(text))
    }), {numRuns: 2000})
  })
})

describe('positionOf and splitLines', () => {
  it('turn offsets into 1-based lines and columns and drop CR', () => {
    expect(positionOf('ab\ncd', 4)).toEqual({line: 2, column: 2})
    expect(splitLines('a\r\nb\n')).toEqual(['a', 'b', ''])
  })
})

describe('Xen versions', () => {
  it('reads the versions the tools print and compares them', () => {
    expect(parseXenVersionText('3.1.2-398.el5')).toEqual({major: 3, minor: 1, extra: '.2-398.el5', text: '3.1.2-398.el5'})
    expect(parseXenVersionText('unknown')).toBeUndefined()
    expect(xenVersionAtLeast('4.12.0', 4, 12)).toBe(true)
    expect(xenVersionAtLeast('4.4', 4, 12)).toBe(false)
    expect(xenVersionAtLeast(undefined, 4, 12)).toBe(false)
    expect(xenVersionBefore({major: 3, minor: 1}, 4, 5)).toBe(true)
    expect(xenVersionBefore(undefined, 4, 5)).toBe(false)
  })
})
