import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {ParseError} from '../../src/lib/errors.js'
import {parseUptimeSeconds} from '../../src/linux/uptime.js'

describe('parseUptimeSeconds', () => {
  it('reads seconds since boot from /proc/uptime', () => {
    expect(parseUptimeSeconds('864000.52 1700000.10\n')).toBe(864000.52)
  })

  it('rejects anything else with ParseError only', () => {
    expect(() => parseUptimeSeconds('')).toThrow(ParseError)
    fc.assert(fc.property(fc.string({maxLength: 30}), (t) => {
      try {
        parseUptimeSeconds(t)
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError)
      }
    }))
  })
})
