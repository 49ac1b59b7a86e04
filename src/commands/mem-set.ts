import {Args, Flags} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'
import {safetyFlags} from '../cli/common-flags.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {DEFAULT_AUDIT_LOG} from '../ops/audit.js'

export default class MemSet extends MemguardCommand {
  static override summary = "Change a domain's memory target without pushing it into the OOM killer."
  static override description = `What to type instead of \`xl mem-set\` / \`xm mem-set\`. memguard reads what the domain really uses, refuses a shrink that would wake the OOM killer (and says who would die), applies a safe change through the real toolstack, watches the balloon get there, and raises the target back at once if dom0 runs short or the OOM killer fires while it shrinks.

<size> takes b k m g t or KiB MiB GiB TiB (any case, decimals allowed). A bare number is MiB, as xl and xm read it (xl's man page says KiB; its code does not).

Exit codes: 0 applied (or, with --dry-run, would apply) · 1 toolstack failure · 2 bad input · 3 refused · 4 applied but not converged, or braked and rolled back.`
  static override examples = [
    '<%= config.bin %> mem-set 0 1024m',
    '<%= config.bin %> mem-set Domain-0 1.5g --dry-run',
    '<%= config.bin %> mem-set 0 1024m --confirm-within 5m   # then: memguard confirm',
    '<%= config.bin %> mem-set web1 2g --guest root@web1',
    '<%= config.bin %> mem-set 0 256m --snapshot examples/hosts/seed-incident',
  ]
  static override args = {
    domain: Args.string({description: 'Domain name or ID, as `xl list` shows them (0 or Domain-0 for dom0).', required: true}),
    size: Args.string({description: 'New memory target: 1536m, 1.5g, 1048576k (a bare number is MiB).', required: true}),
  }
  static override flags = {
    ...hostFlags,
    ...safetyFlags,
    'dry-run': Flags.boolean({description: 'Print the whole plan and verdict and change nothing: exit 0 if it would apply, 3 if it would refuse.', default: false}),
    force: Flags.boolean({description: "Apply even though memguard's preflight refuses (never past the toolstack's own limits). Needs --reason.", default: false}),
    reason: Flags.string({description: 'Why: written to the audit log and syslog (required with --force).', helpValue: 'TEXT'}),
    'wait-timeout': Flags.string({description: 'How long to watch the balloon converge before giving up with exit 4 (90s, 5m, 1h; bare = seconds).', default: '2m', helpValue: 'DURATION'}),
    wait: Flags.boolean({description: 'Watch the balloon converge (and brake if needed). --no-wait only sets the target.', default: true, allowNo: true}),
    'confirm-within': Flags.string({description: 'Arm a dead-man rollback: the previous target comes back after DURATION unless `memguard confirm` is run.', helpValue: 'DURATION'}),
    guest: Flags.string({description: "For a domU: read the guest's own /proc over ssh and apply the same floor as for dom0.", helpValue: 'USER@HOST'}),
    'audit-log': Flags.string({description: 'Where every applied, refused or forced change is recorded (JSON lines; a host path, under --root with --root).', default: DEFAULT_AUDIT_LOG, helpValue: 'PATH'}),
    'toolstack-timeout': Flags.string({description: 'Kill the toolstack (xl/xm) if it has not answered after this long.', default: '30s', helpValue: 'DURATION'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(MemSet)
    const [{statusPlan, LINUX_FILES}, {buildHostState}, {checkRollbacks}, {preflightMemSet, parseMemSetSize}, {parseHeadroom}, {parseDuration}, ops, render] = await Promise.all([
      import('../state/plan.js'),
      import('../state/host-state.js'),
      import('../ops/rollback.js'),
      import('../safety/mem-set.js'),
      import('../safety/headroom.js'),
      import('../lib/duration.js'),
      import('../ops/mem-set.js'),
      import('../render/mem-set.js'),
    ])
    // Every input is checked before the host is touched.
    const headroom = flags.headroom === undefined ? undefined : parseHeadroom(flags.headroom)
    const waitTimeoutMs = flags.wait ? parseDuration(flags['wait-timeout'], {what: '--wait-timeout'}).ms : null
    const toolstackTimeoutMs = parseDuration(flags['toolstack-timeout'], {what: '--toolstack-timeout'}).ms
    const confirmWithinMs = flags['confirm-within'] === undefined ? null : parseDuration(flags['confirm-within'], {what: '--confirm-within'}).ms
    if (flags.force && flags.reason === undefined) throw new MemguardError('--force needs --reason TEXT: say why the safety check is overridden (it goes to the audit log and syslog)', {exitCode: ExitCode.usage})
    if (flags.reason !== undefined && flags.reason.trim() === '') throw new MemguardError('--reason is empty; say why the change is made', {exitCode: ExitCode.usage})
    parseMemSetSize(args.size) // a typo in the size must not cost a read of the host first

    const host = await this.openHost(flags)
    const state = buildHostState(await host.gather(statusPlan()), host.label)
    state.rollbacks = await checkRollbacks(host, state.rollbacks) // a refusal says whether its reverter is still there
    let guest = null
    if (flags.guest !== undefined) {
      if (/^\s*(0+|Domain-0)\s*$/.test(args.domain)) throw new MemguardError('--guest is for a domU: dom0 is read directly', {exitCode: ExitCode.usage})
      const guestHost = await this.openHost({host: [flags.guest]})
      guest = {target: flags.guest, host: guestHost, state: buildHostState(await guestHost.gather({files: LINUX_FILES, commands: [], processes: true}), guestHost.label)}
    }
    const preflight = preflightMemSet(state, {
      domain: args.domain,
      size: args.size,
      headroom,
      countSwapAsHeadroom: flags['count-swap'],
      force: flags.force,
      reason: flags.reason,
      guest: guest ? {target: guest.target, state: guest.state} : null,
    })

    const dryRun = flags['dry-run'] || host.readOnly
    const command = ops.commandLine(['memguard', 'mem-set', ...this.argv])
    const auditLogPath = flags['audit-log']
    const ctx = {
      hostLabel: host.label,
      hostKind: host.kind,
      dryRun,
      dryRunReason: flags['dry-run'] ? ('asked' as const) : host.readOnly ? ('read-only' as const) : null,
      toolstackTimeoutMs,
      waitTimeoutMs,
      confirmWithinMs,
      auditLogPath,
      refusalAuditWarnings: [] as string[],
    }
    const c = await this.chalk()
    const text = !this.jsonEnabled()
    const user = await ops.currentUser()

    if (dryRun || preflight.decision === 'refuse') {
      const exitCode = preflight.decision === 'refuse' ? ExitCode.refused : ExitCode.ok
      if (!dryRun) ctx.refusalAuditWarnings = await ops.auditRefusal(host, preflight, {command, user, auditLogPath})
      if (text) this.log(render.renderMemSetText(preflight, ctx, c))
      this.setExitCode(exitCode)
      return render.memSetJson(preflight, ctx, null, exitCode)
    }

    if (text) this.log(render.renderMemSetText(preflight, ctx, c))
    const tty = text && process.stderr.isTTY === true
    const result = await ops.executeMemSet(host, preflight, {
      command,
      user,
      auditLogPath,
      toolstackTimeoutMs,
      waitTimeoutMs,
      confirmWithinMs,
      guestHost: guest?.host ?? null,
      onProgress: tty ? (sample, subject) => process.stderr.write(`\r\u001B[K  ${render.progressLine(sample, subject)}`) : undefined,
    })
    if (tty) process.stderr.write('\r\u001B[K')
    if (text) this.log(render.renderMemSetResult(preflight, result, c))
    this.setExitCode(result.exitCode)
    return render.memSetJson(preflight, ctx, result, result.exitCode)
  }
}
