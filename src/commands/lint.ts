import {Args, Flags} from '@oclif/core'
import {MemguardCommand} from '../cli/base-command.js'
import {ExitCode} from '../lib/exit-codes.js'
import {CONFIG_KINDS, type ConfigKind} from '../xen/config/detect.js'

const FORMATS = ['stylish', 'json', 'sarif', 'junit', 'github'] as const

export default class Lint extends MemguardCommand {
  static override description = `Lint Xen configuration for CI: domain configs (xl and xm-era), xl.conf, xend-config.sxp, GRUB legacy/GRUB2/SYSLINUX/EFI boot configs and scripts.

Directories are walked; files that are not Xen configs are skipped quietly. Exit 0 when clean, 1 when there are errors (or more warnings than --max-warnings), 2 on a fatal problem (unreadable path, bad .memguard.yml).

.memguard.yml (found upward from the working directory) can set rule severities, ignored paths, file kinds, xenVersion, hostMemory and maxWarnings under a "lint:" key. Inline: "# memguard-disable-next-line RULE", "# memguard-disable RULE" / "# memguard-enable RULE". Rule docs: docs/rules/<rule>.md.`

  static override examples = [
    '<%= config.bin %> lint /etc/xen /boot/grub',
    '<%= config.bin %> lint configs/ --format sarif > lint.sarif',
    '<%= config.bin %> lint . --host-memory 64G --rule memory-quoted-string=off',
    '<%= config.bin %> lint --snapshot snapshots/web1',
  ]

  static override strict = false

  static override args = {
    paths: Args.string({description: 'Files or directories to lint (default: the current directory, or the config files of --snapshot).'}),
  }

  static override flags = {
    format: Flags.string({char: 'f', description: 'Output format.', options: [...FORMATS], default: 'stylish'}),
    config: Flags.string({char: 'c', description: 'Use this .memguard.yml instead of searching upward from the working directory.', helpValue: 'FILE'}),
    kind: Flags.string({description: 'Treat every file as this kind (no detection).', options: [...CONFIG_KINDS]}),
    'host-memory': Flags.string({description: 'Host memory for host-memory-overcommit and percentage dom0_mem sizes (e.g. 64G; bare number = MiB).', helpValue: 'SIZE'}),
    'xen-version': Flags.string({description: 'Xen version the configs boot (e.g. 4.17): version-dependent rules become exact.', helpValue: 'X.Y'}),
    'max-warnings': Flags.integer({description: 'Fail (exit 1) when there are more warnings than this.', min: 0, helpValue: 'N'}),
    rule: Flags.string({description: 'Set a rule severity: ID=off|warn|error (repeatable).', multiple: true, helpValue: 'ID=LEVEL'}),
    snapshot: Flags.directory({description: 'Take host memory, Xen version and command line from a `memguard snapshot` directory; with no PATH, lint its config files.', helpValue: 'DIR', exists: true}),
    'list-rules': Flags.boolean({description: 'List the rules with their default severity and exit.'}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Lint)
    const paths = argv as string[]
    const [{ALL_RULES}, {parseRuleFlag}, files, {lintSources}, {parseSize}] = await Promise.all([
      import('../lint/registry.js'),
      import('../lint/config.js'),
      import('../cli/lint-files.js'),
      import('../lint/runner.js'),
      import('../lib/size.js'),
    ])

    if (flags['list-rules']) {
      const rows = ALL_RULES.map((r) => ({id: r.id, severity: r.severity, description: r.description, docs: `docs/rules/${r.id}.md`}))
      if (!this.jsonEnabled()) for (const r of rows) this.log(`${r.id.padEnd(28)} ${r.severity.padEnd(8)} ${r.description}`)
      return {rules: rows}
    }

    const cwd = process.cwd()
    const configPath = flags.config ?? files.findConfigUpward(cwd)
    const config = await files.loadLintConfig(configPath)

    const severities = {...config.severities}
    for (const r of flags.rule ?? []) {
      const [id, level] = parseRuleFlag(r)
      severities[id] = level
    }

    let hostMemoryKiB = config.hostMemoryKiB
    let hostMemorySource = config.hostMemoryKiB !== undefined ? `hostMemory in ${config.path}` : undefined
    if (flags['host-memory'] !== undefined) {
      hostMemoryKiB = parseSize(flags['host-memory'], {bareUnit: 'MiB', what: '--host-memory'}).kib
      hostMemorySource = `--host-memory ${flags['host-memory']}`
    }
    let xenVersion: string | undefined = flags['xen-version'] ?? config.xenVersion
    let xenCommandline: string | undefined
    let lintPaths = paths
    let displayBase: string | undefined
    if (flags.snapshot) {
      const facts = await this.snapshotFacts(flags.snapshot)
      if (hostMemoryKiB === undefined && facts.hostMemoryKiB !== undefined) {
        hostMemoryKiB = facts.hostMemoryKiB
        hostMemorySource = `xl info total_memory in snapshot ${flags.snapshot}`
      }
      xenVersion ??= facts.xenVersion
      xenCommandline = facts.xenCommandline
      if (paths.length === 0) {
        const roots = files.snapshotConfigRoots(flags.snapshot)
        lintPaths = roots.paths
        displayBase = roots.base
      }
    } else if (paths.length === 0) lintPaths = ['.']

    const collected = files.collectSources(lintPaths, {cwd, config, kind: flags.kind as ConfigKind | undefined, displayBase})
    const result = lintSources(collected.sources, {severities, facts: {xenVersion, hostMemoryKiB, hostMemorySource, xenCommandline}})
    const maxWarnings = flags['max-warnings'] ?? config.maxWarnings
    const report = {result, skipped: collected.skipped, memguardVersion: this.config.version, maxWarnings}

    for (const notice of [...collected.notices, ...result.notices]) process.stderr.write(`memguard: ${notice}\n`)

    const failed = result.errorCount > 0 || (maxWarnings !== undefined && result.warningCount > maxWarnings)
    this.setExitCode(result.internalErrors > 0 ? ExitCode.usage : failed ? ExitCode.failure : ExitCode.ok)

    if (this.jsonEnabled()) {
      const {lintJson} = await import('../render/lint-json.js')
      return lintJson(report)
    }
    let out: string
    switch (flags.format) {
      case 'json':
        out = (await import('../render/lint-json.js')).renderLintJson(report)
        break
      case 'sarif':
        out = (await import('../render/lint-sarif.js')).renderLintSarif(report)
        break
      case 'junit':
        out = (await import('../render/lint-junit.js')).renderLintJunit(report)
        break
      case 'github':
        out = (await import('../render/lint-github.js')).renderLintGithub(report)
        break
      default:
        out = (await import('../render/lint-stylish.js')).renderLintStylish(report, {color: this.useColor})
    }
    process.stdout.write(out)
    return undefined
  }

  /**
   * Host facts from a snapshot, read the way every command reads a host (src/state): the toolstack
   * decided by detectToolstack, and the Xen command line from `xm dmesg` on Xen 3.1, whose
   * `xm info` has none.
   */
  private async snapshotFacts(dir: string): Promise<{hostMemoryKiB?: number; xenVersion?: string; xenCommandline?: string}> {
    const host = await this.openHost({snapshot: dir})
    const [{statusPlan}, {buildHostState}] = await Promise.all([import('../state/plan.js'), import('../state/host-state.js')])
    const {xen} = buildHostState(await host.gather(statusPlan()), host.label)
    if (!xen.info) {
      process.stderr.write(`memguard: snapshot ${dir} has no usable xl info / xm info: host memory unknown\n`)
      return {}
    }
    return {hostMemoryKiB: xen.info.totalMemoryMiB * 1024, xenVersion: xen.info.xenVersion?.text, xenCommandline: xen.commandLine?.text}
  }
}
