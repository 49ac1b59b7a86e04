import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {formatDuration, parseDuration} from '../../src/lib/duration.js'
import {ParseError} from '../../src/lib/errors.js'

describe('parseDuration', () => {
  it('reads s, m, h and ms, in any case, with decimals', () => {
    expect(parseDuration('90s').ms).toBe(90_000)
    expect(parseDuration('5m').ms).toBe(300_000)
    expect(parseDuration('1h').ms).toBe(3_600_000)
    expect(parseDuration('1.5M').ms).toBe(90_000)
    expect(parseDuration('500ms').ms).toBe(500)
    expect(parseDuration('2 minutes').ms).toBe(120_000)
  })

  it('reads a bare number as seconds and says so', () => {
    expect(parseDuration('30')).toEqual({ms: 30_000, bare: true, text: '30'})
    expect(parseDuration('30s').bare).toBe(false)
  })

  it('refuses garbage, negatives, zero, unknown units and absurd lengths with the flag named (exit 2)', () => {
    expect(() => parseDuration('soon', {what: '--wait-timeout'})).toThrow(/--wait-timeout "soon" is not a duration/)
    expect(() => parseDuration('-5m')).toThrow(/negative/)
    expect(() => parseDuration('0s')).toThrow(/zero/)
    expect(() => parseDuration('5d')).toThrow(/unknown unit "d"/)
    expect(() => parseDuration('200h')).toThrow(/longer than a week/)
    try {
      parseDuration('x')
    } catch (error) {
      expect(error).toBeInstanceOf(ParseError)
      expect((error as ParseError).exitCode).toBe(2)
    }
  })

  it('never throws anything but a ParseError on any string', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      try {
        const d = parseDuration(text)
        return d.ms > 0
      } catch (error) {
        return error instanceof ParseError
      }
    }))
  })
})

describe('formatDuration', () => {
  it('prints short times with a decimal and long ones in minutes and hours', () => {
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(1400)).toBe('1.4 s')
    expect(formatDuration(90_000)).toBe('90 s')
    expect(formatDuration(330_000)).toBe('5m 30s')
    expect(formatDuration(300_000)).toBe('5m')
    expect(formatDuration(3_900_000)).toBe('1h 5m')
  })
})
