import type {XenBootEntry} from './boot-entry.js'
import {type ConfigProblem, LineIndex, type Span, splitCmdline} from './text.js'

/**
 * The `xen.cfg` read by `xen.efi` (docs/misc/efi.pandoc), parsed the way Xen reads it
 * (xen/common/efi/boot.c: pre_parse() and get_value()):
 *
 *  - leading whitespace on a line is dropped; a line starting with `;` is a comment;
 *  - there is no quoting, and `#` anywhere starts a comment, also in the middle of a value
 *    (`kernel=vmlinuz root=/dev/sda #earlyprintk=xen` passes `root=/dev/sda ` to dom0);
 *  - `[name]` opens a section; `key=value` must have no space before `=` (`options = x` is never
 *    found), spaces after `=` are skipped;
 *  - the first matching key in a section wins;
 *  - with `[global] default=NAME` the boot section is NAME; without it, the first `kernel=` /
 *    `options=` anywhere in the file are used (so a file without any section headers works);
 *  - if the last line has no newline, xen.efi prints "No newline at end of config file, last line
 *    will be ignored."
 */

export interface EfiEntry {
  /** The key as written (may contain spaces before `=`: then Xen never matches it). */
  key: string
  keySpan: Span
  /** Value as Xen sees it: after `=`, leading spaces skipped, up to a `#`. */
  value: string
  valueSpan: Span
  /** Text cut off by a `#` on the same line, if any. */
  comment: {text: string; span: Span} | undefined
  /** Whole line content span. */
  span: Span
  line: number
}

export interface EfiSection {
  /** null for lines before the first `[section]` header. */
  name: string | null
  nameSpan: Span | undefined
  entries: EfiEntry[]
}

export interface EfiConfig {
  file: string | undefined
  sections: EfiSection[]
  /** The file does not end in a newline and its last line has content: xen.efi ignores that line. */
  lastLineIgnored: {line: number; span: Span} | undefined
  problems: ConfigProblem[]
  index: LineIndex
}

export function parseEfiConfig(text: string, options: {file?: string} = {}): EfiConfig {
  const index = new LineIndex(text)
  const sections: EfiSection[] = [{name: null, nameSpan: undefined, entries: []}]
  const problems: ConfigProblem[] = []
  for (let line = 1; line <= index.lineCount; line++) {
    const lineStart = index.lineStarts[line - 1] as number
    const raw = index.lineText(line)
    // Leading whitespace is dropped.
    const lead = /^[ \t]*/.exec(raw)?.[0].length ?? 0
    let body = raw.slice(lead)
    const bodyStart = lineStart + lead
    if (body === '' || body.startsWith(';') || body.startsWith('#')) continue
    let comment: EfiEntry['comment']
    const hash = body.indexOf('#')
    if (hash !== -1) {
      comment = {text: body.slice(hash), span: index.span(bodyStart + hash, bodyStart + body.length)}
      body = body.slice(0, hash)
    }
    if (body.startsWith('[')) {
      const close = body.indexOf(']')
      const name = close === -1 ? body.slice(1) : body.slice(1, close)
      if (close === -1) problems.push({kind: 'syntax', message: `section header \`${body.trim()}\` has no closing \`]\``, span: index.span(bodyStart, bodyStart + body.length)})
      sections.push({name, nameSpan: index.span(bodyStart + 1, bodyStart + 1 + name.length), entries: []})
      continue
    }
    const eq = body.indexOf('=')
    if (eq === -1) {
      problems.push({kind: 'syntax', message: `\`${body.trim()}\` is neither a [section] nor key=value; xen.efi ignores it`, span: index.span(bodyStart, bodyStart + body.trimEnd().length)})
      continue
    }
    const key = body.slice(0, eq)
    const afterEq = body.slice(eq + 1)
    const skip = /^\s*/.exec(afterEq)?.[0].length ?? 0
    const valueStart = bodyStart + eq + 1 + skip
    const value = afterEq.slice(skip)
    ;(sections.at(-1) as EfiSection).entries.push({
      key,
      keySpan: index.span(bodyStart, bodyStart + key.length),
      value,
      valueSpan: index.span(valueStart, valueStart + value.length),
      comment,
      span: index.span(bodyStart, bodyStart + body.length),
      line,
    })
  }
  let lastLineIgnored: EfiConfig['lastLineIgnored']
  if (text.length > 0 && !isControl(text.charCodeAt(text.length - 1))) {
    const line = index.lineCount
    const start = index.lineStarts[line - 1] as number
    lastLineIgnored = {line, span: index.span(start, text.length)}
  }
  return {file: options.file, sections, lastLineIgnored, problems, index}
}

/** `key=` exactly as Xen matches it (no space before `=`). */
function findKey(section: EfiSection | undefined, key: string): EfiEntry | undefined {
  return section?.entries.find((e) => e.key === key)
}

export interface EfiBoot {
  /** `[global] default=` when present. */
  defaultEntry: EfiEntry | undefined
  /** The section xen.efi boots: its name, or null when no default= is set (first keys anywhere). */
  sectionName: string | null
  /** The section exists (always true without default=). */
  sectionFound: boolean
  kernel: EfiEntry | undefined
  options: EfiEntry | undefined
  /** `[global] chain=`: another config file xen.efi reads when the section has no kernel=. */
  chain: EfiEntry | undefined
}

/** Which kernel= and options= xen.efi uses when booted without a section argument. */
export function resolveEfiBoot(cfg: EfiConfig): EfiBoot {
  const global = cfg.sections.find((s) => s.name === 'global')
  const defaultEntry = findKey(global, 'default')
  const chain = findKey(global, 'chain')
  if (!defaultEntry) {
    // get_value(cfg, NULL, key): the first key=value anywhere, section headers ignored.
    const all = cfg.sections.flatMap((s) => s.entries)
    return {
      defaultEntry,
      sectionName: null,
      sectionFound: true,
      kernel: all.find((e) => e.key === 'kernel'),
      options: all.find((e) => e.key === 'options'),
      chain,
    }
  }
  const name = defaultEntry.value
  // get_value() stops at the first section whose name matches (strncmp + ']').
  const section = cfg.sections.find((s) => s.name === name)
  return {defaultEntry, sectionName: name, sectionFound: section !== undefined, kernel: findKey(section, 'kernel'), options: findKey(section, 'options'), chain}
}

/** The boot section as a Xen boot entry (the dom0_mem rules read this). */
export function efiXenEntries(cfg: EfiConfig): XenBootEntry[] {
  const boot = resolveEfiBoot(cfg)
  if (!boot.kernel && !boot.options) return []
  const anchor = boot.options ?? (boot.kernel as EfiEntry)
  const kernelWords = boot.kernel ? splitCmdline(boot.kernel.value, boot.kernel.valueSpan.start.offset, cfg.index) : []
  return [
    {
      loader: 'efi',
      title: boot.sectionName ?? '(no [global] default=)',
      titleSpan: boot.defaultEntry?.valueSpan,
      recovery: false,
      hypervisor: {path: 'xen.efi', span: anchor.keySpan},
      xenArgs: boot.options ? splitCmdline(boot.options.value, boot.options.valueSpan.start.offset, cfg.index) : [],
      xenLine: anchor.span,
      dom0Args: kernelWords.slice(1),
      dom0Line: boot.kernel?.span,
    },
  ]
}

/** C iscntrl(): what pre_parse() turns into line ends. */
function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f
}
