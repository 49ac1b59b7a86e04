import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {formatKiB, formatKiBExact, parseSize, toXenCmdlineSize, toXlSizeArg, toXmSizeArg} from '../../src/lib/size.js'
import {ParseError} from '../../src/lib/errors.js'

describe('parseSize', () => {
  it('reads a bare number in the unit the caller names, because xl and dom0_mem disagree', () => {
    expect(parseSize('256', {bareUnit: 'MiB'}).kib).toBe(256 * 1024)
    expect(parseSize('256', {bareUnit: 'KiB'}).kib).toBe(256)
    expect(parseSize('256', {bareUnit: 'MiB'}).bare).toBe(true)
  })

  it('accepts the xl suffixes and the IEC names in any case', () => {
    expect(parseSize('1536m', {bareUnit: 'MiB'}).kib).toBe(1536 * 1024)
    expect(parseSize('1.5g', {bareUnit: 'MiB'}).kib).toBe(1536 * 1024)
    expect(parseSize('1.5GiB', {bareUnit: 'MiB'}).kib).toBe(1536 * 1024)
    expect(parseSize('2T', {bareUnit: 'MiB'}).kib).toBe(2 * 1024 ** 3)
    expect(parseSize('4096k', {bareUnit: 'MiB'}).kib).toBe(4096)
    expect(parseSize('1048576b', {bareUnit: 'MiB'}).kib).toBe(1024)
  })

  it('refuses garbage, negatives and unknown units with the bad value quoted', () => {
    expect(() => parseSize('abc', {bareUnit: 'MiB'})).toThrow(/"abc" is not a size/)
    expect(() => parseSize('-5m', {bareUnit: 'MiB'})).toThrow(/negative/)
    expect(() => parseSize('10x', {bareUnit: 'MiB'})).toThrow(/unknown unit "x"/)
    expect(() => parseSize('1.5g', {bareUnit: 'MiB', allowFraction: false})).toThrow(/fraction/)
  })

  it('refuses a size too large to be exact', () => {
    expect(() => parseSize('99999999999t', {bareUnit: 'MiB'})).toThrow(/too large/)
  })

  it('never throws anything but a ParseError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const parsed = parseSize(text, {bareUnit: 'MiB'})
          expect(Number.isSafeInteger(parsed.kib)).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError)
        }
      }),
    )
  })
})

describe('size formatting', () => {
  it('prints human sizes with their unit', () => {
    expect(formatKiB(1536 * 1024)).toBe('1.5 GiB')
    expect(formatKiB(640 * 1024)).toBe('640 MiB')
    expect(formatKiB(12)).toBe('12 KiB')
    expect(formatKiB(-256 * 1024)).toBe('-256 MiB')
  })

  it('always writes an explicit suffix into what it hands to a tool', () => {
    expect(toXlSizeArg(1536 * 1024)).toBe('1536m')
    expect(toXlSizeArg(1572863)).toBe('1572863k')
    expect(toXmSizeArg(1536 * 1024)).toBe('1536')
    expect(toXenCmdlineSize(4096 * 1024)).toBe('4096M')
    expect(formatKiBExact(1536 * 1024)).toBe('1536 MiB')
  })

  it('round-trips every whole MiB through the xl argument form', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 2 ** 24}), (mibCount) => {
        const kib = mibCount * 1024
        expect(parseSize(toXlSizeArg(kib), {bareUnit: 'KiB'}).kib).toBe(kib)
      }),
    )
  })
})
