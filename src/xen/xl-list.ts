import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'
import {decimalInteger, indentOf, splitLines, validateResult} from './parse-util.js'
import type {ReadOptions} from './xl-info.js'

/**
 * `xl list` and `xm list` tables.
 *
 * xl prints the header `Name…ID   Mem VCPUs\tState\tTime(s)` with literal TABs and each row as
 * `%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f` (tools/xl/xl_info.c:list_domains), then optional
 * columns: `-v` UUID, Reason-Code, Security Label; `-Z` Security Label; `--claim` Claimed;
 * `--cpupool` Cpupool; `-n` NODE Affinity. xm prints `%-40s %3s %5d %5d %10s %8.1f`
 * (tools/python/xen/xm/main.py), `xm list --label` adds Label, and the Xen 3.0 man page shows
 * the older `Mem(MiB)` header.
 *
 * Rows are read from the right, where every column is a number or a state word, so a name may
 * contain spaces, and an ID too wide for its column (28441 in the ganeti fixture) does not
 * matter. xend's inactive managed domains have no ID and no state; both are then null.
 */

/** Reason letters of the fifth state column, indexed by libxl_shutdown_reason (xl_info.c). */
const SHUTDOWN_REASONS = {'-': 'poweroff', r: 'reboot', s: 'suspend', c: 'crash', w: 'watchdog', S: 'soft_reset', '?': 'unknown'} as const

export const ShutdownReasonSchema = z.enum(['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset', 'unknown'])
export type ShutdownReason = z.infer<typeof ShutdownReasonSchema>

export const DomainStateSchema = z.object({
  /** As printed, e.g. `r-----`, `--psc-`, `-bp---`. */
  text: z.string(),
  running: z.boolean(),
  blocked: z.boolean(),
  paused: z.boolean(),
  shutdown: z.boolean(),
  /** Why it shut down; null while it has not. `c` (crash) is the only reason xm prints. */
  shutdownReason: z.nullable(ShutdownReasonSchema),
  dying: z.boolean(),
})
export type DomainState = z.infer<typeof DomainStateSchema>

export const XlListDomainSchema = z.object({
  /** As printed. `(null)` is what glibc prints for a dying domain that lost its name. */
  name: z.string(),
  nameIsNull: z.boolean(),
  /** null for xend's inactive (managed, not running) domains. */
  id: z.nullable(z.int().check(z.nonnegative())),
  /** Current allocation plus outstanding claims, MiB (xl_info.c); not the balloon target. */
  memMiB: z.int().check(z.nonnegative()),
  vcpus: z.int().check(z.nonnegative()),
  state: z.nullable(DomainStateSchema),
  timeSeconds: z.number().check(z.nonnegative()),
  /** Trailing columns by header name (`Claimed`, `Label`, `UUID`, …). */
  extra: z.record(z.string(), z.string()),
  line: z.int().check(z.positive()),
})
export type XlListDomain = z.infer<typeof XlListDomainSchema>

export const XlListSchema = z.object({
  /** `Mem(MiB)` in the Xen 3.0-era xm man page, `Mem` everywhere else. */
  memHeader: z.enum(['Mem', 'Mem(MiB)']),
  extraColumns: z.array(z.string()),
  domains: z.array(XlListDomainSchema),
})
export type XlList = z.infer<typeof XlListSchema>

const HEADER_RE = /^Name\s+ID\s+(Mem|Mem\(MiB\))\s+VCPUs\s+State\s+Time\(s\)(.*)$/
/** Trailing column names as the tools print them; two of them contain a space. */
const KNOWN_EXTRA_COLUMNS = ['Security Label', 'NODE Affinity', 'Reason-Code', 'UUID', 'Claimed', 'Cpupool', 'Label']
const STATE_RE = /^[-rbpscdwS?]{6}$/
const TIME_RE = /^\d+(?:\.\d+)?$/

interface Token {
  text: string
  start: number
}

function tokens(text: string): Token[] {
  return [...text.matchAll(/\S+/g)].map((m) => ({text: m[0], start: m.index}))
}

function extraColumnNames(rest: string): string[] {
  const names: string[] = []
  let text = rest.trim()
  while (text !== '') {
    const known = KNOWN_EXTRA_COLUMNS.find((name) => text.startsWith(name) && /^(\s|$)/.test(text.slice(name.length)))
    const name = known ?? (text.match(/^\S+/)?.[0] as string)
    names.push(name)
    text = text.slice(name.length).trim()
  }
  return names
}

/** Decode a 6-letter state column by position: r b p s <reason> d. */
export function parseDomainState(text: string): DomainState | undefined {
  if (!STATE_RE.test(text)) return undefined
  const reasonLetter = text[4] as string
  const shutdown = text[3] === 's'
  const reason = reasonLetter in SHUTDOWN_REASONS ? SHUTDOWN_REASONS[reasonLetter as keyof typeof SHUTDOWN_REASONS] : 'unknown'
  return {
    text,
    running: text[0] === 'r',
    blocked: text[1] === 'b',
    paused: text[2] === 'p',
    shutdown,
    // xm has no reason letters: its fifth column is `c` (crashed) or `-`.
    shutdownReason: shutdown || reasonLetter !== '-' ? reason : null,
    dying: text[5] === 'd',
  }
}

/** Parse `xl list` / `xm list` stdout. Header-only output gives no domains. */
export function parseXlList(text: string, options: ReadOptions = {}): XlList {
  const {file} = options
  const lines = splitLines(text)
  const headerIndex = lines.findIndex((line) => line.trim() !== '')
  if (headerIndex < 0) {
    throw new ParseError('empty output: expected the `xl list` header line', {file, line: 1, column: 1})
  }
  const headerLine = lines[headerIndex] as string
  const indent = indentOf(headerLine)
  const header = HEADER_RE.exec(headerLine.slice(indent))
  if (!header) {
    throw new ParseError(
      `not an \`xl list\` header: ${quoteValue(headerLine.trim())}`,
      {file, line: headerIndex + 1, column: indent + 1},
      'expected "Name ID Mem VCPUs State Time(s)", as `xl list` and `xm list` print it',
    )
  }
  const memHeader = header[1] as 'Mem' | 'Mem(MiB)'
  const extraColumns = extraColumnNames(header[2] ?? '')

  const domains: unknown[] = []
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = lines[index] as string
    if (line.trim() === '') continue
    domains.push(parseRow(line, index + 1, extraColumns, file))
  }
  return validateResult(XlListSchema, {memHeader, extraColumns, domains}, {file, line: headerIndex + 1, column: 1}, 'xl list')
}

function parseRow(line: string, lineNumber: number, extraColumns: string[], file: string | undefined): XlListDomain {
  const all = tokens(line)
  const fail = (message: string, token?: Token): never => {
    throw new ParseError(message, {file, line: lineNumber, column: (token?.start ?? indentOf(line)) + 1}, 'expected a row of `xl list`: Name ID Mem VCPUs State Time(s)')
  }
  // Trailing columns each print as one word (a label, a UUID, a number, `-`).
  if (all.length < extraColumns.length + 4) fail(`too few columns in ${quoteValue(line.trim())}`)
  const extraTokens = all.slice(all.length - extraColumns.length)
  const core = all.slice(0, all.length - extraColumns.length)

  let at = core.length - 1
  const timeToken = core[at] as Token
  if (!TIME_RE.test(timeToken.text)) fail(`Time(s) is ${quoteValue(timeToken.text)}, not a number of seconds`, timeToken)
  at--
  let state: DomainState | null = null
  const maybeState = core[at] as Token
  const parsedState = parseDomainState(maybeState.text)
  if (parsedState) {
    state = parsedState
    at--
  } else if (decimalInteger(maybeState.text) === undefined) {
    fail(`State is ${quoteValue(maybeState.text)}; expected six flags like r----- or --psc-`, maybeState)
  }
  const vcpusToken = core[at--]
  const memToken = core[at--]
  if (!vcpusToken || !memToken || at < 0) fail(`too few columns in ${quoteValue(line.trim())}`)
  const vcpus = decimalInteger((vcpusToken as Token).text)
  if (vcpus === undefined) fail(`VCPUs is ${quoteValue((vcpusToken as Token).text)}, not a number`, vcpusToken)
  const memMiB = decimalInteger((memToken as Token).text)
  if (memMiB === undefined) fail(`Mem is ${quoteValue((memToken as Token).text)}, not a number of MiB`, memToken)

  // The ID, unless this is an xend inactive domain (then the token is the end of the name).
  let id: number | null = null
  let nameEnd = (memToken as Token).start
  const idToken = core[at] as Token
  const idValue = decimalInteger(idToken.text)
  if (idValue !== undefined && at > 0) {
    id = idValue
    nameEnd = idToken.start
  } else if (idValue !== undefined && state !== null) {
    fail(`no name before ID ${idToken.text}`, idToken)
  }
  const name = line.slice(indentOf(line), nameEnd).trimEnd()
  if (name === '') fail('empty domain name')

  const extra: Record<string, string> = {}
  extraColumns.forEach((column, i) => {
    extra[column] = (extraTokens[i] as Token).text
  })
  return {
    name,
    nameIsNull: name === '(null)',
    id,
    memMiB: memMiB as number,
    vcpus: vcpus as number,
    state,
    timeSeconds: Number(timeToken.text),
    extra,
    line: lineNumber,
  }
}

/**
 * Find a domain the way xl's find_domain() does: all digits means a domain ID, anything else a
 * name (libxl_domain_qualifier_to_domid).
 */
export function findDomain(list: XlList | readonly XlListDomain[], nameOrId: string | number): XlListDomain | undefined {
  const domains = 'domains' in list ? list.domains : list
  if (typeof nameOrId === 'number' || /^\d+$/.test(nameOrId)) {
    const id = Number(nameOrId)
    return domains.find((d) => d.id === id)
  }
  return domains.find((d) => d.name === nameOrId)
}

export const isDomainDying = (domain: XlListDomain): boolean => domain.state?.dying === true
export const isDomainPaused = (domain: XlListDomain): boolean => domain.state?.paused === true
export const isDomainCrashed = (domain: XlListDomain): boolean => domain.state?.shutdownReason === 'crash'
export const isDomainRunning = (domain: XlListDomain): boolean => domain.state?.running === true
export const isDomainShutdown = (domain: XlListDomain): boolean => domain.state?.shutdown === true
/** A domain memguard may act on: it has an ID and is neither dying nor shut down. */
export const isDomainLive = (domain: XlListDomain): boolean =>
  domain.id !== null && !isDomainDying(domain) && !isDomainShutdown(domain)
