import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {auditLines, fakeDom0, hasCapSysResource, memSetCalls, read, readOr, sleep, targetKb, waitFor} from './fake-dom0.js'

// The dead-man switch for real: the built binary arms the POSIX-sh reverter under a --root tree,
// with the fake xl on PATH, and the reverter really fires (or is really cancelled).
const cli = (args: string[]) => runCli(args, {fakeToolstack: true})
const STATE = 'run/memguard/rollback.json'

describe('memguard mem-set --confirm-within (the dead-man rollback)', () => {
  it('restores the previous target at the deadline when nobody confirms', async () => {
    const root = fakeDom0('xenlab')
    const applied = await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '3s'])
    expect(applied.exitCode).toBe(0)
    expect(applied.stdout).toMatch(/✓ dead-man rollback armed: back to 1\.5 GiB at .* unless `memguard confirm` is run \(reverter pid \d+/)
    if (!hasCapSysResource()) {
      expect(applied.stdout).toMatch(/could not lower its own oom_score_adj \(the kernel needs CAP_SYS_RESOURCE/)
      console.warn('not checking that the reverter runs at oom_score_adj -1000: this process lacks CAP_SYS_RESOURCE, so the kernel refuses any negative value (the reverter logs it and mem-set reports it)')
    }
    expect(targetKb(root)).toBe(1048576)

    // status shows the pending rollback and its deadline.
    const status = await cli(['status', '--root', root])
    expect(status.stdout).toMatch(/a dead-man rollback is pending: domain Domain-0 goes back to 1\.5 GiB at /)

    // The state file is renamed to .firing before the restore starts, so its absence is not the end:
    // the reverter's last log line is.
    expect(await waitFor(() => /rollback done/.test(readOr(root, 'var/log/memguard/reverter.log')), 15_000)).toBe(true)
    expect(existsSync(join(root, STATE))).toBe(false)
    expect(existsSync(join(root, `${STATE}.firing`))).toBe(false)
    expect(targetKb(root)).toBe(1572864)
    expect(memSetCalls(root)).toEqual(['mem-set\t0\t1024m\t', 'mem-set\t0\t1572864k\t'])
    const log = read(root, 'var/log/memguard/reverter.log')
    expect(log).toMatch(/deadline reached without confirmation: restoring domain 0 to 1572864 KiB/)
    expect(log).toMatch(/balloon: target_kb set to 1572864/)
    expect(log).toMatch(/toolstack: xl mem-set 0 1572864k exited 0/)
    expect(log).toMatch(hasCapSysResource() ? /protected: oom_score_adj -1000/ : /could not protect itself from the OOM killer/)

    // Nothing is left to confirm, and confirm says the rollback already ran.
    const late = await cli(['confirm', '--root', root])
    expect(late.exitCode).toBe(1)
    expect(late.stdout).toMatch(/nothing to confirm: no rollback is pending, and the reverter's log says it already restored the previous target/)
  })

  it('is cancelled by `memguard confirm`: the change stays', async () => {
    const root = fakeDom0('xenlab')
    expect((await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '3s'])).exitCode).toBe(0)
    const confirmed = await cli(['confirm', '--root', root])
    expect(confirmed.exitCode).toBe(0)
    expect(confirmed.stdout).toMatch(/confirmed: domain Domain-0 \(0\) keeps 1 GiB; the rollback to 1\.5 GiB due at .* is cancelled/)
    await sleep(4500)
    expect(targetKb(root)).toBe(1048576)
    expect(memSetCalls(root)).toEqual(['mem-set\t0\t1024m\t'])
    expect(read(root, 'var/log/memguard/reverter.log')).toMatch(/cancelled: state file removed \(memguard confirm or rollback\)/)
    expect(auditLines(root).map((e) => e.action)).toEqual(['applied', 'confirmed'])
  })

  it('refuses another change while a rollback is pending (exit 3)', async () => {
    const root = fakeDom0('xenlab')
    expect((await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '1m'])).exitCode).toBe(0)
    const again = await cli(['mem-set', '0', '800m', '--root', root])
    expect(again.exitCode).toBe(3)
    expect(again.stdout).toMatch(/a dead-man rollback is armed/)
    expect(again.stdout).toMatch(/memguard confirm.*memguard rollback/)
    expect((await cli(['confirm', '--root', root])).exitCode).toBe(0)
  })

  it('`memguard rollback` restores the previous target now and stops the reverter', async () => {
    const root = fakeDom0('xenlab')
    expect((await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '1m'])).exitCode).toBe(0)
    const rolled = await cli(['rollback', '--root', root, '--json'])
    expect(rolled.exitCode).toBe(0)
    const json = JSON.parse(rolled.stdout)
    expect(json).toMatchObject({exitCode: 0, reverterStopped: true, restore: {restoreKiB: 1572864, balloon: {ok: true}, toolstack: {exitCode: 0}}, watch: {converged: true}})
    expect(targetKb(root)).toBe(1572864)
    expect(memSetCalls(root)).toEqual(['mem-set\t0\t1024m\t', 'mem-set\t0\t1536m\t'])
    expect(existsSync(join(root, STATE))).toBe(false)
    expect(await waitFor(() => /cancelled: state file removed/.test(readOr(root, 'var/log/memguard/reverter.log')), 3000)).toBe(true)
    expect(auditLines(root).map((e) => e.action)).toEqual(['applied', 'rolled-back'])
    const nothing = await cli(['rollback', '--root', root])
    expect(nothing.exitCode).toBe(1)
    expect(nothing.stdout).toMatch(/nothing to roll back/)
  })

  it('cancels the armed rollback when the emergency brake has already restored the target', async () => {
    const root = fakeDom0('xenlab', 'collapse')
    const {exitCode, stdout} = await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '1m'])
    expect(exitCode).toBe(4)
    expect(stdout).toMatch(/the dead-man rollback is no longer needed and was cancelled/)
    expect(existsSync(join(root, STATE))).toBe(false)
  })

  it('confirm and rollback refuse a read-only snapshot (exit 2)', async () => {
    const confirm = await cli(['confirm', '--snapshot', join(import.meta.dirname, '../../examples/hosts/xenlab')])
    expect(confirm.exitCode).toBe(2)
    expect(confirm.stderr).toMatch(/read-only/)
  })
})
