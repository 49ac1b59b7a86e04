import {Flags} from '@oclif/core'
import {MemguardCommand, fleetFlags} from '../cli/base-command.js'
import {safetyFlags} from '../cli/common-flags.js'
import {ExitCode} from '../lib/exit-codes.js'
import type {Host} from '../host/host.js'
import type {FleetStatusEntry} from '../render/fleet-status.js'
import type {StatusJson} from '../render/status.js'

export default class Status extends MemguardCommand {
  static override summary = 'Show the real memory picture of a Xen host.'
  static override description = `Xen's view (xl/xm info and list, the balloon, dom0_mem judged), dom0's kernel view (/proc/meminfo), the safe floor for dom0, the top memory users with their OOM rank and protection, and warnings.

Works on a non-Xen machine too: the Xen part says so and the Linux part is shown.`
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --snapshot examples/hosts/seed-incident',
    '<%= config.bin %> status --json --headroom 30%',
    '<%= config.bin %> status --host root@dom0-a --host root@dom0-b',
    '<%= config.bin %> status --inventory hosts.ini --parallel 4 --json',
  ]
  static override flags = {
    ...fleetFlags,
    ...safetyFlags,
    top: Flags.integer({description: 'How many of the largest processes to list.', default: 10, min: 1}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Status)
    const [{statusPlan}, {buildHostState}, {checkRollbacks}, {assessStatus}, {statusJson, renderStatusText}, {parseHeadroom}] = await Promise.all([
      import('../state/plan.js'),
      import('../state/host-state.js'),
      import('../ops/rollback.js'),
      import('../safety/status-assessment.js'),
      import('../render/status.js'),
      import('../safety/headroom.js'),
    ])
    const headroom = flags.headroom === undefined ? undefined : parseHeadroom(flags.headroom)
    const statusOf = async (host: Host) => {
      const state = buildHostState(await host.gather(statusPlan()), host.label)
      state.rollbacks = await checkRollbacks(host, state.rollbacks) // is its reverter still there?
      return {state, assessment: assessStatus(state, {headroom, countSwapAsHeadroom: flags['count-swap'], top: flags.top})}
    }
    if (flags.inventory || (flags.host?.length ?? 0) > 1) return this.runFleet(flags, async (host) => {
      const {state, assessment} = await statusOf(host)
      return statusJson(state, assessment)
    })

    const host = await this.openHost(flags)
    const {state, assessment} = await statusOf(host)
    if (!state.meminfo) this.setExitCode(ExitCode.failure)
    if (!this.jsonEnabled()) this.log(renderStatusText(state, assessment, await this.chalk()))
    return statusJson(state, assessment)
  }

  /** Several hosts: one status each in parallel, a summary table, one JSON object per host. */
  private async runFleet(flags: {host?: string[]; inventory?: string; parallel: number}, statusJsonOf: (host: Host) => Promise<StatusJson>): Promise<FleetStatusEntry[]> {
    const [{resolveFleetTargets, runAcrossHosts, withSshHost, fleetExitCode}, {renderFleetStatusText}] = await Promise.all([
      import('../host/fleet.js'),
      import('../render/fleet-status.js'),
    ])
    const targets = await resolveFleetTargets({host: flags.host, inventory: flags.inventory})
    const results = await runAcrossHosts(targets, (target) => withSshHost(target, statusJsonOf), {parallel: flags.parallel})
    const entries: FleetStatusEntry[] = results.map((r) => (r.ok ? {host: r.label, ok: true, status: r.value} : {host: r.label, ok: false, error: r.message, exitCode: r.exitCode}))
    this.setExitCode(fleetExitCode(results))
    if (!this.jsonEnabled()) this.log(renderFleetStatusText(entries, await this.chalk()))
    return entries
  }
}
