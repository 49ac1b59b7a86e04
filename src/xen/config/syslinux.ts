import {isXenImage, type XenBootEntry} from './boot-entry.js'
import {type CmdlineArg, type ConfigProblem, LineIndex, type Span, splitCmdline} from './text.js'

/**
 * SYSLINUX / PXELINUX / ISOLINUX / EXTLINUX configs. Keywords are case-insensitive; `LABEL` starts
 * an entry. Xen boots through the `mboot.c32` COM32 module: `KERNEL mboot.c32` and
 * `APPEND xen.gz <xen options> --- vmlinuz <dom0 options> --- initrd`, the ` --- ` separating the
 * multiboot modules on one line.
 */

export interface SyslinuxLabel {
  name: string
  nameSpan: Span
  kernel: {text: string; span: Span} | undefined
  append: {text: string; span: Span; args: CmdlineArg[]} | undefined
}

export interface SyslinuxConfig {
  file: string | undefined
  labels: SyslinuxLabel[]
  problems: ConfigProblem[]
  index: LineIndex
}

export function parseSyslinux(text: string, options: {file?: string} = {}): SyslinuxConfig {
  const index = new LineIndex(text)
  const labels: SyslinuxLabel[] = []
  for (let line = 1; line <= index.lineCount; line++) {
    const raw = index.lineText(line)
    const m = /^(\s*)([A-Za-z0-9_]+)(\s+(.*?))?\s*$/.exec(raw)
    if (!m || raw.trim().startsWith('#')) continue
    const keyword = (m[2] as string).toLowerCase()
    const rest = m[4] ?? ''
    const lineStart = index.lineStarts[line - 1] as number
    const restStart = lineStart + (m[1] as string).length + (m[2] as string).length + ((m[3] ?? '').length - (m[3] ?? '').trimStart().length)
    const restSpan = index.span(restStart, restStart + rest.length)
    if (keyword === 'label') labels.push({name: rest, nameSpan: restSpan, kernel: undefined, append: undefined})
    const label = labels.at(-1)
    if (!label) continue
    if (keyword === 'kernel' || keyword === 'linux' || keyword === 'com32') label.kernel = {text: rest, span: restSpan}
    else if (keyword === 'append') label.append = {text: rest, span: restSpan, args: splitCmdline(rest, restStart, index)}
  }
  return {file: options.file, labels, problems: [], index}
}

export function syslinuxXenEntries(cfg: SyslinuxConfig): XenBootEntry[] {
  const out: XenBootEntry[] = []
  for (const label of cfg.labels) {
    if (!label.kernel || !/(^|\/)mboot\.c32$/i.test(label.kernel.text.split(/\s+/)[0] ?? '') || !label.append) continue
    const modules: CmdlineArg[][] = [[]]
    for (const arg of label.append.args) {
      if (arg.text === '---') modules.push([])
      else modules.at(-1)?.push(arg)
    }
    const xen = modules[0] ?? []
    const image = xen[0]
    if (!image || !isXenImage(image.text)) continue
    const dom0 = modules[1]
    out.push({
      loader: 'syslinux',
      title: label.name,
      titleSpan: label.nameSpan,
      recovery: /rescue|recovery|single|safe/i.test(label.name),
      hypervisor: {path: image.text, span: image.span},
      xenArgs: xen.slice(1),
      xenLine: {start: image.span.start, end: (xen.at(-1) ?? image).span.end},
      dom0Args: dom0?.slice(1),
      dom0Line: dom0?.length ? {start: (dom0[0] as CmdlineArg).span.start, end: (dom0.at(-1) as CmdlineArg).span.end} : undefined,
    })
  }
  return out
}
