import {isXenImage, type XenBootEntry} from './boot-entry.js'
import {type CmdlineArg, type ConfigProblem, LineIndex, type Span, splitCmdline} from './text.js'

/**
 * GRUB legacy `menu.lst` / `grub.conf` (RHEL/CentOS 5–6, SLES 10/11, Debian before GRUB2).
 *
 * A line is `command args` or `command=args` (GRUB legacy treats `=` after the command name as a
 * separator, so `kernel=/boot/vmlinuz` and `title= X` work). `title` starts an entry. A Xen entry
 * is `kernel /xen.gz <xen options>` followed by `module /vmlinuz… <dom0 options>` and
 * `module /initrd…`.
 *
 * Debian's update-grub keeps settings between `### BEGIN AUTOMAGIC KERNELS LIST` and
 * `### END DEBIAN AUTOMAGIC KERNELS LIST` as single-`#` lines (`# xenhopt=dom0_mem=…`): those are
 * live settings there, and `##` lines are comments.
 */

export interface GrubLegacyCommand {
  name: string
  nameSpan: Span
  args: string
  argsSpan: Span
  argv: CmdlineArg[]
  line: number
  span: Span
}

export interface GrubLegacyEntry {
  title: string
  titleSpan: Span
  commands: GrubLegacyCommand[]
  span: Span
}

export interface AutomagicSetting {
  key: string
  value: string
  valueSpan: Span
  line: number
}

export interface GrubLegacyConfig {
  file: string | undefined
  /** Commands before the first `title` (default, timeout, …). */
  globals: GrubLegacyCommand[]
  entries: GrubLegacyEntry[]
  /** Debian update-grub automagic settings (`# xenhopt=…`). */
  automagic: AutomagicSetting[]
  problems: ConfigProblem[]
  index: LineIndex
}

export function parseGrubLegacy(text: string, options: {file?: string} = {}): GrubLegacyConfig {
  const index = new LineIndex(text)
  const globals: GrubLegacyCommand[] = []
  const entries: GrubLegacyEntry[] = []
  const automagic: AutomagicSetting[] = []
  let inAutomagic = false
  for (let line = 1; line <= index.lineCount; line++) {
    const raw = index.lineText(line)
    const lineStart = index.lineStarts[line - 1] as number
    const trimmed = raw.trim()
    if (/^###\s*BEGIN AUTOMAGIC KERNELS LIST/.test(trimmed)) inAutomagic = true
    else if (/^###\s*END DEBIAN AUTOMAGIC KERNELS LIST/.test(trimmed)) inAutomagic = false
    if (trimmed.startsWith('#')) {
      const m = inAutomagic ? /^#\s?([a-z][a-z0-9_]*)=(.*)$/.exec(raw) : null
      if (m && !raw.startsWith('##')) {
        const value = m[2] as string
        const valueStart = lineStart + raw.length - value.length
        automagic.push({key: m[1] as string, value, valueSpan: index.span(valueStart, valueStart + value.length), line})
      }
      continue
    }
    if (trimmed === '') continue
    const m = /^([ \t]*)([^\s=]+)(?:[ \t]*=[ \t]*|[ \t]+|$)(.*?)[ \t\r]*$/.exec(raw)
    if (!m) continue
    const nameStart = lineStart + (m[1] as string).length
    const name = m[2] as string
    const args = m[3] as string
    const argsStart = args === '' ? lineStart + raw.length : lineStart + raw.indexOf(args, (m[1] as string).length + name.length)
    const cmd: GrubLegacyCommand = {
      name: name.toLowerCase(),
      nameSpan: index.span(nameStart, nameStart + name.length),
      args,
      argsSpan: index.span(argsStart, argsStart + args.length),
      argv: splitCmdline(args, argsStart, index),
      line,
      span: index.span(nameStart, argsStart + args.length),
    }
    if (cmd.name === 'title') {
      entries.push({title: args, titleSpan: cmd.argsSpan, commands: [], span: cmd.span})
      continue
    }
    const entry = entries.at(-1)
    if (entry) entry.commands.push(cmd)
    else globals.push(cmd)
  }
  return {file: options.file, globals, entries, automagic, problems: [], index}
}

/** The Xen entries: `kernel <xen image> …` with the first `module` as dom0. */
export function grubLegacyXenEntries(cfg: GrubLegacyConfig): XenBootEntry[] {
  const out: XenBootEntry[] = []
  for (const entry of cfg.entries) {
    const kernel = entry.commands.find((c) => c.name === 'kernel')
    const image = kernel?.argv[0]
    if (!kernel || !image || !isXenImage(image.text)) continue
    const dom0 = entry.commands.find((c) => c.name === 'module')
    out.push({
      loader: 'grub-legacy',
      title: entry.title,
      titleSpan: entry.titleSpan,
      recovery: /\b(single|recovery)\b/i.test(entry.title),
      hypervisor: {path: image.text, span: image.span},
      xenArgs: kernel.argv.slice(1),
      xenLine: kernel.span,
      dom0Args: dom0?.argv.slice(1),
      dom0Line: dom0?.span,
    })
  }
  return out
}
