import {ParseError, quoteValue} from '../lib/errors.js'

/** /proc/uptime: "12345.67 23456.78" (seconds since boot, idle seconds summed over CPUs). */
export const UPTIME_PATH = '/proc/uptime'

/** Seconds since boot (fractional). Throws a located ParseError on anything else. */
export function parseUptimeSeconds(text: string, file: string = UPTIME_PATH): number {
  const first = text.trim().split(/\s+/)[0] ?? ''
  if (!/^\d+(\.\d+)?$/.test(first)) {
    throw new ParseError(`${file} starts with ${quoteValue(first)}; expected seconds since boot like "1234.56"`, {file, line: 1, column: 1})
  }
  return Number(first)
}
