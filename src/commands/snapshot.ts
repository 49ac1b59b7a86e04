import {Flags} from '@oclif/core'
import {MemguardCommand, hostFlags} from '../cli/base-command.js'

export default class Snapshot extends MemguardCommand {
  static override summary = 'Capture everything memguard reads from a host into a directory.'
  static override description = `The files (/proc, /sys, toolstack and bootloader configs, the service files protect reads: systemd units and drop-ins, init scripts, defaults and sysctl files) and command outputs (xl/xm info and list, dmesg…) every memguard command reads, plus a manifest.json (schema version, time, hostname, toolstack, what was missing). Any command reads it back with --snapshot DIR, read-only.

Missing files are recorded, not fatal. Secrets are never captured: only the fixed list of paths in src/state/plan.ts is read (no /etc/shadow, no keys, no rc.local), and values that look like passwords or tokens in process command lines are replaced.`
  static override examples = ['<%= config.bin %> snapshot -o /tmp/dom0-before-change', '<%= config.bin %> status --snapshot /tmp/dom0-before-change']
  static override flags = {
    ...hostFlags,
    output: Flags.string({char: 'o', description: 'Directory to write (must not exist, or be empty).', required: true, helpValue: 'DIR'}),
    force: Flags.boolean({description: 'Replace an existing non-empty directory.', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Snapshot)
    const [{snapshotPlan}, {writeSnapshot}, {hostIdentity}] = await Promise.all([
      import('../state/plan.js'),
      import('../host/snapshot-writer.js'),
      import('../state/host-state.js'),
    ])
    const host = await this.openHost(flags)
    const plan = snapshotPlan()
    const gathered = await host.gather(plan)
    const {hostname, toolstack} = hostIdentity(gathered)
    const manifest = writeSnapshot(flags.output, plan, gathered, {memguardVersion: this.config.version, hostname, source: host.label, toolstack}, {force: flags.force})
    if (!this.jsonEnabled()) {
      this.log(`snapshot of ${hostname} (${host.label}) written to ${flags.output}`)
      this.log(`  ${gathered.files.size - manifest.missing.length} files, ${manifest.processCount} processes, ${manifest.commands.filter((c) => c.exitCode === 0).length}/${manifest.commands.length} commands answered; toolstack: ${manifest.toolstack ?? 'none'}`)
      if (manifest.missing.length) this.log(`  not present on the host: ${manifest.missing.length} files (listed in manifest.json)`)
      this.log(`  read it with: memguard status --snapshot ${flags.output}`)
    }
    return {output: flags.output, manifest}
  }
}
