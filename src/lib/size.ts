import {ParseError, quoteValue} from './errors.js'

/**
 * Sizes. memguard keeps every amount of memory as an integer number of KiB (`…KiB` in names)
 * or bytes (`…Bytes`). This module is the one parser and the one formatter.
 *
 * Units are a trap: a bare number means MiB to `xl mem-set`/`xm mem-set` (their code; xl's man
 * page wrongly says KiB) but KiB in `dom0_mem=` on the Xen command line. Every caller says which
 * unit a bare number has.
 */

export type SizeUnit = 'B' | 'KiB' | 'MiB' | 'GiB' | 'TiB'

const UNIT_SHIFT: Record<SizeUnit, number> = {B: 0, KiB: 10, MiB: 20, GiB: 30, TiB: 40}

const SUFFIX_TO_UNIT: Record<string, SizeUnit> = {
  b: 'B', k: 'KiB', kb: 'KiB', kib: 'KiB', m: 'MiB', mb: 'MiB', mib: 'MiB',
  g: 'GiB', gb: 'GiB', gib: 'GiB', t: 'TiB', tb: 'TiB', tib: 'TiB',
}

export interface ParsedSize {
  bytes: number
  /** The size rounded down to whole KiB, as the toolstacks do. */
  kib: number
  /** The unit the text named, or the bare-number unit when it named none. */
  unit: SizeUnit
  /** True when the text had no unit and `bareUnit` was applied. */
  bare: boolean
  /** The text as given. */
  text: string
}

export interface ParseSizeOptions {
  /** What a bare number means. Required: there is no safe default. */
  bareUnit: SizeUnit
  /** Allow `1.5g`. xl itself does not, but memguard converts to an integer before handing it on. */
  allowFraction?: boolean
  /** Name of the thing being parsed, for error messages ("size", "--headroom"). */
  what?: string
}

const SIZE_RE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$/

/** Parse a human size like `1536m`, `1.5GiB`, `512` (bare: `bareUnit`). Throws ParseError (exit 2). */
export function parseSize(text: string, options: ParseSizeOptions): ParsedSize {
  const what = options.what ?? 'size'
  const match = SIZE_RE.exec(text)
  if (!match) {
    if (/^\s*-/.test(text)) throw new ParseError(`${what} ${quoteValue(text)} is negative; a memory size must be positive`)
    throw new ParseError(`${what} ${quoteValue(text)} is not a size; expected a number with an optional unit (b, k, m, g, t, KiB, MiB, GiB, TiB)`)
  }
  const [, numberText = '', suffixText = ''] = match
  const suffix = suffixText.toLowerCase()
  let unit: SizeUnit
  if (suffix === '') unit = options.bareUnit
  else {
    const known = SUFFIX_TO_UNIT[suffix]
    if (!known) throw new ParseError(`${what} ${quoteValue(text)} has an unknown unit ${quoteValue(suffixText)}; use b, k, m, g, t (or KiB, MiB, GiB, TiB)`)
    unit = known
  }
  if (numberText.includes('.') && options.allowFraction === false) {
    throw new ParseError(`${what} ${quoteValue(text)} has a fraction; give a whole number (e.g. 1536m instead of 1.5g)`)
  }
  const value = Number(numberText)
  const bytes = Math.round(value * 2 ** UNIT_SHIFT[unit])
  if (!Number.isSafeInteger(bytes)) throw new ParseError(`${what} ${quoteValue(text)} is too large`)
  return {bytes, kib: Math.floor(bytes / 1024), unit, bare: suffix === '', text}
}

/** Human form for output: `1.5 GiB`, `640 MiB`, `12 KiB`. Two significant decimals at most. */
export function formatKiB(kib: number): string {
  const sign = kib < 0 ? '-' : ''
  const abs = Math.abs(kib)
  const units: Array<[SizeUnit, number]> = [['TiB', 2 ** 30], ['GiB', 2 ** 20], ['MiB', 2 ** 10]]
  for (const [unit, factor] of units) {
    if (abs >= factor) {
      const value = abs / factor
      const shown = value >= 100 ? value.toFixed(0) : value >= 10 ? trimZeros(value.toFixed(1)) : trimZeros(value.toFixed(2))
      return `${sign}${shown} ${unit}`
    }
  }
  return `${sign}${abs} KiB`
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
}

/** Exact MiB with the unit, for plans and config: `1536 MiB`, or KiB when not a whole MiB. */
export function formatKiBExact(kib: number): string {
  return kib % 1024 === 0 ? `${kib / 1024} MiB` : `${kib} KiB`
}

/** Argument for `xl mem-set`: always an explicit integer with a suffix (`1536m`, or `1572863k`). */
export function toXlSizeArg(kib: number): string {
  return kib % 1024 === 0 ? `${kib / 1024}m` : `${kib}k`
}

/** Argument for `xm mem-set`: xm takes an integer MiB (it has no reliable suffix parsing on 3.x). */
export function toXmSizeArg(kib: number): string {
  return String(Math.floor(kib / 1024))
}

/** Value for `dom0_mem=` on the Xen command line: always with an explicit `M` suffix. */
export function toXenCmdlineSize(kib: number): string {
  return kib % 1024 === 0 ? `${kib / 1024}M` : `${kib}K`
}

export const mib = (n: number): number => n * 1024
export const gib = (n: number): number => n * 1024 * 1024
