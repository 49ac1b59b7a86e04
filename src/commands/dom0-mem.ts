import {Args, Flags} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'
import {safetyFlags} from '../cli/common-flags.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {DEFAULT_AUDIT_LOG} from '../ops/audit.js'

export default class Dom0Mem extends MemguardCommand {
  static override summary = "Fix dom0's memory for good: dom0_mem=X,max:X on the Xen command line, ballooning off in the toolstack."
  static override description = `The documented cure for the netback "memory squeeze" and for dom0 being ballooned into the OOM killer. memguard finds every place that matters on the host – GRUB legacy Xen entries, GRUB2's GRUB_CMDLINE_XEN (/etc/default/grub, /etc/default/grub.d/*.cfg), the EFI xen.cfg, XenServer/XCP-ng's xen-cmdline, xl.conf's autoballoon, xend-config.sxp (by xend version) – and shows each change as a unified diff, then the commands to run (update-grub, grub2-mkconfig, xen-cmdline, service xend restart).

SIZE takes b k m g t or KiB MiB GiB TiB; a bare number is MiB (as for xl/xm mem-set – on the Xen command line a bare number would be KiB, so memguard always writes the M). Without SIZE memguard recommends one from the host: max(safe floor now, 1024 MiB + 64 MiB per HVM guest + 16 MiB per other guest), rounded up to 64 MiB, with the vendor rules beside it. A size below the safe floor is refused (exit 3).

Without --apply nothing is written. --apply writes each file atomically with a timestamped backup, keeping owner and mode; a second run finds nothing to do. On a snapshot it is plan-only. The Xen command line takes effect at the next reboot; xl reads xl.conf at every command, xend after a restart.`
  static override examples = [
    '<%= config.bin %> dom0-mem',
    '<%= config.bin %> dom0-mem 2g --apply',
    '<%= config.bin %> dom0-mem 1536 --bootloader grub2 --toolstack xl',
    '<%= config.bin %> dom0-mem --snapshot examples/hosts/xenlab --json',
  ]
  static override args = {
    size: Args.string({description: "dom0's fixed size: 1536m, 2g, 1536 (bare = MiB). Default: memguard's recommendation.", required: false}),
  }
  static override flags = {
    ...hostFlags,
    ...safetyFlags,
    apply: Flags.boolean({description: 'Write the files (atomically, with a timestamped backup; owner and mode kept).', default: false}),
    bootloader: Flags.string({description: 'Which boot configuration to edit (auto: every one found).', options: ['auto', 'grub-legacy', 'grub2', 'efi', 'xcp'], default: 'auto'}),
    toolstack: Flags.string({description: 'Which toolstack configuration to edit (auto: xl.conf and/or xend-config.sxp, as found).', options: ['auto', 'xl', 'xm'], default: 'auto'}),
    'audit-log': Flags.string({description: 'Where --apply records what it wrote (JSON lines; a host path, under --root with --root).', default: DEFAULT_AUDIT_LOG, helpValue: 'PATH'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Dom0Mem)
    const [{parseSize}, {parseHeadroom}, ops, {commandLine, currentUser}, {dom0MemJson, renderDom0MemText}] = await Promise.all([
      import('../lib/size.js'),
      import('../safety/headroom.js'),
      import('../ops/dom0-mem.js'),
      import('../ops/audit.js'),
      import('../render/dom0-mem.js'),
    ])
    // Every input is checked before the host is touched.
    const headroom = flags.headroom === undefined ? undefined : parseHeadroom(flags.headroom)
    let size: import('../ops/dom0-mem.js').SizeRequest | null = null
    if (args.size !== undefined) {
      const parsed = parseSize(args.size, {bareUnit: 'MiB', what: 'SIZE'})
      if (parsed.kib <= 0) throw new MemguardError(`SIZE ${JSON.stringify(args.size)} is zero`, {exitCode: ExitCode.usage})
      const kib = Math.ceil(parsed.kib / 1024) * 1024
      size = {kib, text: args.size, unit: parsed.unit, bare: parsed.bare, roundedFromKiB: kib === parsed.kib ? null : parsed.kib}
    }
    const host = await this.openHost(flags)
    if (flags.apply && host.readOnly) {
      throw new MemguardError(`--apply: ${host.label} is read-only, nothing can be written there`, {exitCode: ExitCode.usage, hint: 'drop --apply to see the plan, or run on the host itself (or with --host) to apply it'})
    }
    const plan = await ops.planDom0Mem(host, {
      size,
      bootloader: flags.bootloader as 'auto',
      toolstack: flags.toolstack as 'auto',
      headroom,
      countSwapAsHeadroom: flags['count-swap'],
    })
    const change = {command: commandLine(['memguard', 'dom0-mem', ...this.argv]), user: await currentUser(), auditLogPath: flags['audit-log']}
    const applied = flags.apply ? await ops.applyDom0MemChange(host, plan, change) : null
    if (applied?.failed || plan.config.problems.length > 0) this.setExitCode(ExitCode.failure)
    if (!this.jsonEnabled()) this.log(renderDom0MemText(plan, applied, flags.apply, await this.chalk()))
    return dom0MemJson(plan, applied)
  }
}
