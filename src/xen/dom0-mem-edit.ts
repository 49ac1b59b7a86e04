import {closest} from '../lint/suggest.js'
import {type Dom0MemRewrite, type RenderOptions, renderDom0Mem, rewriteDom0MemDetailed, stripDom0Mem} from './dom0-mem.js'
import {parseEfiConfig, resolveEfiBoot} from './config/efi-cfg.js'
import {grubLegacyXenEntries, parseGrubLegacy} from './config/grub-legacy.js'
import {parseShellAssignments, type ShellAssignment, type ShellConfig} from './config/shell-assign.js'
import type {LineIndex} from './config/text.js'
import {parseXendConfig, type XendSetting} from './config/xend-config.js'
import {parseXlConfig} from './config/xl-cfg.js'

/**
 * The editors behind `memguard dom0-mem`: pure text → text, one per kind of file, built on the
 * span-keeping parsers of src/xen/config. Each replaces only the text of the spans it must change
 * (a command-line region, a quoted value, an atom) and inserts whole lines where a setting is
 * missing, so comments, ordering, quoting and layout elsewhere stay byte for byte. Every dom0_mem
 * change goes through the one rule in src/xen/dom0-mem.ts (rewriteDom0MemDetailed / stripDom0Mem).
 *
 * Every editor is idempotent: run on its own output it changes nothing.
 */

export interface FileEdit {
  after: string
  /** What changed, one line each, for people ("entry "Xen 4.2": dom0_mem=1024M → …"). */
  changes: string[]
  /** Things worth knowing that are not changes (a dead setting left alone, a shell variable replaced). */
  notes: string[]
  /** Why (part of) the file could not be edited: a person must finish the job. */
  problems: string[]
}

interface TextEdit {
  start: number
  end: number
  text: string
}

/** Apply non-overlapping edits (any order). Insertions at the same offset keep their given order. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits.map((e, i) => ({...e, i})).sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i)
  let out = ''
  let last = 0
  for (const e of sorted) {
    if (e.start < last) throw new Error(`overlapping edits at offset ${e.start}`)
    out += text.slice(last, e.start) + e.text
    last = e.end
  }
  return out + text.slice(last)
}

/** The file's line ending: CRLF when most of its lines use it. */
function lineEnding(text: string): string {
  const crlf = text.split('\r\n').length - 1
  const lf = text.split('\n').length - 1
  return crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n'
}

/** Insert a whole line after 1-based line `line` (0: at the top). */
function insertLineAfter(text: string, index: LineIndex, line: number, content: string): TextEdit {
  const eol = lineEnding(text)
  if (line <= 0) return {start: 0, end: 0, text: content + eol}
  const next = index.lineStarts[line]
  if (next !== undefined) return {start: next, end: next, text: content + eol}
  // The last line: it may lack its newline.
  return {start: text.length, end: text.length, text: (text === '' || text.endsWith('\n') ? '' : eol) + content + eol}
}

/** Append a line at the end of the file. */
function appendLine(text: string, content: string): TextEdit {
  const eol = lineEnding(text)
  return {start: text.length, end: text.length, text: (text === '' || text.endsWith('\n') ? '' : eol) + content + eol}
}

function describeRewrite(where: string, r: Dom0MemRewrite, rendered: string): string[] {
  const out: string[] = []
  if (r.appended) out.push(`${where}: added ${rendered}`)
  else if (r.replaced.length === 1 && r.replaced[0] === rendered && r.salvaged.length === 0) return []
  else if (r.replaced.length === 1) out.push(`${where}: ${r.replaced[0]} → ${rendered}`)
  else out.push(`${where}: ${r.replaced.join(' ')} (${r.replaced.length} dom0_mem options) → ${rendered}`)
  if (r.salvaged.length > 0) out.push(`${where}: ${r.salvaged.join(' ')} had been joined onto dom0_mem with commas (Xen ignored ${r.salvaged.length === 1 ? 'it' : 'them'}); now separate option${r.salvaged.length === 1 ? '' : 's'}`)
  return out
}

function shellNotes(where: string, r: Dom0MemRewrite): string[] {
  return r.replaced.filter((t) => /\$|`/.test(t)).map((t) => `${where}: ${t} was built from a shell variable; it is now a literal size`)
}

function emptyEdit(text: string): FileEdit {
  return {after: text, changes: [], notes: [], problems: []}
}

// ---- GRUB legacy (grub.conf / menu.lst) -----------------------------------------------------------

/**
 * Every Xen entry (`kernel …xen.gz …`): its Xen options (after the image on the `kernel` line) get
 * exactly one `dom0_mem=X,max:X`. Debian's update-grub keeps the Xen options of the entries it
 * generates in `# xenhopt=` (between the AUTOMAGIC markers) and rewrites the entries from it, so
 * that setting gets the same change.
 */
export function editGrubLegacy(text: string, kib: number, options: RenderOptions = {}): FileEdit {
  const cfg = parseGrubLegacy(text)
  const rendered = renderDom0Mem(kib, options)
  const result = emptyEdit(text)
  const edits: TextEdit[] = []
  const entries = grubLegacyXenEntries(cfg)
  if (entries.length === 0) {
    result.notes.push('no Xen entry (a `kernel` line booting xen.gz): nothing to change')
    return result
  }
  for (const entry of entries) {
    const start = entry.hypervisor.span.end.offset
    const end = entry.xenLine.end.offset
    const region = text.slice(start, end)
    const r = rewriteDom0MemDetailed(region, kib, options)
    // An image with no options at all: the new option needs its blank.
    const replacement = region === '' ? ` ${r.text}` : r.text
    if (replacement !== region) edits.push({start, end, text: replacement})
    const where = `entry ${JSON.stringify(entry.title)} (line ${entry.xenLine.start.line})`
    result.changes.push(...describeRewrite(where, r, rendered))
    result.notes.push(...shellNotes(where, r))
  }
  for (const setting of cfg.automagic.filter((a) => a.key === 'xenhopt')) {
    const r = rewriteDom0MemDetailed(setting.value, kib, options)
    if (r.text !== setting.value) edits.push({start: setting.valueSpan.start.offset, end: setting.valueSpan.end.offset, text: r.text})
    result.changes.push(...describeRewrite(`# xenhopt= (line ${setting.line}, read by Debian's update-grub)`, r, rendered))
  }
  result.after = applyEdits(text, edits)
  return result
}

// ---- GRUB2 defaults (/etc/default/grub, /etc/default/grub.d/*.cfg) -------------------------------------

export interface ShellFile {
  path: string
  text: string
}

interface Located {
  file: number
  assignment: ShellAssignment
}

/**
 * GRUB2's Xen options come from shell variables that grub-mkconfig sources from /etc/default/grub and
 * then /etc/default/grub.d/*.cfg (pass `files` in that order; the last assignment wins).
 * util/grub.d/20_linux_xen.in gives normal entries `${GRUB_CMDLINE_XEN} ${GRUB_CMDLINE_XEN_DEFAULT}`
 * and recovery entries only `${GRUB_CMDLINE_XEN}`, so:
 * - dom0_mem goes into GRUB_CMDLINE_XEN – into its last unconditional assignment, the one that
 *   counts – and is removed from every other assignment of GRUB_CMDLINE_XEN and from every
 *   GRUB_CMDLINE_XEN_DEFAULT (else normal entries would get it twice);
 * - with no unconditional GRUB_CMDLINE_XEN anywhere, a line `GRUB_CMDLINE_XEN="dom0_mem=X,max:X"` is
 *   added to `preferNew` (Debian's /etc/default/grub.d/xen.cfg when it exists), right after its
 *   commented-out `#GRUB_CMDLINE_XEN=…`, else after GRUB_CMDLINE_XEN_DEFAULT, else at the end.
 * A value memguard cannot rewrite exactly (mixed quoting, backslashes) is left alone and reported.
 */
export function editGrubDefaults(files: readonly ShellFile[], kib: number, options: RenderOptions & {preferNew?: string} = {}): FileEdit[] {
  const rendered = renderDom0Mem(kib, options)
  const parsed: ShellConfig[] = files.map((f) => parseShellAssignments(f.text, {file: f.path}))
  const results = files.map((f) => emptyEdit(f.text))
  const edits: TextEdit[][] = files.map(() => [])
  const all = (name: string): Located[] => parsed.flatMap((cfg, file) => cfg.assignments.filter((a) => a.name === name).map((assignment) => ({file, assignment})))
  const xen = all('GRUB_CMDLINE_XEN')
  const xenDefault = all('GRUB_CMDLINE_XEN_DEFAULT')
  const target = [...xen].reverse().find((l) => !l.assignment.conditional)
  const where = (l: Located) => `${l.assignment.name} (line ${l.assignment.line})`

  /** Rewrite (kib) or strip (null) the dom0_mem options inside one assignment's value. */
  const edit = (l: Located, size: number | null): void => {
    const a = l.assignment
    const res = results[l.file] as FileEdit
    const content = a.content
    if (!content || /\\/.test(content.text)) {
      const has = /(^|[\s"'])dom0_mem(=|\s|$)/.test(a.raw)
      if (size !== null || has) res.problems.push(`${where(l)}: its value ${a.raw} mixes quoting or backslashes, which memguard does not rewrite; ${size === null ? 'remove dom0_mem from it' : `set ${rendered} in it`} by hand`)
      return
    }
    const r = size === null ? stripDom0Mem(content.text) : rewriteDom0MemDetailed(content.text, size, options)
    if (r.text !== content.text) {
      // A bare word that now holds blanks needs quotes.
      const quoteIt = content.quote === '' && /\s/.test(r.text.trim())
      const span = quoteIt ? a.valueSpan : content.span
      edits[l.file]?.push({start: span.start.offset, end: span.end.offset, text: quoteIt ? `"${r.text}"` : r.text})
    }
    if (size === null) {
      if (r.replaced.length > 0) {
        res.changes.push(
          a.name === 'GRUB_CMDLINE_XEN_DEFAULT'
            ? `${where(l)}: removed ${r.replaced.join(' ')} – recovery entries get only GRUB_CMDLINE_XEN, so dom0_mem now lives there (once)`
            : `${where(l)}: removed ${r.replaced.join(' ')} – the last GRUB_CMDLINE_XEN assignment holds dom0_mem now`,
        )
      }
      if (r.salvaged.length > 0) res.changes.push(`${where(l)}: ${r.salvaged.join(' ')} had been joined onto dom0_mem with commas; now separate option${r.salvaged.length === 1 ? '' : 's'}`)
    } else {
      res.changes.push(...describeRewrite(where(l), r, rendered))
      res.notes.push(...shellNotes(where(l), r))
    }
  }

  for (const l of xenDefault) edit(l, null)
  for (const l of xen) if (l !== target) edit(l, null)
  if (target) edit(target, kib)
  else {
    let file = files.findIndex((f) => f.path === options.preferNew)
    if (file === -1) file = 0
    const cfg = parsed[file] as ShellConfig
    const text = (files[file] as ShellFile).text
    const line = `GRUB_CMDLINE_XEN="${rendered}"`
    const commented = cfg.commented.filter((c) => c.name === 'GRUB_CMDLINE_XEN').at(-1)
    const defaultLine = cfg.assignments.filter((a) => a.name === 'GRUB_CMDLINE_XEN_DEFAULT' && !a.conditional).at(-1)
    const after = commented?.line ?? (defaultLine ? defaultLine.span.end.line : undefined)
    edits[file]?.push(after === undefined ? appendLine(text, line) : insertLineAfter(text, cfg.index, after, line))
    ;(results[file] as FileEdit).changes.push(`added ${line}${commented ? ` after the commented-out #GRUB_CMDLINE_XEN= (line ${commented.line})` : ''} – GRUB_CMDLINE_XEN reaches every entry, recovery ones included`)
  }
  const conditional = xen.filter((l) => l.assignment.conditional && (!target || l.file > target.file || (l.file === target.file && l.assignment.line > target.assignment.line)))
  for (const l of conditional) {
    ;(results[l.file] as FileEdit).notes.push(`${where(l)} is inside if/case/a function and comes after the one memguard set: when it runs it may replace GRUB_CMDLINE_XEN; check that it keeps ${rendered}`)
  }
  return results.map((r, i) => ({...r, after: applyEdits((files[i] as ShellFile).text, edits[i] ?? [])}))
}

// ---- EFI xen.cfg ---------------------------------------------------------------------------------------

/**
 * The `options=` of the section xen.efi boots (`[global] default=`, or the first `options=` of a
 * file without one) gets exactly one dom0_mem. With no `options=` there, a line `options=dom0_mem=…`
 * is added right after the section header (or before the first `kernel=` of a file without
 * sections). A `#` comment after the value stays after it.
 */
export function editEfiCfg(text: string, kib: number, options: RenderOptions = {}): FileEdit {
  const cfg = parseEfiConfig(text)
  const boot = resolveEfiBoot(cfg)
  const rendered = renderDom0Mem(kib, options)
  const result = emptyEdit(text)
  const edits: TextEdit[] = []
  if (boot.defaultEntry && !boot.sectionFound) {
    result.problems.push(`[global] default=${boot.sectionName} names a section this file does not have: xen.efi cannot boot it; fix default= first`)
    return result
  }
  const label = boot.sectionName === null ? 'options= (no [global] default=: xen.efi takes the first one)' : `[${boot.sectionName}] options=`
  let editedLine: number
  if (boot.options) {
    const value = boot.options.value
    const r = rewriteDom0MemDetailed(value, kib, options)
    // With a `#` comment right after the value, keep a blank between the new option and the comment.
    let replacement = r.text
    if (r.appended && boot.options.comment && !/\s$/.test(value)) replacement += ' '
    if (replacement !== value) edits.push({start: boot.options.valueSpan.start.offset, end: boot.options.valueSpan.end.offset, text: replacement})
    result.changes.push(...describeRewrite(`${label} (line ${boot.options.line})`, r, rendered))
    editedLine = boot.options.line
  } else {
    const line = `options=${rendered}`
    const section = boot.sectionName === null ? undefined : cfg.sections.find((s) => s.name === boot.sectionName)
    const headerLine = section?.nameSpan?.start.line
    if (headerLine !== undefined) {
      // After a commented-out `#options=` of the section (PLD's stock file), else after the header.
      let after = headerLine
      for (let n = headerLine + 1; n <= cfg.index.lineCount; n++) {
        const raw = cfg.index.lineText(n)
        if (/^\s*\[/.test(raw)) break
        if (/^\s*#\s*options\s*=/.test(raw)) after = n
      }
      edits.push(insertLineAfter(text, cfg.index, after, line))
      editedLine = after + 1
    } else if (boot.kernel) {
      edits.push(insertLineAfter(text, cfg.index, boot.kernel.line - 1, line))
      editedLine = boot.kernel.line
    } else {
      edits.push(appendLine(text, line))
      editedLine = cfg.index.lineCount + 1
    }
    result.changes.push(`${boot.sectionName === null ? '' : `[${boot.sectionName}]: `}added ${line} (the section had no options=)`)
  }
  if (cfg.lastLineIgnored && cfg.lastLineIgnored.line === editedLine && edits.length > 0) {
    edits.push({start: text.length, end: text.length, text: lineEnding(text)})
    result.changes.push(`added the missing newline at the end: xen.efi ignores a last line without one ("No newline at end of config file")`)
  }
  const others = cfg.sections.filter((s) => s.name !== boot.sectionName && s.name !== null && s.name !== 'global' && s.entries.some((e) => e.key === 'options' && /(^|\s)dom0_mem=/.test(e.value)))
  if (boot.sectionName !== null && others.length > 0) {
    result.notes.push(`other sections (${others.map((s) => `[${s.name}]`).join(', ')}) set their own dom0_mem; memguard changes only the default section [${boot.sectionName}]`)
  }
  result.after = applyEdits(text, edits)
  return result
}

// ---- xl.conf ------------------------------------------------------------------------------------------

export const XL_AUTOBALLOON_OFF = 'autoballoon="off"'
const XL_OFF_VALUES = new Set(['off', '0'])

/** A key that is a misspelling of `autoballoon` (the same test as the linter's autoballoon-invalid). */
export function isMisspeltAutoballoon(key: string): boolean {
  return key !== 'autoballoon' && closest(key, ['autoballoon']) === 'autoballoon'
}

/**
 * `autoballoon="off"` in xl.conf (xl reads it on every command: no restart needed).
 * - Each `autoballoon` assignment whose value is not already off ("off" or 0) becomes
 *   `autoballoon="off"`; one that is already off is left as written.
 * - A misspelt key (`autoballon=1`, in the first upstream xl.conf of 2010) is fixed where it stands:
 *   the line becomes `autoballoon="off"`. xl never read it, so renaming it changes nothing but the
 *   intent, and leaves no dead line behind (commenting it out and adding another would).
 * - With neither, `autoballoon="off"` is added after the stock commented-out `#autoballoon=…`
 *   line, or at the end. A missing file (null) becomes a file with that one line.
 */
export function editXlConf(text: string | null): FileEdit {
  if (text === null) return {after: `${XL_AUTOBALLOON_OFF}\n`, changes: [`created with ${XL_AUTOBALLOON_OFF}`], notes: [], problems: []}
  const cfg = parseXlConfig(text, {file: 'xl.conf'})
  const result = emptyEdit(text)
  const edits: TextEdit[] = []
  let found = false
  for (const s of cfg.settings) {
    const misspelt = isMisspeltAutoballoon(s.key)
    if (s.key !== 'autoballoon' && !misspelt) continue
    found = true
    const value = s.value.type === 'atom' ? s.value.value : undefined
    if (!misspelt && s.op === '=' && value !== undefined && XL_OFF_VALUES.has(value)) continue
    const before = text.slice(s.span.start.offset, s.span.end.offset)
    if (s.op === '=' && s.value.type === 'atom') {
      // Keep the line's own spacing: only the key (when misspelt) and the value change.
      if (misspelt) edits.push({start: s.keySpan.start.offset, end: s.keySpan.end.offset, text: 'autoballoon'})
      edits.push({start: s.value.span.start.offset, end: s.value.span.end.offset, text: '"off"'})
    } else edits.push({start: s.span.start.offset, end: s.span.end.offset, text: XL_AUTOBALLOON_OFF})
    result.changes.push(
      misspelt
        ? `line ${s.span.start.line}: ${before} → ${XL_AUTOBALLOON_OFF} (the key was misspelt, so xl ignored it and kept the default "auto")`
        : `line ${s.span.start.line}: ${before} → ${XL_AUTOBALLOON_OFF}`,
    )
  }
  if (!found) {
    const comment = cfg.comments.filter((c) => /^\s*autoballoo?n\s*=/.test(c.text)).at(-1)
    edits.push(comment ? insertLineAfter(text, cfg.index, comment.span.start.line, XL_AUTOBALLOON_OFF) : appendLine(text, XL_AUTOBALLOON_OFF))
    result.changes.push(`added ${XL_AUTOBALLOON_OFF}${comment ? ` after the commented-out default (line ${comment.span.start.line})` : ''}`)
  }
  if (cfg.problems.some((p) => p.kind === 'syntax')) result.notes.push('xl.conf has syntax errors that xl rejects ("config parsing error"); memguard changed only the autoballoon line – see `memguard lint` for the rest')
  result.after = applyEdits(text, edits)
  return result
}

// ---- xend-config.sxp ---------------------------------------------------------------------------------------

/**
 * How this xend turns dom0 ballooning off (xen-facts §1.4):
 * - `min-mem-zero` – xend up to 3.2 (RHEL5's xend is 3.0.3 + backports under a 3.1 hypervisor):
 *   `(dom0-min-mem 0)` means "dom0 will never balloon out"; there is no enable-dom0-ballooning.
 * - `enable-no` – xend 3.3 and later (commit 54cdc383f1): `(enable-dom0-ballooning no)`, and
 *   `(dom0-min-mem N)` with N = dom0's size in MiB becomes the floor that `xm mem-set 0 …` may not
 *   go below (0 there would mean "no floor at all").
 */
export type XendSemantics = 'min-mem-zero' | 'enable-no'

export function editXendConfig(text: string, semantics: XendSemantics, sizeMiB: number): FileEdit {
  const cfg = parseXendConfig(text, {file: 'xend-config.sxp'})
  const result = emptyEdit(text)
  if (cfg.problems.some((p) => p.kind === 'syntax')) {
    result.problems.push(`xend-config.sxp does not parse (${cfg.problems[0]?.message ?? 'syntax error'}): memguard does not edit a file it cannot read exactly; set ${semantics === 'min-mem-zero' ? '(dom0-min-mem 0)' : `(enable-dom0-ballooning no) and (dom0-min-mem ${sizeMiB})`} by hand`)
    return result
  }
  const edits: TextEdit[] = []
  const want: Array<[string, string]> = semantics === 'min-mem-zero' ? [['dom0-min-mem', '0']] : [['enable-dom0-ballooning', 'no'], ['dom0-min-mem', String(sizeMiB)]]
  const lines = text.split('\n')
  for (const [key, value] of want) {
    const settings = cfg.settings.filter((s) => s.key === key)
    for (const s of settings) {
      if (s.values.length === 1 && s.value === value) continue
      const before = text.slice(s.span.start.offset, s.span.end.offset)
      // Keep the form's own spacing when it is the common `(key value)`.
      if (s.values.length === 1 && s.valueSpan) edits.push({start: s.valueSpan.start.offset, end: s.valueSpan.end.offset, text: value})
      else edits.push({start: s.span.start.offset, end: s.span.end.offset, text: `(${key} ${value})`})
      result.changes.push(`line ${s.span.start.line}: ${before} → (${key} ${value})`)
    }
    if (settings.length > 0) continue
    // Missing: after a commented-out `#(key …)`, else after the other dom0 setting, else at the end.
    const commentLine = lines.findIndex((l) => new RegExp(`^\\s*#+\\s*\\(\\s*${key}\\b`).test(l))
    const anchor: XendSetting | undefined = cfg.settings.filter((s) => s.key === 'dom0-min-mem' || s.key === 'enable-dom0-ballooning').at(-1)
    const line = `(${key} ${value})`
    if (commentLine !== -1) edits.push(insertLineAfter(text, cfg.index, commentLine + 1, line))
    else if (anchor) edits.push(insertLineAfter(text, cfg.index, anchor.span.end.line, line))
    else edits.push(appendLine(text, line))
    result.changes.push(`added ${line}`)
  }
  if (semantics === 'min-mem-zero' && cfg.settings.some((s) => s.key === 'enable-dom0-ballooning')) {
    result.notes.push('enable-dom0-ballooning is set, but this xend is older than 3.3 and does not know it; (dom0-min-mem 0) is what stops its ballooning')
  }
  result.after = applyEdits(text, edits)
  return result
}
