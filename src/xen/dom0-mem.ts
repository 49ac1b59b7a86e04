import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'
import {formatKiB, toXenCmdlineSize} from '../lib/size.js'
import {validateResult} from './parse-util.js'
import {toXenVersion, xenVersionAtLeast, type XenVersionLike} from './version.js'

/**
 * The `dom0_mem=` option of the Xen command line (x86): the one place memguard knows its grammar.
 * The config linter, `doctor` and the dom0-mem generator all use this module.
 *
 * Grammar (docs/misc/xen-command-line.pandoc §dom0_mem; xen/arch/x86/dom0_build.c):
 *   dom0_mem = List of ( min:<sz> | max:<sz> | <sz> ), comma-separated
 *   <sz>     = <size> | [<size>+]<frac>%          (`%` forms since Xen 4.12, commit 76a68b9020)
 *   <size>   = number with suffix T/G/M/K/B; **no suffix means KiB** (§"Size"); a leading `-`
 *              means "host memory minus this".
 * Numbers go through simple_strtoull(…, 0): a leading 0 is octal, 0x is hex.
 *
 * The parser changed in Xen 4.12, and memguard simulates both, because the same typo does
 * different damage:
 * - ≥ 4.12 parse_amt(): an item must start with a digit (after `-`), and only `,` `+` `%` or the
 *   end may follow a size, else -EINVAL. The bad item is not applied; items before it are.
 * - ≤ 4.11 parse_amt() is parse_size_and_unit(): garbage reads as 0 and is applied (0 means "no
 *   amount"), parsing stops at the first character that is not `,`, no `%`, and no `T` before
 *   4.5 (commit c80f54169e, "support 'tera' suffixes"): `1T` reads as 1 KiB.
 * Each `dom0_mem=` token is parsed in turn into the same three settings, so a later token
 * overrides only what it names (Qubes: `dom0_mem=min:1024M dom0_mem=max:4096M`).
 * On Arm (`arch: 'arm'`) dom0_mem is a single size that is also dom0's max_pages.
 *
 * Besides Xen's reading, this module knows xl's: autoballoon="auto" greps the command line with
 * its own regex (tools/xl/xl.c auto_autoballoon), which a malformed dom0_mem can slip past.
 */

export const DOM0_MEM_PROBLEM_CODES = [
  'absent',
  'malformed',
  'bare-kib',
  'percent-unsupported',
  'tera-unsupported',
  'radix',
  'no-max',
  'multiple-tokens',
  'shell-variable',
  'min-above-max',
  'amount-above-max',
  'too-small',
  'wrong-key',
] as const
export type Dom0MemProblemCode = (typeof DOM0_MEM_PROBLEM_CODES)[number]

export const Dom0MemProblemSchema = z.object({
  code: z.enum(DOM0_MEM_PROBLEM_CODES),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  /** 1-based column in the command line of the token or item at fault. */
  column: z.optional(z.int().check(z.positive())),
  /** The text at fault (a token, an item). */
  text: z.optional(z.string()),
})
export type Dom0MemProblem = z.infer<typeof Dom0MemProblemSchema>

/** One `<sz>`: mirrors Xen's `struct memsize`. */
export const Dom0MemSizeSchema = z.object({
  text: z.string(),
  /** `-…`: host memory minus this. */
  minus: z.boolean(),
  /** The `<size>` part, rounded down to whole 4 KiB pages as Xen does (0 with a bare `%`). */
  sizeKiB: z.int().check(z.nonnegative()),
  /** The `<frac>%` part, 0..99. */
  percent: z.int().check(z.nonnegative()),
  /** Built from a shell variable (`${DOM0_RAM}M`): its value is unknown. */
  symbolic: z.boolean(),
})
export type Dom0MemSize = z.infer<typeof Dom0MemSizeSchema>

export const Dom0MemTokenSchema = z.object({
  /** The whole token, `dom0_mem=1024M,max:1024M`. */
  text: z.string(),
  /** What follows `dom0_mem=` ('' when there is no `=`). */
  value: z.string(),
  /** 1-based column of the token in the command line. */
  column: z.int().check(z.positive()),
})
export type Dom0MemToken = z.infer<typeof Dom0MemTokenSchema>

export const Dom0MemJudgementSchema = z.object({
  present: z.boolean(),
  tokens: z.array(Dom0MemTokenSchema),
  /** Which Xen parser the values below follow: the caller's version, or ≥ 4.12 when unknown. */
  parser: z.enum(['xen-4.12+', 'xen-4.11-', 'arm']),
  amount: z.optional(Dom0MemSizeSchema),
  min: z.optional(Dom0MemSizeSchema),
  max: z.optional(Dom0MemSizeSchema),
  /** Resolved sizes: absolute ones always, host-relative ones only with hostMemoryKiB. */
  amountKiB: z.optional(z.int().check(z.nonnegative())),
  minKiB: z.optional(z.int().check(z.nonnegative())),
  maxKiB: z.optional(z.int().check(z.nonnegative())),
  /**
   * dom0's initial allocation after Xen's clamping (amount, or the default, raised to min and
   * cut to max and the host), when it can be known. hostMemoryKiB stands in for Xen's "avail",
   * which is a little smaller, so this is an estimate.
   */
  initialKiB: z.optional(z.int().check(z.nonnegative())),
  /** dom0 starts at its max: it can never balloon up (the documented cure, `X,max:X`). */
  fixed: z.boolean(),
  /** Whether xl's `autoballoon="auto"` regex sees a dom0_mem (tools/xl/xl.c:auto_autoballoon). */
  xlAutoballoonSeesIt: z.boolean(),
  problems: z.array(Dom0MemProblemSchema),
})
export type Dom0MemJudgement = z.infer<typeof Dom0MemJudgementSchema>

export interface JudgeOptions {
  /** The Xen version the command line boots (xl info xen_version, `Xen version` in dmesg). */
  xenVersion?: XenVersionLike
  /**
   * x86 (default) or Arm. On Arm dom0_mem is one `<size>` and also dom0's max_pages
   * (xen/arch/arm/domain_build.c), so there is no min:, max: or `%`, and no balloon-up to fear.
   */
  arch?: 'x86' | 'arm'
  /** Host memory (xl info total_memory × 1024): resolves `-…` and `%` sizes. */
  hostMemoryKiB?: number
}

const PAGE_KIB = 4
/** libxl refuses dom0 targets below this (LIBXL_MIN_DOM0_MEM, tools/libs/light/libxl_internal.h). */
export const LIBXL_MIN_DOM0_MEM_KIB = 128 * 1024
/** With no amount, Xen keeps back 1/16 of memory, at most 128 MiB (dom0_build.c:default_nr_pages). */
const DEFAULT_RESERVE_CAP_KIB = 128 * 1024

// ---- tokens -------------------------------------------------------------------------------------

interface RawToken {
  text: string
  start: number
}

function splitCommandLine(cmdline: string): RawToken[] {
  // Xen splits on spaces (xen/common/kernel.c:parse_params); a bootloader config may have tabs.
  return [...cmdline.matchAll(/[^\s]+/g)].map((m) => ({text: m[0], start: m.index}))
}

/** Every `dom0_mem` token of a command line, in order. Xen matches the key exactly. */
export function findDom0MemTokens(cmdline: string): Dom0MemToken[] {
  return splitCommandLine(cmdline)
    .filter((t) => t.text === 'dom0_mem' || t.text.startsWith('dom0_mem='))
    .map((t) => ({text: t.text, value: t.text.startsWith('dom0_mem=') ? t.text.slice('dom0_mem='.length) : '', column: t.start + 1}))
}

/** Tokens that look meant as dom0_mem but that Xen does not recognise (`dom0-mem=`, `DOM0_MEM=`). */
function findWrongKeys(cmdline: string): RawToken[] {
  return splitCommandLine(cmdline).filter((t) => {
    const key = t.text.split('=')[0] as string
    return key !== 'dom0_mem' && /^dom0[-_]?mem(ory)?$/i.test(key)
  })
}

// ---- Xen's number parsing, simulated --------------------------------------------------------------

const U64 = (value: bigint) => BigInt.asUintN(64, value)
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'
const isXDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c)

/** xen/lib/strtoull.c simple_strtoull(s, &end, 0). */
function simpleStrtoull(s: string, at: number): {value: bigint; end: number; base: number} {
  let i = at
  let base = 10
  if (s[i] === '0') {
    base = 8
    i++
    if ((s[i] === 'x' || s[i] === 'X') && isXDigit(s[i + 1])) {
      i++
      base = 16
    }
  }
  let value = 0n
  for (;;) {
    const c = s[i]
    if (!isXDigit(c)) break
    const digit = isDigit(c) ? Number(c) : (c as string).toUpperCase().charCodeAt(0) - 55
    if (digit >= base) break
    value = U64(value * BigInt(base) + BigInt(digit))
    i++
  }
  return {value, end: i, base}
}

/** xen/lib/parse-size.c parse_size_and_unit(), for a given Xen generation. Returns bytes. */
function parseSizeAndUnit(s: string, at: number, generation: Generation): {bytes: bigint; end: number; digitsEnd: number; base: number} {
  const number = simpleStrtoull(s, at)
  let bytes = number.value
  let end = number.end
  const c = s[end]
  const shift = (() => {
    switch (c) {
      case 'T':
      case 't':
        return generation.tera ? 40n : undefined
      case 'G':
      case 'g':
        return 30n
      case 'M':
      case 'm':
        return 20n
      case 'K':
      case 'k':
        return 10n
      case 'B':
      case 'b':
        return 0n
      default:
        return undefined
    }
  })()
  if (shift !== undefined) {
    bytes = U64(bytes << shift)
    end++
  } else if (!(c === '%' && generation.percent)) {
    bytes = U64(bytes << 10n) // "default to kB"
  }
  return {bytes, end, digitsEnd: number.end, base: number.base}
}

interface Generation {
  /** ≥ 4.12 strict parse_amt with `%` and `+`. */
  strict: boolean
  percent: boolean
  /** `T` suffix: ≥ 4.5. */
  tera: boolean
}

const MODERN: Generation = {strict: true, percent: true, tera: true}

function generationFor(version: XenVersionLike | undefined): Generation {
  if (toXenVersion(version) === undefined || xenVersionAtLeast(version, 4, 12)) return MODERN
  return {strict: false, percent: false, tera: xenVersionAtLeast(version, 4, 5)}
}

type Field = 'amount' | 'min' | 'max'

interface SimItem {
  field: Field
  /** The item text including any `min:`/`max:` prefix. */
  text: string
  /** Offset of the item in the value. */
  start: number
  size?: Dom0MemSize
  applied: boolean
  /** Xen ≤ 4.11 read text that is not a number as 0 (parse_size_and_unit consumed nothing). */
  garbage: boolean
}

interface Simulation {
  items: SimItem[]
  /** Where parsing stopped on an error, and why. */
  error?: {at: number; reason: string}
}

function bytesToSize(text: string, bytes: bigint, minus: boolean, percent: number): Dom0MemSize {
  const pages = bytes >> 12n // PAGE_SHIFT: Xen keeps whole pages
  const kib = pages * BigInt(PAGE_KIB)
  const sizeKiB = kib > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(kib)
  return {text, minus, sizeKiB, percent, symbolic: false}
}

/** Run Xen's parse_dom0_mem() over one token's value. */
function simulate(value: string, generation: Generation): Simulation {
  const items: SimItem[] = []
  let s = 0
  for (;;) {
    const itemStart = s
    let field: Field = 'amount'
    if (value.startsWith('min:', s)) field = 'min'
    else if (value.startsWith('max:', s)) field = 'max'
    if (field !== 'amount') s += 4
    const sizeStart = s
    const parsed = generation.strict ? parseAmtStrict(value, s) : parseAmtLegacy(value, s, generation)
    const rawItem = value.slice(itemStart, findItemEnd(value, itemStart))
    if (!parsed.ok) {
      items.push({field, text: rawItem, start: itemStart, applied: false, garbage: false})
      return {items, error: {at: parsed.at, reason: parsed.reason}}
    }
    const garbage = parsed.noDigits === true
    const size = garbage ? {...parsed.size, text: rawItem.slice(sizeStart - itemStart)} : parsed.size
    const item: SimItem = {field, text: garbage ? rawItem : value.slice(itemStart, parsed.end), start: itemStart, size, applied: true, garbage}
    items.push(item)
    s = parsed.end
    if (value[s] === ',') {
      s++
      continue
    }
    if (s < value.length) return {items, error: {at: garbage ? Math.min(itemStart + rawItem.length + 1, value.length) : s, reason: unexpectedAfter(value, s, item.text)}}
    return {items}
  }
}

function findItemEnd(value: string, from: number): number {
  const comma = value.indexOf(',', from)
  return comma < 0 ? value.length : comma
}

type AmtResult = {ok: true; size: Dom0MemSize; end: number; noDigits?: boolean} | {ok: false; at: number; reason: string}

/** dom0_build.c parse_amt() since 4.12. */
function parseAmtStrict(value: string, start: number): AmtResult {
  let s = start
  const minus = value[s] === '-'
  if (minus) s++
  let items = 0
  let bytes = 0n
  let percent = 0
  let plus: boolean
  do {
    if (!isDigit(value[s])) return {ok: false, at: s, reason: notASize(value, start, s)}
    const parsed = parseSizeAndUnit(value, s, MODERN)
    s = parsed.end
    if (value[s] === '%') {
      if (parsed.bytes >= 100n) return {ok: false, at: s, reason: `a percentage must be below 100%, not ${value.slice(start, s + 1)}`}
      percent = Number(parsed.bytes)
      s++
      items++ // No other item allowed after a percentage.
    } else {
      if (items) return {ok: false, at: parsed.end, reason: 'only `<size>+<frac>%` may follow a `+`'}
      bytes = parsed.bytes
    }
    items++
    plus = value[s] === '+'
    s++
  } while (plus && items < 2)
  s--
  if (s < value.length && value[s] !== ',') return {ok: false, at: s, reason: unexpectedAfter(value, s, value.slice(start, s))}
  return {ok: true, size: bytesToSize(value.slice(start, s), bytes, minus, percent), end: s}
}

/** dom0_build.c / domain_build.c parse_amt() up to 4.11: parse_size_and_unit and nothing more. */
function parseAmtLegacy(value: string, start: number, generation: Generation): AmtResult {
  const minus = value[start] === '-'
  const digitsFrom = minus ? start + 1 : start
  const parsed = parseSizeAndUnit(value, digitsFrom, generation)
  // No digits: Xen reads 0 (and may still eat a unit letter: `max=1G` reads as 0M).
  const noDigits = parsed.digitsEnd === digitsFrom
  return {ok: true, size: bytesToSize(value.slice(start, parsed.end), parsed.bytes, minus, 0), end: parsed.end, noDigits}
}

function notASize(value: string, itemStart: number, at: number): string {
  const item = value.slice(itemStart, findItemEnd(value, itemStart))
  if (value === '') return 'dom0_mem has no value'
  if (item === '' && at >= value.length && value.endsWith(',')) return 'a trailing comma starts an empty item'
  if (item === '') return 'an empty item (two commas in a row, or a comma at the start)'
  if (/^(max|min)=/.test(item)) return `${quoteValue(item)} uses "=": write ${item.replace('=', ':')}`
  if (item.includes('=')) return `${quoteValue(item)} is another Xen option joined on with a comma; Xen options are separated by spaces`
  return `${quoteValue(item)} is not a size`
}

function unexpectedAfter(value: string, at: number, sizeText: string): string {
  const rest = value.slice(at)
  if (/^:(max|min)[=:]/.test(rest)) {
    const fixed = `${value.slice(0, at)},${rest.slice(1).replace('=', ':')}`
    return `${quoteValue(rest)} after ${sizeText} is not dom0_mem syntax (the wrong form in Debian's xen.cfg comment); write ${fixed}`
  }
  if (/^[bB]/.test(rest) || /^i[bB]/.test(rest)) return `Xen takes a one-letter unit (T, G, M, K, B): write ${sizeText} instead of ${sizeText}${rest.match(/^\w+/)?.[0] ?? ''}`
  if (rest.startsWith('.')) return 'Xen takes no fractions: give a whole number with a smaller unit (1536M, not 1.5G)'
  if (rest.startsWith('%')) return `${quoteValue(`${sizeText}%`)}: this Xen has no percentages`
  if (/^[tT]/.test(rest)) return `this Xen has no T suffix: ${sizeText} is read as ${sizeText} KiB`
  return `${quoteValue(rest)} cannot follow ${quoteValue(sizeText)}: only "," may`
}

// ---- symbolic values (shell variables in bootloader configs) -----------------------------------

const SHELL_RE = /\$|`/

function symbolicSetting(value: string): SimItem[] {
  let offset = 0
  return value.split(',').map((text) => {
    const start = offset
    offset += text.length + 1
    const field: Field = text.startsWith('min:') ? 'min' : text.startsWith('max:') ? 'max' : 'amount'
    const sizeText = field === 'amount' ? text : text.slice(4)
    return {field, text, start, applied: true, garbage: false, size: {text: sizeText, minus: sizeText.startsWith('-'), sizeKiB: 0, percent: 0, symbolic: true}}
  })
}

// ---- resolving ------------------------------------------------------------------------------------

/** A size in KiB: absolute sizes always, host-relative ones (`-`, `%`) only with the host's memory. */
export function resolveDom0MemSize(size: Dom0MemSize, hostMemoryKiB?: number): number | undefined {
  if (size.symbolic) return undefined
  if (!size.minus && size.percent === 0) return size.sizeKiB
  if (hostMemoryKiB === undefined) return undefined
  const kib = Math.min(size.sizeKiB + Math.floor((size.percent * hostMemoryKiB) / 100), Number.MAX_SAFE_INTEGER)
  return size.minus ? Math.max(hostMemoryKiB - kib, 0) : kib
}

// ---- judging ----------------------------------------------------------------------------------------

interface Setting {
  amount?: Dom0MemSize
  min?: Dom0MemSize
  max?: Dom0MemSize
}

function applyItems(setting: Setting, items: readonly SimItem[]): void {
  for (const item of items) if (item.applied && item.size) setting[item.field] = item.size
}

function describeSetting(setting: Setting): string {
  const parts: string[] = []
  if (setting.amount) parts.push(setting.amount.text)
  if (setting.min) parts.push(`min:${setting.min.text}`)
  if (setting.max) parts.push(`max:${setting.max.text}`)
  return parts.length === 0 ? 'nothing' : parts.join(',')
}

/** What one generation of Xen does with one token, in words. */
function describeOutcome(label: string, value: string, simulation: Simulation): string {
  const applied = simulation.items.filter((item) => item.applied)
  const setting: Setting = {}
  applyItems(setting, applied)
  let sentence: string
  if (applied.length === 0) sentence = `${label} rejects it, so none of it applies`
  else {
    const list = applied
      .map((item) => {
        if (!item.garbage) return item.text
        return item.text === '' ? 'an empty item (read as 0)' : `${quoteValue(item.text)} (read as 0)`
      })
      .join(', ')
    const ignored = simulation.error ? value.slice(simulation.error.at) : ''
    sentence = `${label} applies ${list}${ignored ? ` and ignores ${quoteValue(ignored)}` : ''}`
  }
  const amount = setting.amount
  const amountIsDefault = !amount || (!amount.symbolic && !amount.minus && amount.sizeKiB === 0 && amount.percent === 0)
  const consequences: string[] = []
  if (amountIsDefault) consequences.push('dom0 gets the default, all host memory minus 1/16 (at most 128 MiB)')
  if (!setting.max) consequences.push('there is no max:, so dom0 can balloon up without limit')
  return `${sentence}${consequences.length > 0 ? `: ${consequences.join(', and ')}` : ''}.`
}

/**
 * Judge the dom0_mem settings of a Xen command line: what Xen will do with them, and every way
 * they differ from the safe form `dom0_mem=X,max:X`.
 */
export function judgeDom0Mem(cmdline: string, options: JudgeOptions = {}): Dom0MemJudgement {
  const {xenVersion, hostMemoryKiB} = options
  if (hostMemoryKiB !== undefined && (!Number.isSafeInteger(hostMemoryKiB) || hostMemoryKiB < 0)) {
    throw new ParseError(`host memory must be a whole, non-negative number of KiB, not ${hostMemoryKiB}`)
  }
  if (options.arch === 'arm') return judgeArm(cmdline, options)
  const versionKnown = toXenVersion(xenVersion) !== undefined
  const generation = generationFor(xenVersion)
  const legacy: Generation = {strict: false, percent: false, tera: xenVersionAtLeast(xenVersion, 4, 5)}
  const tokens = findDom0MemTokens(cmdline)
  const problems: Dom0MemProblem[] = []
  const effective: Setting = {}
  const fieldsSetBy = new Map<Field, number>()
  let overridden = false

  for (const wrong of findWrongKeys(cmdline)) {
    problems.push({
      code: 'wrong-key',
      severity: 'error',
      message: `${quoteValue(wrong.text)} is not dom0_mem: Xen matches option names exactly and ignores this one ("parameter unknown"); write dom0_mem=`,
      column: wrong.start + 1,
      text: wrong.text,
    })
  }

  tokens.forEach((token, tokenIndex) => {
    const valueColumn = token.column + (token.text.length - token.value.length)
    let items: SimItem[]
    if (SHELL_RE.test(token.value)) {
      problems.push({
        code: 'shell-variable',
        severity: 'warning',
        message: `${quoteValue(token.text)} is built from a shell variable: its size is whatever the variable holds when the bootloader config is generated, so it cannot be checked here. Check the generated config (grub.cfg) or the running Xen's command line instead.`,
        column: token.column,
        text: token.text,
      })
      items = symbolicSetting(token.value)
    } else {
      const chosen = simulate(token.value, generation)
      items = chosen.items
      problems.push(...itemProblems(token, valueColumn, generation, versionKnown))
      const modern = generation.strict ? chosen : simulate(token.value, MODERN)
      const old = generation.strict ? simulate(token.value, legacy) : chosen
      const malformed = malformedProblem(token, valueColumn, modern, old, versionKnown, generation)
      if (malformed) problems.push(malformed)
    }
    for (const item of items) {
      if (!item.applied) continue
      const earlier = fieldsSetBy.get(item.field)
      if (earlier !== undefined && earlier !== tokenIndex) overridden = true
      fieldsSetBy.set(item.field, tokenIndex)
    }
    applyItems(effective, items)
  })

  if (tokens.length === 0) {
    problems.push({
      code: 'absent',
      severity: 'warning',
      message:
        'No dom0_mem on the Xen command line: dom0 starts with all host memory minus 1/16 (at most 128 MiB) and must balloon down for every guest. Set dom0_mem=X,max:X and turn autoballooning off (docs/misc/xen-command-line.pandoc; Xen Project Best Practices).',
    })
  }
  if (tokens.length > 1) {
    problems.push({
      code: 'multiple-tokens',
      severity: overridden ? 'warning' : 'info',
      message: `${tokens.length} dom0_mem options: Xen applies them in turn and a later one overrides only what it names${overridden ? ' (here a later one overrides an earlier one)' : ''}. Together: dom0_mem=${describeSetting(effective)}. One option is easier to read and to change.`,
      column: (tokens[1] as Dom0MemToken).column,
      text: (tokens[1] as Dom0MemToken).text,
    })
  }

  const amountKiB = effective.amount ? resolveDom0MemSize(effective.amount, hostMemoryKiB) : undefined
  const minKiB = effective.min ? resolveDom0MemSize(effective.min, hostMemoryKiB) : undefined
  const maxKiB = effective.max ? resolveDom0MemSize(effective.max, hostMemoryKiB) : undefined

  // dom0_compute_nr_pages(): amount (0 = default), raised to min, cut to max and to what exists.
  let initialKiB: number | undefined
  const amountIsDefault = !effective.amount || (amountKiB === 0 && !effective.amount.minus)
  let base: number | undefined = amountIsDefault
    ? hostMemoryKiB === undefined
      ? undefined
      : hostMemoryKiB - Math.min(Math.floor(hostMemoryKiB / 16), DEFAULT_RESERVE_CAP_KIB)
    : amountKiB
  if (base === undefined && minKiB !== undefined && maxKiB !== undefined && minKiB >= maxKiB) base = maxKiB
  if (base !== undefined) {
    let value = base
    if (minKiB !== undefined) value = Math.max(value, minKiB)
    if (maxKiB !== undefined) value = Math.min(value, maxKiB)
    if (hostMemoryKiB !== undefined) value = Math.min(value, hostMemoryKiB)
    initialKiB = value
  }

  const sameSymbol = (a?: Dom0MemSize, b?: Dom0MemSize) => a?.symbolic === true && b?.symbolic === true && a.text === b.text
  const fixed =
    (initialKiB !== undefined && maxKiB !== undefined && initialKiB === maxKiB) ||
    sameSymbol(effective.amount, effective.max) ||
    (!effective.amount && sameSymbol(effective.min, effective.max))

  if (tokens.length > 0 && !effective.max) {
    // Only echo an amount that is already well formed; a bare or odd one would repeat the mistake.
    const amountText = effective.amount && !amountIsDefault && /^-?[1-9]\d*[tTgGmMkK]$/.test(effective.amount.text) ? effective.amount.text : '<size>'
    problems.push({
      code: 'no-max',
      severity: 'warning',
      message: `dom0_mem has no max:, so dom0's maximum reservation is unlimited: ballooning (xl mem-set, autoballoon) can grow it into all free host memory. Write dom0_mem=${amountText},max:${amountText} to pin it.`,
      column: (tokens[0] as Dom0MemToken).column,
      text: (tokens[0] as Dom0MemToken).text,
    })
  }
  if (minKiB !== undefined && maxKiB !== undefined && minKiB > maxKiB) {
    problems.push({
      code: 'min-above-max',
      severity: 'warning',
      message: `min:${effective.min?.text} is above max:${effective.max?.text}; Xen ignores min: when it is greater than max: (dom0_build.c).`,
    })
  }
  if (amountKiB !== undefined && maxKiB !== undefined && amountKiB > maxKiB && !amountIsDefault) {
    problems.push({
      code: 'amount-above-max',
      severity: 'info',
      message: `The amount ${effective.amount?.text} is above max:${effective.max?.text}; Xen cuts it to ${formatKiB(maxKiB)}.`,
    })
  }
  const smallest = [initialKiB ?? (amountIsDefault ? undefined : amountKiB), maxKiB].filter((v): v is number => v !== undefined)
  const tooSmall = smallest.length > 0 ? Math.min(...smallest) : undefined
  if (tooSmall !== undefined && tooSmall < LIBXL_MIN_DOM0_MEM_KIB) {
    problems.push({
      code: 'too-small',
      severity: 'error',
      message: `dom0 would get at most ${formatKiB(tooSmall)}: below 128 MiB, the least libxl accepts for dom0 (LIBXL_MIN_DOM0_MEM), and far below what a dom0 kernel needs to boot its services.`,
    })
  }

  return validateResult(Dom0MemJudgementSchema, {
    present: tokens.length > 0,
    tokens,
    parser: generation.strict ? 'xen-4.12+' : 'xen-4.11-',
    amount: effective.amount,
    min: effective.min,
    max: effective.max,
    amountKiB,
    minKiB,
    maxKiB,
    initialKiB,
    fixed,
    xlAutoballoonSeesIt: xlAutoballoonSeesDom0Mem(cmdline),
    problems,
  }, {}, 'dom0_mem')
}

/** Arm: `dom0_mem = parse_size_and_unit(s, &s); return *s ? -EINVAL : 0;`, the last token wins. */
function judgeArm(cmdline: string, options: JudgeOptions): Dom0MemJudgement {
  const generation: Generation = {strict: false, percent: false, tera: toXenVersion(options.xenVersion) === undefined || xenVersionAtLeast(options.xenVersion, 4, 5)}
  const tokens = findDom0MemTokens(cmdline)
  const problems: Dom0MemProblem[] = []
  let amount: Dom0MemSize | undefined
  for (const token of tokens) {
    const valueColumn = token.column + (token.text.length - token.value.length)
    if (SHELL_RE.test(token.value)) {
      problems.push({code: 'shell-variable', severity: 'warning', message: `${quoteValue(token.text)} is built from a shell variable: its size cannot be checked here.`, column: token.column, text: token.text})
      amount = {text: token.value, minus: false, sizeKiB: 0, percent: 0, symbolic: true}
      continue
    }
    const parsed = parseSizeAndUnit(token.value, 0, generation)
    amount = bytesToSize(token.value.slice(0, parsed.end), parsed.bytes, false, 0)
    problems.push(...itemProblems({...token, value: token.value.slice(0, parsed.end)}, valueColumn, generation, true))
    if (parsed.end < token.value.length) {
      problems.push({
        code: 'malformed',
        severity: 'error',
        message: `${quoteValue(token.text)} is malformed: on Arm dom0_mem is a single size (no min:, max: or percentages), so Xen uses ${quoteValue(amount.text)} and ignores ${quoteValue(token.value.slice(parsed.end))}.`,
        column: valueColumn + parsed.end,
        text: token.text,
      })
    }
  }
  if (tokens.length === 0) {
    problems.push({code: 'absent', severity: 'warning', message: 'No dom0_mem on the Xen command line: on Arm Xen warns "PLEASE SPECIFY dom0_mem PARAMETER" and gives dom0 512 MiB (or CONFIG_DOM0_MEM).'})
  }
  if (tokens.length > 1) {
    problems.push({code: 'multiple-tokens', severity: 'warning', message: `${tokens.length} dom0_mem options: on Arm the last one wins.`, column: (tokens[1] as Dom0MemToken).column, text: (tokens[1] as Dom0MemToken).text})
  }
  const amountKiB = amount && !amount.symbolic ? amount.sizeKiB : undefined
  if (amountKiB !== undefined && amountKiB > 0 && amountKiB < LIBXL_MIN_DOM0_MEM_KIB) {
    problems.push({code: 'too-small', severity: 'error', message: `dom0 would get ${formatKiB(amountKiB)}: below 128 MiB, the least libxl accepts for dom0 (LIBXL_MIN_DOM0_MEM).`})
  }
  const known = amountKiB !== undefined && amountKiB > 0
  return validateResult(
    Dom0MemJudgementSchema,
    {
      present: tokens.length > 0,
      tokens,
      parser: 'arm',
      amount,
      max: amount,
      amountKiB: known ? amountKiB : undefined,
      maxKiB: known ? amountKiB : undefined,
      initialKiB: known ? amountKiB : undefined,
      // max_pages is the allocation itself on Arm.
      fixed: known || amount?.symbolic === true,
      xlAutoballoonSeesIt: xlAutoballoonSeesDom0Mem(cmdline),
      problems,
    },
    {},
    'dom0_mem',
  )
}

/** Problems visible item by item: bare KiB numbers, `%` and `T` on old Xen, octal and hex. */
function itemProblems(token: Dom0MemToken, valueColumn: number, generation: Generation, versionKnown: boolean): Dom0MemProblem[] {
  const problems: Dom0MemProblem[] = []
  let offset = 0
  for (const itemText of token.value.split(',')) {
    const column = valueColumn + offset
    offset += itemText.length + 1
    const sizeText = itemText.replace(/^(min|max):/, '')
    const bare = /^-?([1-9]\d*)$/.exec(sizeText)
    if (bare) {
      const kib = Number(bare[1])
      problems.push({
        code: 'bare-kib',
        severity: kib < LIBXL_MIN_DOM0_MEM_KIB ? 'error' : 'warning',
        message: `${quoteValue(itemText)} has no unit: on the Xen command line a bare number is KiB (xen-command-line.pandoc §Size), so this is ${formatKiB(kib)}${kib < LIBXL_MIN_DOM0_MEM_KIB ? `, not ${bare[1]} MiB` : ''}. Always write the unit: ${itemText.replace(bare[1] as string, toXenCmdlineSize(kib))}.`,
        column,
        text: itemText,
      })
    }
    if (/^-?0[0-7]/.test(sizeText) || /^-?0[xX][0-9a-fA-F]/.test(sizeText)) {
      problems.push({
        code: 'radix',
        severity: 'warning',
        message: `${quoteValue(itemText)} starts with 0: Xen reads numbers with simple_strtoull(…, 0), so a leading 0 means octal and 0x hexadecimal${/^-?0[xX][0-9a-fA-F]*[bB]$/.test(sizeText) ? ' (and there a final B is a hex digit, not the byte unit)' : ''}. Write a plain decimal number with a unit.`,
        column,
        text: itemText,
      })
    }
    if (sizeText.includes('%') && !generation.percent) {
      const before = sizeText.replace(/^-/, '').split(/[+%]/)[0] as string
      problems.push({
        code: 'percent-unsupported',
        severity: 'error',
        message: `${quoteValue(itemText)}: percentages need Xen 4.12 or later. This Xen reads ${quoteValue(before)} as a plain size (without a unit, KiB), stops at the ${sizeText.includes('+') ? '"+"' : '"%"'} and ignores the rest of dom0_mem=.`,
        column,
        text: itemText,
      })
    } else if (sizeText.includes('%') && !versionKnown) {
      problems.push({
        code: 'percent-unsupported',
        severity: 'warning',
        message: `${quoteValue(itemText)}: percentages need Xen 4.12 or later; Xen 4.11 and older read what comes before the "+" or "%" as a plain size (without a unit, KiB) and ignore the rest of dom0_mem=. Use a fixed size if this config may boot an older Xen.`,
        column,
        text: itemText,
      })
    }
    if (/\d[tT](?=$|[+,%])/.test(sizeText)) {
      if (!generation.tera) {
        problems.push({
          code: 'tera-unsupported',
          severity: 'error',
          message: `${quoteValue(itemText)}: the T suffix needs Xen 4.5 or later (commit c80f54169e). This Xen reads 1T as 1 KiB (less than a page, so no amount) and ignores the rest of dom0_mem=. Write the size in G.`,
          column,
          text: itemText,
        })
      } else if (!versionKnown) {
        problems.push({
          code: 'tera-unsupported',
          severity: 'info',
          message: `${quoteValue(itemText)}: the T suffix needs Xen 4.5 or later; Xen 4.4 and older read 1T as 1 KiB. Write the size in G if this config may boot an older Xen.`,
          column,
          text: itemText,
        })
      }
    }
  }
  return problems
}

/**
 * A token the ≥ 4.12 grammar rejects, with what each Xen generation then does. (`%` and `T` that
 * only an old Xen rejects have their own codes.)
 */
function malformedProblem(
  token: Dom0MemToken,
  valueColumn: number,
  modern: Simulation,
  old: Simulation,
  versionKnown: boolean,
  generation: Generation,
): Dom0MemProblem | undefined {
  const error = modern.error
  if (!error) return undefined
  const consequence = !versionKnown
    ? `${describeOutcome('Xen 4.12 and later', token.value, modern)} ${describeOutcome('Xen 4.11 and older', token.value, old)}`
    : generation.strict
      ? describeOutcome('This Xen (4.12 or later)', token.value, modern)
      : describeOutcome('This Xen (4.11 or older)', token.value, old)
  return {
    code: 'malformed',
    severity: 'error',
    message: `${quoteValue(token.text)} is malformed: ${error.reason}. ${consequence}`,
    column: valueColumn + Math.min(error.at, token.value.length),
    text: token.text,
  }
}

// ---- xl autoballoon, rendering ------------------------------------------------------------------

/**
 * xl's autoballoon="auto" test (tools/xl/xl.c auto_autoballoon), a POSIX regex over the command
 * line:
 *   (^| )dom0_mem=((|min:|max:)(SIZE|(SIZE\+)?[0-9]{1,2}%),?)+($| )   SIZE = -?[0-9]+[bBkKmMgGtT]?
 * Run as a JavaScript RegExp it backtracks exponentially on a long run of digits, so this walks
 * the same language forwards once, marking where an item can end (linear time).
 */
export function xlAutoballoonSeesDom0Mem(cmdline: string): boolean {
  const key = 'dom0_mem='
  const n = cmdline.length
  // runEnd[i]: the end of the run of digits starting at i (i itself when s[i] is no digit).
  const runEnd = new Int32Array(n + 1)
  runEnd[n] = n
  for (let i = n - 1; i >= 0; i--) runEnd[i] = isDigit(cmdline[i]) ? (runEnd[i + 1] as number) : i
  for (let at = cmdline.indexOf(key); at >= 0; at = cmdline.indexOf(key, at + 1)) {
    if (at > 0 && cmdline[at - 1] !== ' ') continue
    if (xlItemsReachEnd(cmdline, at + key.length, runEnd)) return true
  }
  return false
}

function xlItemsReachEnd(s: string, start: number, runEnd: Int32Array): boolean {
  const n = s.length
  const reached = new Uint8Array(n + 3) // an item can end here
  const rangeStarts = new Int32Array(n + 3) // difference array for "every t in (a, b]" marks
  const mark = (e: number, comma = true) => {
    if (e <= n) reached[e] = 1
    if (comma && s[e] === ',') reached[e + 1] = 1
  }
  let open = 0
  for (let i = start; i <= n; i++) {
    open += rangeStarts[i] as number
    if (open > 0) reached[i] = 1
    if (reached[i] && (i === n || s[i] === ' ')) return true
    if (i !== start && !reached[i]) continue
    const starts = s.startsWith('min:', i) || s.startsWith('max:', i) ? [i, i + 4] : [i]
    for (const q of starts) {
      const digits = s[q] === '-' ? q + 1 : q
      const k = runEnd[digits] ?? digits
      const percentStarts = [q]
      if (k > digits) {
        // SIZE may take any number of the digits: mark (digits, k]; only k can meet a comma.
        rangeStarts[digits + 1] = (rangeStarts[digits + 1] as number) + 1
        rangeStarts[k + 1] = (rangeStarts[k + 1] as number) - 1
        mark(k)
        let sizeEnd = k
        if (/^[bBkKmMgGtT]$/.test(s[k] ?? '')) {
          mark(k + 1)
          sizeEnd = k + 1
        }
        if (s[k] === '+') percentStarts.push(k + 1)
        if (sizeEnd === k + 1 && s[k + 1] === '+') percentStarts.push(k + 2)
      }
      for (const p of percentStarts) {
        if (!isDigit(s[p])) continue
        if (s[p + 1] === '%') mark(p + 2)
        if (isDigit(s[p + 1]) && s[p + 2] === '%') mark(p + 3)
      }
    }
  }
  return false
}

export interface RenderOptions {
  /**
   * x86 (default): `dom0_mem=X,max:X`. Arm: `dom0_mem=X` – there dom0_mem is one size, which is
   * also dom0's max_pages, and Xen rejects `,max:` (xen/arch/arm/domain_build.c: anything after
   * the size is -EINVAL).
   */
  arch?: 'x86' | 'arm'
}

/** The safe form memguard writes: `dom0_mem=1536M,max:1536M` (always with a unit). */
export function renderDom0Mem(kib: number, options: RenderOptions = {}): string {
  if (!Number.isSafeInteger(kib) || kib <= 0) throw new ParseError(`dom0 memory must be a positive whole number of KiB, not ${kib}`)
  const size = toXenCmdlineSize(kib)
  return options.arch === 'arm' ? `dom0_mem=${size}` : `dom0_mem=${size},max:${size}`
}

export interface Dom0MemRewrite {
  /** The new command line. */
  text: string
  /** The dom0_mem tokens that were there (replaced by the first, or dropped), in order. */
  replaced: string[]
  /**
   * Other Xen options that had been joined onto a dom0_mem token with commas
   * (`dom0_mem=1024M,cpufreq=xen,dom0_vcpus_pin`: Xen lost them either way, §1.1). They are
   * written back as options of their own after the new token.
   */
  salvaged: string[]
  /** No dom0_mem was there: the rendered one was appended. */
  appended: boolean
}

/**
 * Items of a dom0_mem value that are really other Xen options joined on with a comma: `key=value`
 * (but not the `max=`/`min=` typos of dom0_mem's own `max:`/`min:`), or a bare word of 4+
 * characters with an underscore or a hyphen (`dom0_vcpus_pin`, `no-real-mode`). A size never
 * qualifies (it starts with a digit or `-`), nor does anything built from a shell variable.
 */
function joinedOptions(value: string): string[] {
  return value.split(',').filter((item) => {
    if (item === '' || SHELL_RE.test(item) || /^[-\d]/.test(item) || /^(min|max)[:=]/.test(item)) return false
    if (/^[A-Za-z][\w.-]*=\S/.test(item)) return true
    return /^[A-Za-z][\w-]{3,}$/.test(item) && /[_-]/.test(item)
  })
}

/**
 * The one rule for editing dom0_mem on a command line (every bootloader editor uses it):
 * - every dom0_mem token – well formed, malformed (`dom0_mem=7680M:max=7680M`), bare KiB
 *   (`dom0_mem=1048576`), split in two (`dom0_mem=min:… dom0_mem=max:…`), shell-built, or a bare
 *   `dom0_mem` – is replaced: the first one by the rendered `dom0_mem=X,max:X`, the others removed
 *   with the blanks in front of them. There is never a second dom0_mem afterwards;
 * - other options joined onto a dom0_mem token with commas come back as options of their own,
 *   right after it (unless the line already has them);
 * - with no dom0_mem, the rendered one is appended after the last option, one space apart
 *   (trailing blanks of the line are kept after it);
 * - every other byte stays as it was. Tokens Xen does not read as dom0_mem (`dom0-mem=`,
 *   `DOM0_MEM=`) are left alone: they are not dom0_mem to Xen, so they are not memguard's to drop.
 */
export function rewriteDom0MemDetailed(cmdline: string, kib: number | null, options: RenderOptions = {}): Dom0MemRewrite {
  const rendered = kib === null ? null : renderDom0Mem(kib, options)
  const words = splitCommandLine(cmdline)
  const spans = words.filter((t) => t.text === 'dom0_mem' || t.text.startsWith('dom0_mem='))
  const replaced = spans.map((s) => s.text)
  if (spans.length === 0) {
    if (rendered === null) return {text: cmdline, replaced, salvaged: [], appended: false}
    const body = cmdline.trimEnd()
    const trailing = cmdline.slice(body.length)
    return {text: body.trim() === '' ? `${body}${rendered}${trailing}` : `${body} ${rendered}${trailing}`, replaced, salvaged: [], appended: true}
  }
  const others = new Set(words.filter((t) => !spans.includes(t)).map((t) => t.text))
  const salvaged: string[] = []
  for (const span of spans) {
    for (const option of joinedOptions(span.text.slice('dom0_mem='.length))) {
      if (!others.has(option) && !salvaged.includes(option)) salvaged.push(option)
    }
  }
  const replacement = [...(rendered === null ? [] : [rendered]), ...salvaged].join(' ')
  let result = ''
  let last = 0
  spans.forEach((span, index) => {
    const before = cmdline.slice(last, span.start)
    last = span.start + span.text.length
    if (index === 0 && replacement !== '') {
      result += before + replacement
    } else if ((result + before).trim() === '') {
      // Nothing but blanks in front: drop the blanks after the word instead, keeping the indent.
      result += before
      last += /^[ \t]*/.exec(cmdline.slice(last))?.[0].length ?? 0
    } else result += before.trimEnd()
  })
  return {text: result + cmdline.slice(last), replaced, salvaged, appended: false}
}

/**
 * The command line with every dom0_mem token replaced by one rendered `dom0_mem=X,max:X`, put
 * where the first one was (or appended). Other options and their order are kept. See
 * rewriteDom0MemDetailed for the rules.
 */
export function rewriteDom0Mem(cmdline: string, kib: number, options: RenderOptions = {}): string {
  return rewriteDom0MemDetailed(cmdline, kib, options).text
}

/**
 * The command line without any dom0_mem token (GRUB_CMDLINE_XEN_DEFAULT, when dom0_mem moves to
 * GRUB_CMDLINE_XEN). Options joined onto a token with commas are kept as options of their own.
 */
export function stripDom0Mem(cmdline: string): Dom0MemRewrite {
  return rewriteDom0MemDetailed(cmdline, null)
}
