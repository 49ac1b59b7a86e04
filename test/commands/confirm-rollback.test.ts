import {cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EXAMPLE_HOSTS, runCli} from '../helpers/cli.js'
import {processGone} from '../helpers/process.js'
import {auditLines, fakeDom0, hasCapSysResource, memSetCalls, read, readOr, targetKb, waitFor} from './fake-dom0.js'

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
    // A minute, not seconds: a confirm that a loaded machine delays past the deadline is another test.
    expect((await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '1m'])).exitCode).toBe(0)
    const reverterPid = reverterPidIn(root)
    const confirmed = await cli(['confirm', '--root', root])
    expect(confirmed.exitCode).toBe(0)
    expect(confirmed.stdout).toMatch(/confirmed: domain Domain-0 \(0\) keeps 1 GiB; the rollback to 1\.5 GiB due at .* is cancelled/)
    // The reverter's own last word: it saw its state gone and exited without touching anything.
    expect(await waitFor(() => /cancelled: state file removed \(memguard confirm or rollback\)/.test(readOr(root, 'var/log/memguard/reverter.log')), 15_000)).toBe(true)
    expect(await waitFor(() => processGone(reverterPid), 10_000)).toBe(true)
    expect(targetKb(root)).toBe(1048576)
    expect(memSetCalls(root)).toEqual(['mem-set\t0\t1024m\t'])
    expect(auditLines(root).map((e) => e.action)).toEqual(['applied', 'confirmed'])
  })

  it('refuses another change while a rollback is pending (exit 3)', async () => {
    const root = fakeDom0('xenlab')
    expect((await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '1m'])).exitCode).toBe(0)
    // status shows the armed rollback, its deadline and its live reverter (a minute: still armed on a slow machine).
    const status = await cli(['status', '--root', root])
    expect(status.stdout).toMatch(/a dead-man rollback is armed: domain Domain-0 \(0\) from 1 GiB back to 1\.5 GiB at .* unless confirmed; reverter pid \d+ is running/)
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

// A reverter that dies (killed, OOM-killed, its session torn down) leaves its state behind: memguard
// must say so plainly, and confirm/rollback must still work.
const STATE_FIRING = `${STATE}.firing`
const reverterPidIn = (root: string, path = STATE): number => (JSON.parse(read(root, path)) as {reverterPid: number}).reverterPid
const rollbackCheck = (doctorJson: string) => (JSON.parse(doctorJson) as {checks: Array<{id: string; status: string; summary: string; detail: string; advice: string | null}>}).checks.find((c) => c.id === 'rollback')

/** Arm a rollback with the real reverter, then SIGKILL the reverter: an orphaned state. */
async function orphaned(): Promise<{root: string; pid: number}> {
  const root = fakeDom0('xenlab')
  expect((await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '10m'])).exitCode).toBe(0)
  const pid = reverterPidIn(root)
  process.kill(pid, 'SIGKILL')
  expect(await waitFor(() => processGone(pid), 10_000)).toBe(true)
  return {root, pid}
}

/** Let the reverter fire with a hanging toolstack, wait until it has set the balloon, then SIGKILL it: an interrupted state. */
async function interrupted(): Promise<{root: string; pid: number}> {
  // mem-set's own xl mem-set converges; the reverter's, 2 s later, hangs (set by the fake itself, so
  // no race with a reverter that fires before a slow machine gets to change the mode).
  const root = fakeDom0('xenlab', 'hang-next')
  expect((await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '2s'])).exitCode).toBe(0)
  const pid = reverterPidIn(root)
  expect(await waitFor(() => existsSync(join(root, STATE_FIRING)) && /balloon: target_kb set to 1572864/.test(readOr(root, 'var/log/memguard/reverter.log')), 15_000)).toBe(true)
  process.kill(-pid, 'SIGKILL') // its process group (setsid): the reverter dies mid-restore
  expect(await waitFor(() => processGone(pid), 10_000)).toBe(true)
  writeFileSync(join(root, 'fake-xl/mode'), 'converge\n')
  return {root, pid}
}

describe('a dead-man rollback whose reverter died', () => {
  it('orphaned: status, doctor and mem-set say nothing will restore the previous target; `rollback` restores it', async () => {
    const {root, pid} = await orphaned()

    const status = await cli(['status', '--root', root])
    expect(status.exitCode).toBe(0)
    expect(status.stdout).toMatch(new RegExp(`✗ a dead-man rollback is orphaned: .*pid ${pid}.*, so nothing will restore domain Domain-0 \\(0\\) from 1 GiB back to 1\\.5 GiB – not at its deadline \\S+ \\(in \\d`))
    expect(status.stdout).toMatch(/→ memguard rollback restores 1\.5 GiB now; memguard confirm keeps 1 GiB and clears the state/)
    const json = JSON.parse((await cli(['status', '--root', root, '--json'])).stdout)
    expect(json.rollbacks).toEqual([expect.objectContaining({condition: 'orphaned', severity: 'critical', claimed: false, previousKiB: 1572864, newKiB: 1048576, domain: {id: 0, name: 'Domain-0'}, reverter: expect.objectContaining({pid, running: false})})])
    expect(json.pendingRollback).toMatchObject({reverterPid: pid})
    expect(json.warnings).toContainEqual(expect.objectContaining({id: 'rollback-orphaned', severity: 'critical'}))

    const doctor = await cli(['doctor', '--root', root, '--json'])
    expect(doctor.exitCode).toBe(1)
    expect(rollbackCheck(doctor.stdout)).toMatchObject({status: 'critical', summary: 'rollback orphaned', advice: expect.stringMatching(/memguard rollback restores 1\.5 GiB now/)})
    const nagios = await cli(['doctor', '--root', root, '--format', 'nagios'])
    expect(nagios.exitCode).toBe(2)
    expect(nagios.stdout).toMatch(/^MEMGUARD CRITICAL - .*rollback orphaned/)

    const again = await cli(['mem-set', '0', '800m', '--root', root])
    expect(again.exitCode).toBe(3)
    expect(again.stdout).toMatch(/a dead-man rollback is orphaned/)
    expect(again.stdout).toMatch(/memguard rollback restores 1\.5 GiB now; memguard confirm keeps 1 GiB and clears the state; then try again/)

    const rolled = await cli(['rollback', '--root', root])
    expect(rolled.exitCode).toBe(0)
    expect(rolled.stdout).toMatch(new RegExp(`rolled back the orphaned rollback \\(.*pid ${pid}.*\\): domain Domain-0 \\(0\\) set back to 1\\.5 GiB`))
    expect(targetKb(root)).toBe(1572864)
    expect(memSetCalls(root)).toEqual(['mem-set\t0\t1024m\t', 'mem-set\t0\t1536m\t'])
    expect(existsSync(join(root, STATE))).toBe(false)
    expect(auditLines(root).at(-1)).toMatchObject({action: 'rolled-back', detail: {condition: 'orphaned'}})
    expect((await cli(['status', '--root', root])).stdout).not.toMatch(/dead-man rollback/)
  }, 90_000)

  it('orphaned: `confirm` keeps the change and clears the state', async () => {
    const {root, pid} = await orphaned()
    const confirmed = await cli(['confirm', '--root', root, '--json'])
    expect(confirmed.exitCode).toBe(0)
    const json = JSON.parse(confirmed.stdout)
    expect(json).toMatchObject({condition: 'orphaned', reverter: {pid, running: false}, exitCode: 0})
    expect(json.summary).toMatch(/^confirmed: domain Domain-0 \(0\) keeps 1 GiB; the orphaned rollback to 1\.5 GiB \(due at .*\) is cleared – .*: it would never have run$/)
    expect(existsSync(join(root, STATE))).toBe(false)
    expect(targetKb(root)).toBe(1048576)
    expect((await cli(['mem-set', '0', '1100m', '--root', root, '--dry-run'])).exitCode).toBe(0)
  }, 60_000)

  it('a live pid that is not the reverter (reused) is orphaned', async () => {
    const root = fakeDom0('xenlab')
    expect((await cli(['mem-set', '0', '1024m', '--root', root, '--confirm-within', '10m'])).exitCode).toBe(0)
    const pid = reverterPidIn(root)
    process.kill(pid, 'SIGKILL')
    // The state now names this test's own pid: alive, but running node, not the reverter.
    const state = JSON.parse(read(root, STATE)) as Record<string, unknown>
    writeFileSync(join(root, STATE), JSON.stringify({...state, reverterPid: process.pid}))
    const status = await cli(['status', '--root', root])
    expect(status.stdout).toMatch(new RegExp(`a dead-man rollback is orphaned: pid ${process.pid} now runs \`[^\`]*node[^\`]*\`, not the reverter of change mg-[0-9a-f]+: the reverter is gone and its pid was reused`))
  }, 60_000)

  it('interrupted: status, doctor and mem-set say the restore may be half done; `confirm` shows the target dom0 has now', async () => {
    const {root, pid} = await interrupted()
    expect(targetKb(root)).toBe(1572864) // the balloon part was done, the toolstack never answered
    expect(existsSync(join(root, STATE_FIRING))).toBe(true)

    const status = await cli(['status', '--root', root])
    expect(status.stdout).toMatch(new RegExp(`✗ a dead-man rollback was interrupted: reverter pid ${pid} claimed it at the deadline .* to restore domain Domain-0 \\(0\\) from 1 GiB back to 1\\.5 GiB, and died before finishing: .*The restore may be half done`))
    expect(status.stdout).toMatch(/→ memguard rollback finishes the restore to 1\.5 GiB; memguard confirm keeps the target the domain has now and clears the state/)
    expect(JSON.parse((await cli(['status', '--root', root, '--json'])).stdout).rollbacks).toEqual([expect.objectContaining({condition: 'interrupted', claimed: true, path: '/run/memguard/rollback.json.firing'})])
    expect(rollbackCheck((await cli(['doctor', '--root', root, '--json'])).stdout)).toMatchObject({status: 'critical', summary: 'rollback interrupted'})
    const again = await cli(['mem-set', '0', '800m', '--root', root])
    expect(again.exitCode).toBe(3)
    expect(again.stdout).toMatch(/a dead-man rollback was interrupted/)

    const confirmed = await cli(['confirm', '--root', root])
    expect(confirmed.exitCode).toBe(0)
    expect(confirmed.stdout).toMatch(/confirmed the interrupted rollback of domain Domain-0 \(0\): its reverter died while restoring 1\.5 GiB \(from 1 GiB; .*\), so the balloon may already be partly back – dom0's target is now 1\.5 GiB and it holds 1 GiB \(balloon target_kb\)/) // the fake balloon never moves by itself
    expect(confirmed.stdout).toMatch(/That stays; the state \(\/run\/memguard\/rollback\.json\.firing\) is cleared/)
    expect(existsSync(join(root, STATE_FIRING))).toBe(false)
    expect(auditLines(root).at(-1)).toMatchObject({action: 'confirmed', toKiB: 1572864, detail: {condition: 'interrupted'}})
  }, 90_000)

  it('interrupted: `rollback` finishes the restore through the toolstack too', async () => {
    const {root} = await interrupted()
    const rolled = await cli(['rollback', '--root', root, '--json'])
    expect(rolled.exitCode).toBe(0)
    const json = JSON.parse(rolled.stdout)
    expect(json).toMatchObject({condition: 'interrupted', restore: {restoreKiB: 1572864, balloon: {ok: true}, toolstack: {exitCode: 0}}, watch: {converged: true}})
    expect(json.summary).toMatch(/^finished the interrupted rollback/)
    expect(memSetCalls(root).at(-1)).toBe('mem-set\t0\t1536m\t')
    expect(existsSync(join(root, STATE_FIRING))).toBe(false)
    expect((await cli(['mem-set', '0', '1100m', '--root', root, '--dry-run'])).exitCode).toBe(0)
  }, 90_000)

  it('on a snapshot, says whether the reverter runs cannot be told', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memguard-snap-'))
    cpSync(join(EXAMPLE_HOSTS, 'xenlab'), dir, {recursive: true})
    mkdirSync(join(dir, 'files/run/memguard'), {recursive: true})
    const deadlineEpoch = 1767225900
    writeFileSync(join(dir, 'files', STATE), JSON.stringify({token: 'mg-0123456789ab', createdAt: '2026-01-01T00:00:00.000Z', deadline: '2026-01-01T00:05:00.000Z', deadlineEpoch, domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'sysfs', toolstack: 'xl', reverterPid: 4242, logPath: '/var/log/memguard/reverter.log'}))
    const status = await cli(['status', '--snapshot', dir])
    expect(status.stdout).toMatch(/! a dead-man rollback pending \(rollback\.json\) was found: domain Domain-0 \(0\) from 1 GiB back to 1\.5 GiB, deadline 2026-01-01T00:05:00\.000Z, reverter pid 4242 – whether reverter pid 4242 still runs cannot be told: .* is a snapshot: it has no live processes to ask/)
    expect(rollbackCheck((await cli(['doctor', '--snapshot', dir, '--json'])).stdout)).toMatchObject({status: 'warning', summary: 'rollback state found'})
    const dry = await cli(['mem-set', '0', '1100m', '--snapshot', dir, '--json'])
    expect(dry.exitCode).toBe(3)
    expect(JSON.parse(dry.stdout).refusals).toContainEqual(expect.objectContaining({code: 'rollback-pending', hard: true, message: expect.stringMatching(/cannot be told/)}))
  }, 60_000)
})
