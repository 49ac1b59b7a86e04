import {mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'
import {hasCapSysResource, sleep, waitFor} from '../helpers/process.js'
import {armRollback, cancelRollback, readRollbackState, ROLLBACK_STATE_PATH} from '../../src/ops/rollback.js'

const FAKE_BIN = resolve(__dirname, '../fixtures/bin')
const SYSFS = 'sys/devices/system/xen_memory/xen_memory0'
let savedPath: string | undefined

const reverterDone = (root: string) => existsSync(join(root, REVERTER_LOG)) && /rollback done/.test(readFileSync(join(root, REVERTER_LOG), 'utf8'))
const REVERTER_LOG = 'var/log/memguard/reverter.log'

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
    // The reverter protects itself from the OOM killer – where the kernel lets it.
    await sleep(300)
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
    await sleep(3000)
    expect(readFileSync(join(root, SYSFS, 'target_kb'), 'utf8').trim()).toBe('1048576')
    expect(existsSync(join(root, 'fake-xl/calls.log'))).toBe(false)
    expect(readFileSync(join(root, 'var/log/memguard/reverter.log'), 'utf8')).toMatch(/cancelled/)
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
    const root = dom0Root(1048576)
    mkdirSync(join(root, 'fake-xl'), {recursive: true})
    writeFileSync(join(root, 'fake-xl/mode'), 'hang') // the toolstack hangs: the reverter is mid-restore
    const host = new LocalHost(root)
    const state = await armRollback(host, {domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'sysfs', toolstack: 'xl', confirmWithinMs: 300})
    expect(await waitFor(() => existsSync(join(root, `${ROLLBACK_STATE_PATH}.firing`)), 10_000)).toBe(true)
    const cancelled = await cancelRollback(host)
    expect(cancelled).toMatchObject({tooLate: true, state: {token: state.token}})
    expect(readFileSync(join(root, SYSFS, 'target_kb'), 'utf8').trim()).toBe('1572864')
    process.kill(-(state.reverterPid as number), 'SIGKILL')
  })
})
