import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'

/**
 * /proc/swaps (mm/swapfile.c `swap_show()`):
 *
 *   Filename				Type		Size		Used		Priority
 *   /dev/xvda2                              partition	2097148		0		-2
 *
 * Size and Used are KiB. The file name is written with `seq_file_path(…, " \t\n\\")`, so spaces,
 * tabs, newlines and backslashes in it appear as octal escapes (`\040`). Fields are therefore split
 * from the right: the last four are type, size, used, priority.
 */

export const SWAPS_PATH = '/proc/swaps'

export const SwapDeviceSchema = z.object({
  filename: z.string(),
  type: z.string(),
  sizeKiB: z.int(),
  usedKiB: z.int(),
  priority: z.int(),
})
export type SwapDevice = z.infer<typeof SwapDeviceSchema>

export const SwapsSchema = z.object({
  devices: z.array(SwapDeviceSchema),
  totalKiB: z.int(),
  usedKiB: z.int(),
})
export type Swaps = z.infer<typeof SwapsSchema>

export function parseSwaps(text: string, file: string = SWAPS_PATH): Swaps {
  const devices: SwapDevice[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '')
    if (line.trim() === '') continue
    if (i === 0 && line.startsWith('Filename')) continue
    const parts = line.trim().split(/\s+/)
    if (parts.length < 5) {
      throw new ParseError(`not a /proc/swaps line: ${quoteValue(line)}; expected "Filename Type Size Used Priority"`, {file, line: i + 1, column: 1})
    }
    const [type, sizeText, usedText, prioText] = parts.slice(-4) as [string, string, string, string]
    const ints = [sizeText, usedText, prioText].map((t) => (/^-?\d+$/.test(t) ? Number(t) : Number.NaN))
    if (ints.some((n) => !Number.isSafeInteger(n))) {
      throw new ParseError(`bad number in /proc/swaps line ${quoteValue(line)}`, {file, line: i + 1, column: 1})
    }
    devices.push({
      filename: unescapeOctal(parts.slice(0, -4).join(' ')),
      type,
      sizeKiB: ints[0] as number,
      usedKiB: ints[1] as number,
      priority: ints[2] as number,
    })
  }
  return {
    devices,
    totalKiB: devices.reduce((s, d) => s + d.sizeKiB, 0),
    usedKiB: devices.reduce((s, d) => s + d.usedKiB, 0),
  }
}

function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}
