import {Flags} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {DEFAULT_AUDIT_LOG} from '../ops/audit.js'

export default class Confirm extends MemguardCommand {
  static override summary = 'Keep the last memory change: cancel its pending dead-man rollback.'
  static override description = `After \`memguard mem-set … --confirm-within DURATION\`, a small reverter restores the previous target at the deadline. Run this once you know the host is fine: the reverter stops and the change stays.

If the reverter died (memguard status says the rollback is orphaned), this clears its state. If it died while restoring (interrupted), the domain may already be partly back: this keeps the target it has now, says what that is, and clears the state.

Exit codes: 0 confirmed · 1 nothing was pending (the rollback may already have fired: its log is shown).`
  static override examples = ['<%= config.bin %> confirm', '<%= config.bin %> confirm --host root@dom0.example']
  static override flags = {
    ...hostFlags,
    'audit-log': Flags.string({description: 'The audit log to record the confirmation in.', default: DEFAULT_AUDIT_LOG, helpValue: 'PATH'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Confirm)
    const [{confirmChange}, {currentUser, commandLine}, {renderConfirmText}] = await Promise.all([import('../ops/confirm-rollback.js'), import('../ops/mem-set.js'), import('../render/mem-set.js')])
    const host = await this.openHost(flags)
    if (host.readOnly) throw new MemguardError(`${host.label} is read-only: there is nothing to confirm on a snapshot`, {exitCode: ExitCode.usage})
    const result = await confirmChange(host, {command: commandLine(['memguard', 'confirm', ...this.argv]), user: await currentUser(), auditLogPath: flags['audit-log']})
    if (!this.jsonEnabled()) this.log(renderConfirmText(result, await this.chalk(), host.label))
    this.setExitCode(result.exitCode)
    return {schemaVersion: 1, host: host.label, ...result}
  }
}
