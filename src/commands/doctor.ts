import {Errors, Flags, type Interfaces} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'
import {safetyFlags} from '../cli/common-flags.js'
import {ExitCode} from '../lib/exit-codes.js'

const FORMATS = ['text', 'nagios'] as const

export default class Doctor extends MemguardCommand {
  static override summary = 'Check a Xen host end to end (also as a Nagios/Icinga plugin).'
  static override description = `One check per area, each OK, WARNING, CRITICAL or UNKNOWN with what to do: toolstack reachable, dom0_mem fixed, autoballoon/xend ballooning off, dom0 above its safe floor with headroom, balloon at target, critical services protected, OOM kills in the log, swap pressure, an OOM backstop (panic_on_oom / xenwatchdogd), a pending rollback, and lint errors in the host's own Xen and bootloader config files.

Exit codes: with --format nagios 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for errors such as an unreachable host). Otherwise 0 when the result is OK or WARNING, 1 when it is CRITICAL or UNKNOWN (a check failed, or the host could not be checked: not a dom0, toolstack or /proc/meminfo unreadable), 2 for usage errors.`
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --snapshot examples/hosts/seed-incident',
    '<%= config.bin %> doctor --host root@dom0-a --format nagios',
    '<%= config.bin %> doctor --json',
  ]
  static override flags = {
    ...hostFlags,
    ...safetyFlags,
    format: Flags.string({char: 'f', description: 'Output format: text, or one Nagios plugin line with perfdata (exit 0/1/2/3).', options: [...FORMATS], default: 'text'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Doctor)
    const [{mergePlans}, {statusPlan, protectPlan, CONFIG_FILES}, {buildHostState}, {checkRollbacks}, {assessStatus}, doctor, render, {parseHeadroom}, {buildServiceInventory}, {buildProtectPlan}] = await Promise.all([
      import('../host/host.js'),
      import('../state/plan.js'),
      import('../state/host-state.js'),
      import('../ops/rollback.js'),
      import('../safety/status-assessment.js'),
      import('../safety/doctor.js'),
      import('../render/doctor.js'),
      import('../safety/headroom.js'),
      import('../linux/init-system.js'),
      import('../safety/protect-plan.js'),
    ])
    const headroom = flags.headroom === undefined ? undefined : parseHeadroom(flags.headroom)
    const host = await this.openHost(flags)
    // One gather (one ssh round trip): what status reads plus what protect reads.
    const gathered = await host.gather(mergePlans(statusPlan(), protectPlan()))
    const state = buildHostState(gathered, host.label)
    state.rollbacks = await checkRollbacks(host, state.rollbacks) // is its reverter still there?
    const assessment = assessStatus(state, {headroom, countSwapAsHeadroom: flags['count-swap']})
    const configSources = doctor.hostConfigSources(gathered.files, CONFIG_FILES)
    const lint = doctor.lintHostConfig(configSources, state)
    let pendingProtections = null
    if (state.xen.isDom0 && state.processes.length) {
      try {
        pendingProtections = doctor.pendingProtections(buildProtectPlan(state, buildServiceInventory(gathered, state.processes)))
      } catch (error) {
        // The persistence part of the check is optional: runtime protection is judged without it,
        // but the failure is said, not hidden.
        state.readProblems.push(`protect plan (persistence check skipped): ${(error as Error).message}`)
      }
    }
    const report = doctor.runDoctor({state, assessment, lint, configSources, pendingProtections})

    if (flags.format === 'nagios') this.setExitCode(render.NAGIOS_EXIT[report.overall])
    else this.setExitCode(report.overall === 'critical' || report.overall === 'unknown' ? ExitCode.failure : ExitCode.ok)

    if (!this.jsonEnabled()) this.log(flags.format === 'nagios' ? render.renderDoctorNagios(report) : render.renderDoctorText(state, report, await this.chalk()))
    return render.doctorJson(state, report)
  }

  /** As a Nagios plugin, any error is UNKNOWN (exit 3) with one status line, never exit 1 (WARNING). */
  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    const nagios = this.argv.some((a, i) => a === '--format=nagios' || a === '-fnagios' || (a === 'nagios' && ['--format', '-f'].includes(this.argv[i - 1] ?? '')))
    if (!nagios || error instanceof Errors.ExitError || this.jsonEnabled()) return super.catch(error)
    const message = error.message.split('\n')[0]?.replace(/\|/g, '/') ?? 'error'
    process.stdout.write(`MEMGUARD UNKNOWN - ${message}\n`)
    throw new Errors.ExitError(3)
  }
}
