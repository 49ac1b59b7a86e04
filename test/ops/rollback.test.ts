import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {ProcessProbe} from '../../src/host/host.js'
import {LocalHost} from '../../src/host/local.js'
import {hasCapSysResource, processGone, sleep, waitFor} from '../helpers/process.js'
import {SnapshotHost} from '../../src/host/snapshot.js'
import {rollbackNow} from '../../src/ops/confirm-rollback.js'
import {
  armRollback,
  cancelRollback,
  checkRollbacks,
  classifyRollback,
  describeRollback,
  findRollbacks,
  isReverterArgv,
  readRollbacks,
  readRollbackState,
  ROLLBACK_FIRING_PATH,
  ROLLBACK_STATE_PATH,
  type FoundRollback,
  type RollbackState,
} from '../../src/ops/rollback.js'

const FAKE_BIN = resolve(__dirname, '../fixtures/bin')
const SYSFS = 'sys/devices/system/xen_memory/xen_memory0'
let savedPath: string | undefined

const reverterDone = (root: string) => existsSync(join(root, REVERTER_LOG)) && /rollback done/.test(readFileSync(join(root, REVERTER_LOG), 'utf8'))
const REVERTER_LOG = 'var/log/memguard/reverter.log'

/** A reverter armed for 300 ms whose toolstack then hangs, so it stays mid-restore. */
async function armWithHangingToolstack() {
  const root = dom0Root(1048576)
  mkdirSync(join(root, 'fake-xl'), {recursive: true})
  writeFileSync(join(root, 'fake-xl/mode'), 'hang')
  const host = new LocalHost(root)
  const state = await armRollback(host, {domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'sysfs', toolstack: 'xl', confirmWithinMs: 300})
  return {root, host, state}
}

function dom0Root(targetKiB: number): string {
  const root = mkdtempSync(join(tmpdir(), 'memguard-rb-'))
  mkdirSync(join(root, SYSFS, 'info'), {recursive: true})
  writeFileSync(join(root, SYSFS, 'target_kb'), `${targetKiB}\n`)
  writeFileSync(join(root, SYSFS, 'info/current_kb'), `${targetKiB}\n`)
  return root
}



beforeEach(() => {
  savedPath = process.env.PATH
  process.env.PATH = `${FAKE_BIN}:${process.env.PATH}`
})
afterEach(() => {
  process.env.PATH = savedPath
})

describe('the dead-man reverter', () => {
  it('restores the previous target through the balloon and the toolstack when nobody confirms', async () => {
    const root = dom0Root(1048576)
    const host = new LocalHost(root)
    const state = await armRollback(host, {domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'sysfs', toolstack: 'xl', confirmWithinMs: 1500})
    expect(state.reverterPid).toBeGreaterThan(0)
    expect(statSync(join(root, 'run/memguard')).mode & 0o777).toBe(0o700)
    // The reverter protects itself from the OOM killer – where the kernel lets it – and then logs it.
    expect(await waitFor(() => existsSync(join(root, REVERTER_LOG)) && /protected: |could not protect itself/.test(readFileSync(join(root, REVERTER_LOG), 'utf8')), 10_000)).toBe(true)
    if (hasCapSysResource()) expect(readFileSync(`/proc/${state.reverterPid}/oom_score_adj`, 'utf8').trim()).toBe('-1000')
    else console.warn('skipping the oom_score_adj -1000 check: this process lacks CAP_SYS_RESOURCE, so the kernel refuses any negative oom_score_adj')
    // The state file is renamed to .firing before the restore starts; the last log line is the end.
    expect(await waitFor(() => reverterDone(root), 15_000)).toBe(true)
    expect(readFileSync(join(root, SYSFS, 'target_kb'), 'utf8').trim()).toBe('1572864')
    expect(readFileSync(join(root, 'fake-xl/calls.log'), 'utf8')).toBe('mem-set\t0\t1572864k\t\n')
    const log = readFileSync(join(root, 'var/log/memguard/reverter.log'), 'utf8')
    expect(log).toMatch(/deadline reached without confirmation/)
    expect(log).toMatch(hasCapSysResource() ? /protected: oom_score_adj -1000/ : /could not protect itself from the OOM killer/)
    expect(log).toMatch(/toolstack: xl mem-set 0 1572864k exited 0/)
    expect(await readRollbackState(host)).toBeNull()
  })

  it('is cancelled by confirm and then changes nothing', async () => {
    const root = dom0Root(1048576)
    const host = new LocalHost(root)
    await armRollback(host, {domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'sysfs', toolstack: 'xl', confirmWithinMs: 2500})
    const cancelled = await cancelRollback(host)
    expect(cancelled?.reverterStopped).toBe(true)
    expect(await waitFor(() => existsSync(join(root, REVERTER_LOG)) && /cancelled/.test(readFileSync(join(root, REVERTER_LOG), 'utf8')), 15_000)).toBe(true)
    // Past the deadline, nothing was restored.
    await sleep(3000)
    expect(readFileSync(join(root, SYSFS, 'target_kb'), 'utf8').trim()).toBe('1048576')
    expect(existsSync(join(root, 'fake-xl/calls.log'))).toBe(false)
  })

  it('writes the XenLinux /proc/xen/balloon form on old kernels', async () => {
    const root = mkdtempSync(join(tmpdir(), 'memguard-rb-'))
    mkdirSync(join(root, 'proc/xen'), {recursive: true})
    writeFileSync(join(root, 'proc/xen/balloon'), 'Current allocation:   262144 kB\n')
    const host = new LocalHost(root)
    await armRollback(host, {domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 262144, balloon: 'proc', toolstack: 'none', confirmWithinMs: 500})
    expect(await waitFor(() => reverterDone(root), 15_000)).toBe(true)
    expect(readFileSync(join(root, 'proc/xen/balloon'), 'utf8')).toBe('1572864K\n')
  })

  it('tells a confirm that comes after the reverter claimed the deadline that it is too late', async () => {
    const {root, host, state} = await armWithHangingToolstack()
    expect(await waitFor(() => existsSync(join(root, `${ROLLBACK_STATE_PATH}.firing`)), 10_000)).toBe(true)
    const cancelled = await cancelRollback(host)
    expect(cancelled).toMatchObject({tooLate: true, state: {token: state.token}})
    expect(readFileSync(join(root, SYSFS, 'target_kb'), 'utf8').trim()).toBe('1572864')
    process.kill(-(state.reverterPid as number), 'SIGKILL')
  })
})

/** A state as armRollback writes it, for states whose reverter is not a real one. */
function stateWith(overrides: Partial<RollbackState> = {}): RollbackState {
  const deadlineEpoch = Math.ceil(Date.now() / 1000) + 600
  return {
    token: 'mg-0123456789ab', createdAt: new Date().toISOString(), deadline: new Date(deadlineEpoch * 1000).toISOString(), deadlineEpoch,
    domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'sysfs', toolstack: 'xl', reverterPid: null,
    logPath: '/var/log/memguard/reverter.log', ...overrides,
  }
}

const writeState = (root: string, path: string, state: RollbackState) => {
  mkdirSync(join(root, 'run/memguard'), {recursive: true})
  writeFileSync(join(root, path), `${JSON.stringify(state, null, 2)}\n`)
}

describe('how a found rollback stands', () => {
  it('is armed while its reverter runs, and orphaned once the reverter is SIGKILLed', async () => {
    const root = dom0Root(1048576)
    const host = new LocalHost(root)
    const state = await armRollback(host, {domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'sysfs', toolstack: 'xl', confirmWithinMs: 120_000})
    const pid = state.reverterPid as number
    try {
      const [armed] = await checkRollbacks(host, await readRollbacks(host))
      expect(armed).toMatchObject({condition: 'armed', claimed: false, path: ROLLBACK_STATE_PATH, reverter: {pid, running: true}})
      expect(armed?.secondsToDeadline).toBeGreaterThan(100)
      expect(describeRollback(armed!)).toMatchObject({id: 'rollback-pending', severity: 'warning'})
    } finally {
      process.kill(pid, 'SIGKILL')
    }
    expect(await waitFor(() => processGone(pid), 10_000)).toBe(true)
    const [orphaned] = await checkRollbacks(host, await readRollbacks(host))
    expect(orphaned).toMatchObject({condition: 'orphaned', reverter: {pid, running: false}})
    const said = describeRollback(orphaned!)
    expect(said).toMatchObject({id: 'rollback-orphaned', severity: 'critical', summary: 'rollback orphaned'})
    expect(said.message).toMatch(new RegExp(`orphaned: .*pid ${pid}.*nothing will restore domain Domain-0 \\(0\\) from 1 GiB back to 1\\.5 GiB – not at its deadline ${state.deadline}`))
    expect(said.advice).toBe('memguard rollback restores 1.5 GiB now; memguard confirm keeps 1 GiB and clears the state')
    // The state file itself is untouched: only a person decides.
    expect(await readRollbackState(host)).toMatchObject({token: state.token})
    // cancelRollback (confirm) does not wait for a reverter that is not there.
    const started = Date.now()
    expect(await cancelRollback(host)).toMatchObject({tooLate: false, reverterStopped: true})
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('takes a live pid that is not the reverter (a reused pid) as gone: orphaned', async () => {
    const root = dom0Root(1048576)
    const host = new LocalHost(root)
    writeState(root, ROLLBACK_STATE_PATH, stateWith({reverterPid: process.pid}))
    expect(await host.processAlive(process.pid)).toBe(true)
    const [finding] = await checkRollbacks(host, await readRollbacks(host))
    expect(finding).toMatchObject({condition: 'orphaned', reverter: {pid: process.pid, running: false}})
    expect(finding?.reverter.detail).toMatch(new RegExp(`pid ${process.pid} now runs \`.*node.*\`, not the reverter of change mg-0123456789ab: the reverter is gone and its pid was reused`))
    // A state without any reverter pid (memguard stopped while arming, after starting the reverter
    // or not) is unknown: nothing says the reverter is gone.
    writeState(root, ROLLBACK_STATE_PATH, stateWith({reverterPid: null}))
    expect((await checkRollbacks(host, await readRollbacks(host)))[0]).toMatchObject({condition: 'unknown', reverter: {running: null, detail: expect.stringMatching(/no reverter pid: memguard stopped while arming/)}})
  })

  it('is interrupted when the reverter dies mid-restore, and `rollback` finishes the restore', async () => {
    const {root, host, state} = await armWithHangingToolstack()
    const pid = state.reverterPid as number
    const log = () => readFileSync(join(root, REVERTER_LOG), 'utf8')
    expect(await waitFor(() => existsSync(join(root, ROLLBACK_FIRING_PATH)) && /balloon: target_kb set/.test(log()), 10_000)).toBe(true)
    const [restoring] = await checkRollbacks(host, await readRollbacks(host))
    expect(restoring).toMatchObject({condition: 'overdue', claimed: true, path: ROLLBACK_FIRING_PATH, reverter: {running: true}})
    expect(describeRollback(restoring!).message).toMatch(/a dead-man rollback is restoring: reverter pid \d+ claimed it/)
    process.kill(-pid, 'SIGKILL') // the reverter's process group (setsid): it dies half-way
    expect(await waitFor(() => processGone(pid), 10_000)).toBe(true)
    const [interrupted] = await checkRollbacks(host, await readRollbacks(host))
    expect(interrupted).toMatchObject({condition: 'interrupted', claimed: true, reverter: {pid, running: false}})
    expect(describeRollback(interrupted!)).toMatchObject({id: 'rollback-interrupted', severity: 'critical'})
    expect(describeRollback(interrupted!).message).toMatch(/interrupted: .*restore domain Domain-0 \(0\) from 1 GiB back to 1\.5 GiB, and died before finishing: .*The restore may be half done/)

    writeFileSync(join(root, 'fake-xl/mode'), 'converge')
    const rolled = await rollbackNow(host, {command: 'memguard rollback', user: 'test', auditLogPath: '/var/log/memguard/audit.log', toolstackTimeoutMs: 10_000, waitTimeoutMs: 5000, pollMs: 50})
    expect(rolled).toMatchObject({exitCode: 0, condition: 'interrupted', restore: {balloon: {ok: true}, toolstack: {exitCode: 0}}})
    expect(rolled.summary).toMatch(/^finished the interrupted rollback/)
    expect(existsSync(join(root, ROLLBACK_FIRING_PATH))).toBe(false)
    expect(readFileSync(join(root, SYSFS, 'target_kb'), 'utf8').trim()).toBe('1572864')
    expect(await readRollbacks(host)).toEqual([])
  })

  it('says that liveness is unknown on a snapshot, which has no live processes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memguard-snap-'))
    cpSync(resolve(__dirname, '../../examples/hosts/xenlab'), dir, {recursive: true})
    writeState(join(dir, 'files'), ROLLBACK_STATE_PATH, stateWith({reverterPid: process.pid}))
    const host = new SnapshotHost(dir)
    const [finding] = await checkRollbacks(host, await readRollbacks(host))
    expect(finding).toMatchObject({condition: 'unknown', reverter: {pid: process.pid, running: null}})
    expect(finding?.reverter.detail).toMatch(/cannot be told: .* is a snapshot: it has no live processes to ask/)
    expect(describeRollback(finding!)).toMatchObject({id: 'rollback-pending', severity: 'warning', summary: 'rollback state found'})
  })

  it('classifies by claim, liveness and deadline (pure)', () => {
    const state = stateWith({reverterPid: 4242})
    const pending: FoundRollback = {path: ROLLBACK_STATE_PATH, claimed: false, state}
    const firing: FoundRollback = {path: ROLLBACK_FIRING_PATH, claimed: true, state}
    const running = {pid: 4242, running: true, detail: ''}
    const gone = {pid: 4242, running: false, detail: 'reverter pid 4242 is not running'}
    const unknown = {pid: 4242, running: null, detail: ''}
    const before = (state.deadlineEpoch - 60) * 1000
    const after = (state.deadlineEpoch + 60) * 1000
    expect(classifyRollback(pending, running, before)).toMatchObject({condition: 'armed', secondsToDeadline: 60})
    expect(classifyRollback(pending, running, after)).toMatchObject({condition: 'overdue', secondsToDeadline: -60})
    expect(classifyRollback(firing, running, after).condition).toBe('overdue')
    expect(classifyRollback(pending, gone, before).condition).toBe('orphaned')
    expect(classifyRollback(pending, gone, after).condition).toBe('orphaned')
    expect(classifyRollback(firing, gone, after).condition).toBe('interrupted')
    expect(classifyRollback(pending, unknown, after).condition).toBe('unknown')
    expect(describeRollback(classifyRollback(pending, running, after)).message).toMatch(/overdue: its deadline .* \(60 s ago\) has passed and reverter pid 4242 is still running/)
    expect(describeRollback(classifyRollback(pending, gone, after)).message).toMatch(/deadline .* \(60 s ago\), not ever/)
  })

  /** A host whose probe answers `answer`, after `meanwhile` ran (what the reverter or another memguard did in between). */
  class ProbedHost extends LocalHost {
    constructor(root: string, private readonly answer: (pid: number) => ProcessProbe, private readonly meanwhile: () => void = () => undefined) {
      super(root)
    }

    override async probeProcess(pid: number): Promise<ProcessProbe> {
      this.meanwhile()
      return this.answer(pid)
    }
  }

  it('drops a claimed rollback whose reverter finished its restore between the read and the probe, rather than call it interrupted', async () => {
    const root = dom0Root(1572864)
    writeState(root, ROLLBACK_FIRING_PATH, stateWith({reverterPid: 4242}))
    // The reverter's last steps: remove the .firing state, then exit.
    const host = new ProbedHost(root, () => ({status: 'gone'}), () => rmSync(join(root, ROLLBACK_FIRING_PATH), {force: true}))
    const found = await readRollbacks(host)
    expect(found).toHaveLength(1)
    expect(await checkRollbacks(host, found)).toEqual([])
  })

  it('drops a pending rollback confirmed elsewhere between the read and the probe, rather than call it orphaned', async () => {
    const root = dom0Root(1048576)
    writeState(root, ROLLBACK_STATE_PATH, stateWith({reverterPid: 4242}))
    const host = new ProbedHost(root, () => ({status: 'gone'}), () => rmSync(join(root, ROLLBACK_STATE_PATH), {force: true}))
    expect(await checkRollbacks(host, await readRollbacks(host))).toEqual([])
  })

  it('asks the reverter armRollback recorded after the read (the arming window), rather than call the state orphaned', async () => {
    const root = dom0Root(1048576)
    const armed = stateWith({reverterPid: 4243})
    writeState(root, ROLLBACK_STATE_PATH, {...armed, reverterPid: null})
    const reverterArgv = ['/bin/sh', '/run/memguard/memguard-reverter', '/run/memguard/rollback.json', String(armed.deadlineEpoch), '0', '1572864', 'sysfs', 'xl', '/var/log/memguard/reverter.log', armed.token]
    const host = new ProbedHost(root, (pid) => (pid === 4243 ? {status: 'alive', argv: reverterArgv} : {status: 'gone'}))
    const found = await readRollbacks(host)
    writeState(root, ROLLBACK_STATE_PATH, armed) // armRollback's second write, after the spawn
    expect(await checkRollbacks(host, found)).toEqual([expect.objectContaining({condition: 'armed', state: expect.objectContaining({reverterPid: 4243}), reverter: expect.objectContaining({pid: 4243, running: true})})])
  })

  it('cannot tell, rather than call orphaned, a live pid whose command line cannot be read (hidepid)', async () => {
    const root = dom0Root(1048576)
    writeState(root, ROLLBACK_STATE_PATH, stateWith({reverterPid: 4242}))
    const host = new ProbedHost(root, () => ({status: 'alive', argv: null}))
    expect(await checkRollbacks(host, await readRollbacks(host))).toEqual([expect.objectContaining({condition: 'unknown', reverter: expect.objectContaining({pid: 4242, running: null, detail: expect.stringMatching(/alive but its \/proc\/4242\/cmdline cannot be read/)})})])
  })

  it('still says orphaned when the state is there on the second look', async () => {
    const root = dom0Root(1048576)
    writeState(root, ROLLBACK_STATE_PATH, stateWith({reverterPid: 4242}))
    const host = new ProbedHost(root, () => ({status: 'gone'}))
    expect(await checkRollbacks(host, await readRollbacks(host))).toEqual([expect.objectContaining({condition: 'orphaned', reverter: expect.objectContaining({pid: 4242, running: false})})])
  })

  it('counts one change once when its state was read just as the reverter renamed it to .firing', () => {
    const state = stateWith({reverterPid: 4242})
    const text = JSON.stringify(state)
    expect(findRollbacks(() => text)).toEqual([{path: ROLLBACK_FIRING_PATH, claimed: true, state}])
    // Two different changes are both kept: an older one left half restored behind a newer pending one.
    const older = JSON.stringify(stateWith({token: 'mg-ffffffffffff'}))
    expect(findRollbacks((path) => (path === ROLLBACK_FIRING_PATH ? older : text)).map((f) => f.path)).toEqual([ROLLBACK_STATE_PATH, ROLLBACK_FIRING_PATH])
  })

  it('recognises the reverter by its script name and change token in argv', () => {
    const args = ['/run/memguard/rollback.json', '1767225900', '0', '1572864', 'sysfs', 'xl', '/var/log/memguard/reverter.log', 'mg-0123456789ab']
    expect(isReverterArgv(['/bin/sh', '/tmp/root/run/memguard/memguard-reverter', ...args], 'mg-0123456789ab')).toBe(true)
    expect(isReverterArgv(['/bin/sh', '-c', 'exec /bin/sh "${MEMGUARD_ROOT:-}$0" "$@"', '/run/memguard/memguard-reverter', ...args], 'mg-0123456789ab')).toBe(true)
    expect(isReverterArgv(['/bin/sh', '/run/memguard/memguard-reverter', ...args], 'mg-ffffffffffff')).toBe(false)
    expect(isReverterArgv(['sshd: root@pts/0'], 'mg-0123456789ab')).toBe(false)
    expect(isReverterArgv(['/bin/sh', '/tmp/memguard-reverter-not', 'mg-0123456789ab'], 'mg-0123456789ab')).toBe(false)
  })
})
