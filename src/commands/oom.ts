import {Flags} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'
import {ExitCode} from '../lib/exit-codes.js'

export default class Oom extends MemguardCommand {
  static override summary = 'Show whom the OOM killer would take next, in order, and what is wrong with the protection.'
  static override description = `The kill order of the running kernel's OOM killer, top first: pid, name, RSS, swap, score, adj, and the memory each kill frees. It uses /proc/<pid>/oom_score where the kernel provides it and memguard's model of the pre-2.6.36 badness() (virtual size, child-first kills, oom_adj shifts) on older kernels, and says which.

Below the order: the processes the killer never takes (oom_score_adj -1000 / oom_adj -17, init, kernel threads), critical services it may take (sshd, cron, xenstored, xenconsoled, journald…), and protection that leaks into children (crond at -17 makes every cron job unkillable).`
  static override examples = [
    '<%= config.bin %> oom',
    '<%= config.bin %> oom --snapshot examples/hosts/seed-incident',
    '<%= config.bin %> oom --all --json',
  ]
  static override flags = {
    ...hostFlags,
    all: Flags.boolean({description: 'List every killable process and every exempt one (kernel threads included), not just the first 15 kills and the critical ones.', default: false}),
    top: Flags.integer({description: 'How many of the first kills to list (critical processes further down are always listed).', min: 1, default: 15}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Oom)
    const [{statusPlan}, {buildHostState}, {rankOomVictims}, {oomJson, renderOomText}] = await Promise.all([
      import('../state/plan.js'),
      import('../state/host-state.js'),
      import('../safety/oom-ranking.js'),
      import('../render/oom.js'),
    ])
    const host = await this.openHost(flags)
    const state = buildHostState(await host.gather(statusPlan()), host.label)
    const ranking = rankOomVictims(state)
    if (state.processes.length === 0) {
      state.readProblems.push('the process table could not be read: there is nothing to rank')
      this.setExitCode(ExitCode.failure)
    }
    const view = {all: flags.all, top: flags.top}
    if (!this.jsonEnabled()) this.log(renderOomText(state, ranking, view, await this.chalk()))
    return oomJson(state, ranking, view)
  }
}
