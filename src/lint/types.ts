import type {XenBootEntry} from '../xen/config/boot-entry.js'
import type {ConfigKind} from '../xen/config/detect.js'
import type {EfiConfig} from '../xen/config/efi-cfg.js'
import type {GrubCfg} from '../xen/config/grub-cfg.js'
import type {GrubLegacyConfig} from '../xen/config/grub-legacy.js'
import type {ShellConfig} from '../xen/config/shell-assign.js'
import type {SyslinuxConfig} from '../xen/config/syslinux.js'
import type {ConfigProblem, LineIndex, Span} from '../xen/config/text.js'
import type {XendConfig} from '../xen/config/xend-config.js'
import type {XlConfig} from '../xen/config/xl-cfg.js'
import type {XenVersionLike} from '../xen/version.js'

export type Severity = 'error' | 'warning'
/** What a user may set a rule to (`.memguard.yml`, `--rule ID=…`). */
export type SeveritySetting = 'off' | 'warn' | 'error'

export interface SourceFile {
  /** As shown in output: relative to the working directory when possible, `/` separators. */
  path: string
  text: string
  kind: ConfigKind
}

interface ParsedBase {
  source: SourceFile
  index: LineIndex
  /** Parser findings: syntax errors and xm-only Python. */
  problems: ConfigProblem[]
}

export type ParsedFile =
  | (ParsedBase & {kind: 'xl-domain'; xl: XlConfig})
  | (ParsedBase & {kind: 'xl-cpupool'; xl: XlConfig})
  | (ParsedBase & {kind: 'xl-conf'; xl: XlConfig})
  | (ParsedBase & {kind: 'xend-config'; xend: XendConfig})
  | (ParsedBase & {kind: 'grub-legacy'; grubLegacy: GrubLegacyConfig; xenEntries: XenBootEntry[]})
  | (ParsedBase & {kind: 'grub-cfg'; grubCfg: GrubCfg; xenEntries: XenBootEntry[]})
  | (ParsedBase & {kind: 'syslinux'; syslinux: SyslinuxConfig; xenEntries: XenBootEntry[]})
  | (ParsedBase & {kind: 'efi-cfg'; efi: EfiConfig; xenEntries: XenBootEntry[]})
  | (ParsedBase & {kind: 'grub-default'; shell: ShellConfig})
  | (ParsedBase & {kind: 'script'})

export type ParsedOf<K extends ConfigKind> = Extract<ParsedFile, {kind: K}>

/** Facts about the host the configs are for: from flags, `.memguard.yml` or a snapshot. */
export interface HostFacts {
  /** The Xen version the configs target: makes the dom0_mem and xend rules version-exact. */
  xenVersion?: XenVersionLike
  /** Total host memory (xl info total_memory). */
  hostMemoryKiB?: number
  /** Where hostMemoryKiB came from, for messages (`--host-memory`, `snapshot …`). */
  hostMemorySource?: string
  /** The running hypervisor's command line (from a snapshot's `xl info`). */
  xenCommandline?: string
}

export interface Related {
  path: string
  span: Span
  message: string
}

export interface Finding {
  ruleId: string
  severity: Severity
  message: string
  path: string
  span: Span
  hint?: string
  related?: Related[]
}

/** What a rule reports; the runner adds the rule id, the severity and (by default) the path. */
export interface Report {
  message: string
  span: Span
  hint?: string
  /** Another file (cross-file rules). */
  path?: string
  related?: Related[]
}

export interface RuleContext {
  facts: HostFacts
  report(report: Report): void
}

export interface Rule {
  /** Stable kebab-case id: the name in output, config and inline directives. */
  id: string
  severity: Severity
  /** One line: what the rule finds. */
  description: string
  /** Its documentation page, relative to the package root: `docs/rules/<id>.md`. */
  docs: string
  /** File kinds the per-file check runs on. */
  kinds: readonly ConfigKind[]
  /** Per file. */
  check?(file: ParsedFile, ctx: RuleContext): void
  /** Once per run, over every parsed file (cross-file rules). */
  checkAll?(files: readonly ParsedFile[], ctx: RuleContext): void
}

/** Where a rule's documentation lives, relative to the package root. */
export function ruleDocsPath(id: string): string {
  return `docs/rules/${id}.md`
}
