import {Flags} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {DEFAULT_AUDIT_LOG} from '../ops/audit.js'

export default class Protect extends MemguardCommand {
  static override summary = 'Keep the OOM killer off sshd, xenstored, xenconsoled, journald, cron and the memguard reverter.'
  static override description = `Without flags it prints the plan – per process and per file, files as unified diffs – and changes nothing.

--apply sets the running processes (oom_score_adj on kernels >= 2.6.36, oom_adj before) and reads each value back. --persist writes what makes it survive restarts and reboots: systemd drop-ins (OOMScoreAdjust=, OOMPolicy=continue), or on SysV hosts a hook in the init scripts' defaults files plus rc.local. --backstop explains and plans vm.panic_on_oom + kernel.panic (reboot instead of a brick – it reboots every guest) and xenwatchdogd; only --apply --backstop applies it.

Values: -1000 for the sshd listener (not its sessions), xenstored, xenconsoled, journald and the reverter; -100 for cron, whose jobs inherit the value. See docs/commands/protect.md for why. A second run has nothing to do. On a snapshot it is plan-only.`
  static override examples = [
    '<%= config.bin %> protect',
    '<%= config.bin %> protect --apply --persist',
    '<%= config.bin %> protect --apply --process qemu-dm',
    '<%= config.bin %> protect --backstop',
    '<%= config.bin %> protect --snapshot examples/hosts/seed-incident',
  ]
  static override flags = {
    ...hostFlags,
    apply: Flags.boolean({description: 'Set the values on the running processes (and, with --persist, run systemctl daemon-reload; with --backstop, apply the backstop).', default: false}),
    persist: Flags.boolean({description: 'Write the files that keep the protection across restarts and reboots.', default: false}),
    process: Flags.string({description: 'Also exempt processes with this name (the topmost one: not its same-named children), or a critical service by id (xend, qemu-dm). Repeatable.', helpValue: 'NAME', multiple: true}),
    backstop: Flags.boolean({description: 'Explain and plan the host-level backstop (panic_on_oom + kernel.panic, xenwatchdogd); applied only with --apply.', default: false}),
    'audit-log': Flags.string({description: 'Where a change is recorded (JSON lines; a host path, under --root with --root).', default: DEFAULT_AUDIT_LOG, helpValue: 'PATH'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Protect)
    const extraNames = flags.process ?? []
    const [{isSafeProcessName}, {readProtectInputs, executeProtectChange}, {commandLine, currentUser}, {protectJson, renderProtectText}] = await Promise.all([
      import('../linux/oom-hook-script.js'),
      import('../ops/protect.js'),
      import('../ops/audit.js'),
      import('../render/protect.js'),
    ])
    const bad = extraNames.find((n) => !isSafeProcessName(n))
    if (bad !== undefined) {
      throw new MemguardError(`--process ${JSON.stringify(bad)} is not a process name`, {exitCode: ExitCode.usage, hint: 'give the name as ps shows it (letters, digits, . _ + -), e.g. --process qemu-dm'})
    }
    const host = await this.openHost(flags)
    const {plan, state} = await readProtectInputs(host, {extraNames, backstop: flags.backstop})
    if (state.processes.length === 0) {
      plan.warnings.push('the process table could not be read: nothing can be protected at runtime')
      this.setExitCode(ExitCode.failure)
    }
    const mode = {apply: flags.apply, persist: flags.persist, backstop: flags.backstop, readOnly: host.readOnly}
    const change = {command: commandLine(['memguard', 'protect', ...this.argv]), user: await currentUser(), auditLogPath: flags['audit-log']}
    const outcome = host.readOnly || (!flags.apply && !flags.persist) ? null : await executeProtectChange(host, plan, mode, change)
    if (outcome?.failed) this.setExitCode(ExitCode.failure)
    if (!this.jsonEnabled()) this.log(renderProtectText(plan, mode, outcome, await this.chalk()))
    return protectJson(plan, mode, outcome)
  }
}
