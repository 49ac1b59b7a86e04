import * as z from 'zod/mini'

/**
 * /proc/cmdline: the dom0 kernel's boot parameters (not Xen's: those are in `xl info`
 * xen_commandline). Split the way the kernel splits them (lib/cmdline.c `next_arg()`): on
 * whitespace, except inside double quotes, which may enclose a whole `"key=value"` or just the
 * value; the quotes are dropped. An unterminated quote runs to the end, as in the kernel.
 * Never throws: any text is a command line.
 */

export const CMDLINE_PATH = '/proc/cmdline'

export const CmdlineTokenSchema = z.object({
  /** The token as written, quotes included. */
  text: z.string(),
  key: z.string(),
  /** null for a bare flag (`ro`, `quiet`); '' for `key=`. */
  value: z.nullable(z.string()),
})
export type CmdlineToken = z.infer<typeof CmdlineTokenSchema>

export const KernelCmdlineSchema = z.object({
  text: z.string(),
  tokens: z.array(CmdlineTokenSchema),
})
export type KernelCmdline = z.infer<typeof KernelCmdlineSchema>

export function parseKernelCmdline(text: string): KernelCmdline {
  const tokens: CmdlineToken[] = []
  const src = text.replace(/\0/g, ' ')
  let i = 0
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r'
  while (i < src.length) {
    while (i < src.length && isSpace(src[i])) i++
    if (i >= src.length) break
    const start = i
    let inQuote = false
    let unquoted = ''
    while (i < src.length && (inQuote || !isSpace(src[i]))) {
      const c = src[i] as string
      if (c === '"') inQuote = !inQuote
      else unquoted += c
      i++
    }
    const raw = src.slice(start, i)
    const eq = unquoted.indexOf('=')
    tokens.push(eq === -1 ? {text: raw, key: unquoted, value: null} : {text: raw, key: unquoted.slice(0, eq), value: unquoted.slice(eq + 1)})
  }
  return {text: text.trim(), tokens}
}

/** The value of the last `key=` (the kernel's __setup handlers mostly let the last one win); undefined if absent; null for a bare flag. */
export function cmdlineValue(cmdline: KernelCmdline, key: string): string | null | undefined {
  for (let i = cmdline.tokens.length - 1; i >= 0; i--) {
    const t = cmdline.tokens[i] as CmdlineToken
    if (t.key === key) return t.value
  }
  return undefined
}

export function cmdlineHas(cmdline: KernelCmdline, key: string): boolean {
  return cmdline.tokens.some((t) => t.key === key)
}
