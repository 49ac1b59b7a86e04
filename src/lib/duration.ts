import {ParseError, quoteValue} from './errors.js'

/**
 * Durations for flags like `--wait-timeout 90s` and `--confirm-within 5m`: a number with an
 * optional unit, `ms`, `s`, `m`, `h` (also `sec`, `min`, `hour` and plurals), case-insensitive,
 * decimals allowed (`1.5m`). A bare number is seconds. Zero and negative durations are refused:
 * every memguard duration is a limit or a deadline, and a zero one is always a mistake.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1, msec: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
}

const DURATION_RE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$/

/** The longest duration memguard accepts (a week): anything longer is a typo. */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000

export interface ParsedDuration {
  ms: number
  /** True when the text had no unit (read as seconds). */
  bare: boolean
  text: string
}

/** Parse `90s`, `5m`, `1h`, `1.5m`, `500ms`, `30` (= 30 s). Throws ParseError (exit 2). */
export function parseDuration(text: string, options: {what?: string} = {}): ParsedDuration {
  const what = options.what ?? 'duration'
  const match = DURATION_RE.exec(text)
  if (!match) {
    if (/^\s*-/.test(text)) throw new ParseError(`${what} ${quoteValue(text)} is negative; give a positive duration like 90s, 5m or 1h`)
    throw new ParseError(`${what} ${quoteValue(text)} is not a duration; expected a number with an optional unit (ms, s, m, h; a bare number is seconds), e.g. 90s, 5m, 1h`)
  }
  const [, numberText = '', unitText = ''] = match
  const unit = unitText.toLowerCase()
  const factor = unit === '' ? 1000 : UNIT_MS[unit]
  if (factor === undefined) throw new ParseError(`${what} ${quoteValue(text)} has an unknown unit ${quoteValue(unitText)}; use ms, s, m or h`)
  const ms = Math.round(Number(numberText) * factor)
  if (ms <= 0) throw new ParseError(`${what} ${quoteValue(text)} is zero; give a positive duration like 90s, 5m or 1h`)
  if (ms > MAX_DURATION_MS) throw new ParseError(`${what} ${quoteValue(text)} is longer than a week; give a shorter duration`)
  return {ms, bare: unit === '', text}
}

/** Human form: `850 ms`, `1.4 s`, `90 s`, `5m 30s`, `1h 5m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`
  const totalSeconds = Math.round(ms / 1000)
  if (totalSeconds < 120) return `${totalSeconds} s`
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`
  return seconds > 0 ? `${minutes}m ${seconds}s` : `${minutes}m`
}
