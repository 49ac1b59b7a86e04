import {Flags} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'
import {safetyFlags} from '../cli/common-flags.js'
import {ExitCode} from '../lib/exit-codes.js'

export default class Status extends MemguardCommand {
  static override summary = 'Show the real memory picture of a Xen host.'
  static override description = `Xen's view (xl/xm info and list, the balloon, dom0_mem judged), dom0's kernel view (/proc/meminfo), the safe floor for dom0, the top memory users with their OOM rank and protection, and warnings.

Works on a non-Xen machine too: the Xen part says so and the Linux part is shown.`
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --snapshot examples/hosts/seed-incident',
    '<%= config.bin %> status --json --headroom 30%',
  ]
  static override flags = {
    ...hostFlags,
    ...safetyFlags,
    top: Flags.integer({description: 'How many of the largest processes to list.', default: 10, min: 1}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Status)
    const [{statusPlan}, {buildHostState}, {assessStatus}, {statusJson, renderStatusText}, {parseHeadroom}] = await Promise.all([
      import('../state/plan.js'),
      import('../state/host-state.js'),
      import('../safety/status-assessment.js'),
      import('../render/status.js'),
      import('../safety/headroom.js'),
    ])
    const headroom = flags.headroom === undefined ? undefined : parseHeadroom(flags.headroom)
    const host = await this.openHost(flags)
    const state = buildHostState(await host.gather(statusPlan()), host.label)
    const assessment = assessStatus(state, {headroom, countSwapAsHeadroom: flags['count-swap'], top: flags.top})
    if (!state.meminfo) this.setExitCode(ExitCode.failure)
    if (!this.jsonEnabled()) this.log(renderStatusText(state, assessment, await this.chalk()))
    return statusJson(state, assessment)
  }
}
