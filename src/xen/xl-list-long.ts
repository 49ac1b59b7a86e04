import * as z from 'zod/mini'
import {ParseError, quoteValue} from '../lib/errors.js'
import {jsonErrorOffset, positionOf, validateResult} from './parse-util.js'
import {parseSxp, sxpChildren, sxpHead, sxpValue, type SxpList, type SxpNode} from './sxp.js'
import {xenVersionAtLeast, type XenVersionLike} from './version.js'

/**
 * The long domain listing, in its three real shapes:
 * - `xl list -l` JSON (default since xl's output_format became json): an array of
 *   `{domid, config}` where config is libxl's domain_config (`c_info.type/name`,
 *   `b_info.max_memkb/target_memkb`, KiB). A bare config object (what libvirt's fixtures hold)
 *   is accepted too, without a domid.
 * - `xl list -l` SXP (output_format="sxp", printf_info_sexp in tools/libxl/xl_sxp.c):
 *   `(domain (domid N) … (hvm 0|1) … (name X) … (max_memkb N) (target_memkb N) …)`, KiB.
 * - `xm list --long` (xend): `(domain (domid N) (name X) (memory MiB) (maxmem MiB) (image (linux|hvm …)) …)`.
 */

/**
 * Xen keeps "no limit" as max_pages = UINT_MAX; xend shows it as `(maxmem 16777215)` MiB and
 * libxl as 17179869180 KiB. Anything from 16777215 MiB up is "no limit".
 */
export const UNLIMITED_MAX_KIB = 16777215 * 1024

export const DomainMemoryConfigSchema = z.object({
  /** null for a bare libxl config object and for xend's inactive domains. */
  domid: z.nullable(z.int().check(z.nonnegative())),
  name: z.nullable(z.string()),
  /** `pv`, `hvm`, `pvh` (libxl) or null when the listing does not say. */
  type: z.nullable(z.string()),
  /** Static maximum (xenstore memory/static-max); null when unlimited or not set. */
  maxMemKiB: z.nullable(z.int().check(z.nonnegative())),
  maxMemUnlimited: z.boolean(),
  /** The balloon target as xenstore holds it (memory/target), corrected as described below. */
  targetKiB: z.nullable(z.int().check(z.nonnegative())),
  /** The target exactly as the tool printed it. */
  printedTargetKiB: z.nullable(z.int().check(z.nonnegative())),
  /**
   * Set when targetKiB differs from the printed value: libxl before 4.21 adds dom0's unset
   * video_memkb (LIBXL_MEMKB_DEFAULT = ~0) to target_memkb, printing the xenstore target minus
   * 1 KiB (libxl_internal.h libxl__get_targetmem_fudge; fixed by commit 35a68ba3b2, "libxl:
   * respect unset video_memkb for Dom0"). The Xen 4.17 lab shows 1572863 for a 1572864 target.
   */
  targetCorrection: z.nullable(z.enum(['libxl-dom0-video-memkb'])),
  source: z.enum(['xl-json', 'xl-sxp', 'xend-sxp']),
  line: z.int().check(z.positive()),
})
export type DomainMemoryConfig = z.infer<typeof DomainMemoryConfigSchema>

const ListSchema = z.array(DomainMemoryConfigSchema)

export interface ListLongOptions {
  file?: string
  /** The hypervisor/toolstack version, when known: decides the dom0 target correction. */
  xenVersion?: XenVersionLike
}

/** Parse `xl list -l` (JSON or SXP) or `xm list --long`. Throws a located ParseError. */
export function parseXlListLong(text: string, options: ListLongOptions = {}): DomainMemoryConfig[] {
  const {file} = options
  const start = text.search(/\S/)
  if (start < 0) throw new ParseError('empty output: expected `xl list -l` JSON or `xm list --long` S-expressions', {file, line: 1, column: 1})
  const first = text[start]
  let domains: DomainMemoryConfig[]
  if (first === '[' || first === '{') domains = fromJson(text, options)
  else if (first === '(') domains = fromSxp(text, options)
  else {
    const {line, column} = positionOf(text, start)
    throw new ParseError(`not a long domain listing: it starts with ${quoteValue(text.slice(start, start + 20))}`, {file, line, column}, 'expected JSON from `xl list -l` or S-expressions from `xm list --long`')
  }
  return validateResult(ListSchema, domains, {file, line: 1, column: 1}, 'xl list -l')
}

/** The entry for one domain, by ID. */
export function findDomainConfig(domains: readonly DomainMemoryConfig[], domid: number): DomainMemoryConfig | undefined {
  return domains.find((d) => d.domid === domid)
}

// ---- JSON ---------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}

function isObject(value: Json | undefined): value is {[key: string]: Json} {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fromJson(text: string, options: ListLongOptions): DomainMemoryConfig[] {
  const {file} = options
  let document: Json
  try {
    document = JSON.parse(text) as Json
  } catch (error) {
    throw new ParseError(`invalid JSON: ${(error as Error).message}`, {file, ...jsonErrorPosition(text, error as Error)})
  }
  // Locate each domain by the n-th `"config"` / `{` so messages can point at it.
  const entries: Array<{domid: Json | undefined; config: Json | undefined}> = Array.isArray(document)
    ? document.map((item) => (isObject(item) ? {domid: item.domid, config: item.config} : {domid: undefined, config: item}))
    : [{domid: undefined, config: document}]
  const configLines = lineNumbersOf(text, Array.isArray(document) ? /"config"\s*:/g : /\{/g)
  return entries.map((entry, index) => {
    const line = configLines[index] ?? 1
    const where = {file, line, column: 1}
    const {config} = entry
    if (!isObject(config)) throw new ParseError(`domain ${index + 1}: no "config" object`, where)
    const cInfo = config.c_info
    const bInfo = config.b_info
    if (!isObject(bInfo)) throw new ParseError(`domain ${index + 1}: no "b_info" object in the config`, where)
    let domid: number | null = null
    if (entry.domid !== undefined) {
      if (typeof entry.domid !== 'number' || !Number.isSafeInteger(entry.domid) || entry.domid < 0) {
        throw new ParseError(`domain ${index + 1}: "domid" is ${quoteValue(JSON.stringify(entry.domid))}, not a domain ID`, where)
      }
      domid = entry.domid
    }
    const name = isObject(cInfo) && typeof cInfo.name === 'string' ? cInfo.name : null
    const type = isObject(cInfo) && typeof cInfo.type === 'string' ? cInfo.type : null
    const maxMemKiB = memKiB(bInfo.max_memkb, 'max_memkb', index, where)
    const printedTargetKiB = memKiB(bInfo.target_memkb, 'target_memkb', index, where)
    const maxMemUnlimited = maxMemKiB !== null && maxMemKiB >= UNLIMITED_MAX_KIB
    // Only dom0 hits the libxl fudge, and only below 4.21. Without a version, trust it only
    // when the printed value is one short of a whole page (4 KiB), as a real target is.
    const versionSaysBug = options.xenVersion === undefined ? null : !xenVersionAtLeast(options.xenVersion, 4, 21)
    const looksOffByOne = printedTargetKiB !== null && printedTargetKiB % 4 === 3
    const corrected = domid === 0 && looksOffByOne && versionSaysBug !== false
    return {
      domid,
      name,
      type,
      maxMemKiB: maxMemUnlimited ? null : maxMemKiB,
      maxMemUnlimited,
      targetKiB: corrected ? (printedTargetKiB as number) + 1 : printedTargetKiB,
      printedTargetKiB,
      targetCorrection: corrected ? 'libxl-dom0-video-memkb' : null,
      source: 'xl-json',
      line,
    }
  })
}

/** A `*_memkb` value: a KiB integer, or null for LIBXL_MEMKB_DEFAULT (~0, printed as 2^64−1 or −1). */
function memKiB(value: Json | undefined, key: string, index: number, where: {file?: string; line: number; column: number}): number | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ParseError(`domain ${index + 1}: ${key} is ${quoteValue(JSON.stringify(value))}, not a whole number of KiB`, where)
  }
  if (value === -1 || value > Number.MAX_SAFE_INTEGER) return null
  if (value < 0) throw new ParseError(`domain ${index + 1}: ${key} is negative (${value})`, where)
  return value
}

function lineNumbersOf(text: string, pattern: RegExp): number[] {
  return [...text.matchAll(pattern)].map((m) => positionOf(text, m.index).line)
}

/** Where JSON.parse gave up: its message when it says, else our own scan of the text. */
function jsonErrorPosition(text: string, error: Error): {line: number; column: number} {
  const lineColumn = /line (\d+) column (\d+)/.exec(error.message)
  if (lineColumn) return {line: Number(lineColumn[1]), column: Number(lineColumn[2])}
  const position = /position (\d+)/.exec(error.message)
  if (position) return positionOf(text, Number(position[1]))
  const offset = jsonErrorOffset(text)
  return positionOf(text, offset < 0 ? text.length : offset)
}

// ---- SXP ----------------------------------------------------------------------------------------

function fromSxp(text: string, options: ListLongOptions): DomainMemoryConfig[] {
  const {file} = options
  const forms = parseSxp(text, file)
  return forms.map((form) => {
    if (form.type !== 'list' || sxpHead(form) !== 'domain') {
      throw new ParseError(`expected a (domain …) form, found ${describe(form)}`, {file, line: form.line, column: form.column})
    }
    const where = {file, line: form.line, column: form.column}
    const integer = (key: string): number | null => {
      const value = sxpValue(form, key)
      if (value === undefined || value === '') return null
      if (!/^-?\d+$/.test(value)) {
        const node = sxpChildren(form, key)[0] as SxpList
        throw new ParseError(`(${key} ${value}) is not a whole number`, {file, line: node.line, column: node.column})
      }
      const parsed = Number(value)
      if (!Number.isSafeInteger(parsed)) throw new ParseError(`(${key} ${value}) is too large`, where)
      return parsed
    }
    const domid = integer('domid')
    if (domid !== null && domid < 0) throw new ParseError(`(domid ${domid}) is negative`, where)
    const name = sxpValue(form, 'name') ?? null
    const isXl = sxpChildren(form, 'max_memkb').length > 0 || sxpChildren(form, 'target_memkb').length > 0
    if (isXl) {
      // printf_info_sexp prints PRId64, so LIBXL_MEMKB_DEFAULT shows as -1.
      const kib = (key: string) => {
        const value = integer(key)
        return value === null || value < 0 ? null : value
      }
      const maxMemKiB = kib('max_memkb')
      const maxMemUnlimited = maxMemKiB !== null && maxMemKiB >= UNLIMITED_MAX_KIB
      const hvm = sxpValue(form, 'hvm')
      const printedTargetKiB = kib('target_memkb')
      return {
        domid,
        name,
        type: hvm === undefined ? null : hvm === '1' ? 'hvm' : 'pv',
        maxMemKiB: maxMemUnlimited ? null : maxMemKiB,
        maxMemUnlimited,
        targetKiB: printedTargetKiB,
        printedTargetKiB,
        targetCorrection: null,
        source: 'xl-sxp' as const,
        line: form.line,
      }
    }
    // xend: (memory N) is the target and (maxmem N) the static max, both MiB.
    const memoryMiB = integer('memory')
    const maxmemMiB = integer('maxmem')
    if (memoryMiB !== null && memoryMiB < 0) throw new ParseError(`(memory ${memoryMiB}) is negative`, where)
    if (maxmemMiB !== null && maxmemMiB < 0) throw new ParseError(`(maxmem ${maxmemMiB}) is negative`, where)
    const maxMemUnlimited = maxmemMiB !== null && maxmemMiB >= 16777215
    const image = sxpChildren(form, 'image')[0]
    const imageKind = image?.items.slice(1).find((item): item is SxpList => item.type === 'list')
    const kind = imageKind ? sxpHead(imageKind) : undefined
    return {
      domid,
      name,
      type: kind === 'linux' ? 'pv' : kind === 'hvm' ? 'hvm' : null,
      maxMemKiB: maxmemMiB === null || maxMemUnlimited ? null : maxmemMiB * 1024,
      maxMemUnlimited,
      targetKiB: memoryMiB === null ? null : memoryMiB * 1024,
      printedTargetKiB: memoryMiB === null ? null : memoryMiB * 1024,
      targetCorrection: null,
      source: 'xend-sxp' as const,
      line: form.line,
    }
  })
}

function describe(node: SxpNode): string {
  if (node.type === 'atom') return quoteValue(node.value)
  const head = sxpHead(node)
  return head === undefined ? 'a list' : `(${head} …)`
}
