import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fleetExitCode, progressLine, resolveFleetTargets, runAcrossHosts, withSshHost, type FleetProgress} from '../../src/host/fleet.js'
import {sleep} from '../helpers/process.js'
import {MemguardError} from '../../src/lib/errors.js'
import {sshdUnavailable, startSshd, type SshdFixture} from './sshd-fixture.js'

const targets = (n: number) => Array.from({length: n}, (_, i) => ({label: `dom0-${i}`}))

describe('runAcrossHosts', () => {
  it('never runs more hosts at once than --parallel, and returns results in input order', async () => {
    let running = 0
    let peak = 0
    const results = await runAcrossHosts(
      targets(10),
      async (t, i) => {
        running++
        peak = Math.max(peak, running)
        await sleep(20 + ((i * 7) % 5) * 10)
        running--
        return t.label.toUpperCase()
      },
      {parallel: 3, progressStream: false},
    )
    expect(peak).toBe(3)
    expect(results.map((r) => (r.ok ? r.value : null))).toEqual(targets(10).map((t) => t.label.toUpperCase()))
  })

  it('captures each host failure as its result, so one bad host never hides the others', async () => {
    const results = await runAcrossHosts(
      targets(4),
      async (t) => {
        if (t.label === 'dom0-1') throw new MemguardError('cannot connect to dom0-1: connection refused')
        if (t.label === 'dom0-2') throw new TypeError('a bug')
        return 'ok'
      },
      {parallel: 2, progressStream: false},
    )
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true])
    expect(results[1]).toMatchObject({ok: false, label: 'dom0-1', message: 'cannot connect to dom0-1: connection refused', exitCode: 1})
    expect(results[2]).toMatchObject({ok: false, message: 'a bug', exitCode: 1})
    expect(fleetExitCode(results)).toBe(1)
    expect(fleetExitCode(results.filter((r) => r.ok))).toBe(0)
  })

  it('reports progress to a callback and draws one line on a TTY, cleared at the end', async () => {
    const seen: FleetProgress[] = []
    let drawn = ''
    const tty = {columns: 60, isTTY: true, write: (s: string) => ((drawn += s), true)} as unknown as NodeJS.WriteStream
    await runAcrossHosts(targets(3), async () => sleep(5), {parallel: 2, onProgress: (p) => seen.push(p), progressStream: tty})
    expect(seen.at(-1)).toEqual({total: 3, done: 3, failed: 0, running: []})
    expect(seen.some((p) => p.running.length === 2)).toBe(true)
    expect(drawn).toContain('\r\x1b[Kmemguard: 0/3 hosts done – waiting for dom0-0')
    expect(drawn.endsWith('\r\x1b[K')).toBe(true)
  })

  it('fits the progress line to the terminal', () => {
    const line = progressLine({total: 200, done: 10, failed: 2, running: targets(50).map((t) => t.label)}, 80)
    expect(line.length).toBeLessThanOrEqual(79)
    expect(line.endsWith('…')).toBe(true)
    expect(line.startsWith('memguard: 10/200 hosts done, 2 failed – waiting for dom0-0')).toBe(true)
  })

  it('resolves --host and --inventory into one list without duplicates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-fleet-'))
    try {
      writeFileSync(join(dir, 'hosts.yml'), 'all:\n  hosts:\n    a:\n      ansible_user: root\n    b:\n')
      const list = await resolveFleetTargets({host: ['root@a', 'c:2222'], inventory: join(dir, 'hosts.yml')})
      expect(list).toEqual([
        {host: 'a', user: 'root', label: 'root@a'},
        {host: 'c', port: 2222, label: 'c:2222'},
        {host: 'b', label: 'b'},
      ])
      await expect(resolveFleetTargets({})).rejects.toMatchObject({exitCode: 2})
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

const skipReason = sshdUnavailable()

describe.skipIf(skipReason !== null)('a fleet over real ssh', () => {
  let sshd: SshdFixture
  beforeAll(async () => {
    sshd = await startSshd()
  })
  afterAll(async () => {
    await sshd?.stop()
  })

  it('reads every reachable host and reports the unreachable one by name', async () => {
    const {parseSshTarget} = await import('../../src/host/ssh-target.js')
    const fleet = [sshd.target, `${sshd.user}@127.0.0.1:1`, 'mgtest'].map(parseSshTarget)
    const results = await runAcrossHosts(
      fleet,
      (target) => withSshHost(target, async (host) => (await host.gather({files: ['/proc/meminfo'], commands: [{id: 'id', argv: ['id', '-u']}]})).commands.get('id')?.stdout, {sshArgs: sshd.sshArgs}),
      {parallel: 2, progressStream: false},
    )
    expect(results.map((r) => r.ok)).toEqual([true, false, true])
    expect(results[0]).toMatchObject({ok: true, value: `${process.getuid?.()}\n`})
    expect(results[1]).toMatchObject({ok: false, label: `${sshd.user}@127.0.0.1:1`, message: expect.stringMatching(/^cannot connect to .*127\.0\.0\.1:1: connection refused/)})
    expect(results[2]).toMatchObject({ok: true, label: 'mgtest'})
  })
})
