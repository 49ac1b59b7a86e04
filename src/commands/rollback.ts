import {Flags} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {DEFAULT_AUDIT_LOG} from '../ops/audit.js'

export default class Rollback extends MemguardCommand {
  static override summary = 'Undo the last memory change now: restore the target its pending dead-man rollback would restore.'
  static override description = `Stops the reverter armed by \`memguard mem-set … --confirm-within\` and restores the previous target at once, the way the reverter would: through dom0's balloon directly (sysfs target_kb, or /proc/xen/balloon on old kernels) and through the toolstack, then watches it get there.

Also when the reverter died (memguard status says orphaned: nothing would have restored it) or died half-way through its own restore (interrupted: this finishes it).

Exit codes: 0 restored · 1 nothing pending, or the restore failed · 4 restored but not converged in time.`
  static override examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback --json']
  static override flags = {
    ...hostFlags,
    'audit-log': Flags.string({description: 'The audit log to record the rollback in.', default: DEFAULT_AUDIT_LOG, helpValue: 'PATH'}),
    'wait-timeout': Flags.string({description: 'How long to watch the restored target converge (bare = seconds).', default: '2m', helpValue: 'DURATION'}),
    'toolstack-timeout': Flags.string({description: 'Kill the toolstack if it has not answered after this long.', default: '30s', helpValue: 'DURATION'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Rollback)
    const [{rollbackNow}, {currentUser, commandLine}, {renderRollbackText}, {parseDuration}] = await Promise.all([
      import('../ops/confirm-rollback.js'),
      import('../ops/mem-set.js'),
      import('../render/mem-set.js'),
      import('../lib/duration.js'),
    ])
    const waitTimeoutMs = parseDuration(flags['wait-timeout'], {what: '--wait-timeout'}).ms
    const toolstackTimeoutMs = parseDuration(flags['toolstack-timeout'], {what: '--toolstack-timeout'}).ms
    const host = await this.openHost(flags)
    if (host.readOnly) throw new MemguardError(`${host.label} is read-only: there is nothing to roll back on a snapshot`, {exitCode: ExitCode.usage})
    const result = await rollbackNow(host, {command: commandLine(['memguard', 'rollback', ...this.argv]), user: await currentUser(), auditLogPath: flags['audit-log'], toolstackTimeoutMs, waitTimeoutMs})
    if (!this.jsonEnabled()) this.log(renderRollbackText(result, await this.chalk(), host.label))
    this.setExitCode(result.exitCode)
    return {schemaVersion: 1, host: host.label, ...result}
  }
}
