import {describe, expect, it} from 'vitest'
import type {CommandResult, CommandSpec, Host} from '../../src/host/host.js'
import {appendAudit, type AuditEntry} from '../../src/ops/audit.js'

/** Only what appendAudit uses: an append-only file and a `logger` that records its argv. */
function recordingHost(): {host: Host; lines: string[]; syslog: string[]} {
  const lines: string[] = []
  const syslog: string[] = []
  const host = {
    appendFile: async (_path: string, content: string) => {
      lines.push(content)
    },
    run: async (spec: CommandSpec): Promise<CommandResult> => {
      syslog.push(spec.argv.at(-1) ?? '')
      return {argv: spec.argv, exitCode: 0, stdout: '', stderr: '', notFound: false, timedOut: false, notCaptured: false, durationMs: 1}
    },
  } as unknown as Host
  return {host, lines, syslog}
}

describe('the audit log', () => {
  it('appends one JSON line per change and sends syslog a summary naming what changed, for each kind', async () => {
    const {host, lines, syslog} = recordingHost()
    const entries: AuditEntry[] = [
      {time: '2026-11-26T01:00:00.000Z', kind: 'mem-set', action: 'applied', command: 'memguard mem-set 0 1024m', domain: {id: 0, name: 'Domain-0'}, fromKiB: 1572864, toKiB: 1048576, user: 'root'},
      {
        time: '2026-11-26T01:01:00.000Z',
        kind: 'protect',
        action: 'failed',
        command: 'memguard protect --apply --persist',
        protect: {
          processes: [{pid: 227, name: 'cron', service: 'cron', knob: 'oom_score_adj', from: 0, to: -100, verified: false, readBack: 0, error: 'kernel refused'}],
          sysctls: [],
          files: [{path: '/etc/systemd/system/cron.service.d/50-memguard-oom.conf', action: 'created', backupPath: null}],
          commands: [{argv: ['systemctl', 'daemon-reload'], ok: true, exitCode: 0}],
        },
        user: 'root',
      },
      {
        time: '2026-11-26T01:02:00.000Z',
        kind: 'dom0-mem',
        action: 'applied',
        command: 'memguard dom0-mem 1536m --apply',
        dom0Mem: {rendered: 'dom0_mem=1536M,max:1536M', sizeKiB: 1572864, sizeSource: 'given', files: [{path: '/etc/xen/xl.conf', action: 'written', backupPath: '/etc/xen/xl.conf.memguard-20261126T010200Z.bak'}], followUp: []},
        user: 'root',
      },
    ]
    for (const e of entries) expect(await appendAudit(host, e)).toEqual([])
    expect(lines.map((l) => JSON.parse(l))).toEqual(entries)
    expect(lines.every((l) => l.endsWith('}\n') && l.indexOf('\n') === l.length - 1)).toBe(true)
    expect(syslog).toEqual([
      'applied: memguard mem-set 0 1024m (domain Domain-0, by root)',
      'failed: memguard protect --apply --persist (protect: 1 value, 1 file, 1 command, 1 failed, by root)',
      'applied: memguard dom0-mem 1536m --apply (dom0_mem=1536M,max:1536M in 1 file, by root)',
    ])
  })

  it('still takes a mem-set line without `kind`, the shape written before protect and dom0-mem were audited', async () => {
    const {host, syslog} = recordingHost()
    const old: AuditEntry = JSON.parse('{"time":"2026-01-01T00:00:00.000Z","action":"forced","command":"memguard mem-set web01 3g --force --reason x","domain":{"id":1,"name":"web01"},"fromKiB":4194304,"toKiB":3145728,"reason":"app moved to web02","user":"admin"}')
    await appendAudit(host, old)
    expect(syslog).toEqual(['forced: memguard mem-set web01 3g --force --reason x (domain web01, by admin, reason: app moved to web02)'])
  })
})
