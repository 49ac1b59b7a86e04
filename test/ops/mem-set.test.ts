import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'
import {executeMemSet} from '../../src/ops/mem-set.js'
import {preflightMemSet} from '../../src/safety/mem-set.js'
import {statusPlan} from '../../src/state/plan.js'
import {buildHostState} from '../../src/state/host-state.js'
import {fakeDom0, SYSFS} from '../commands/fake-dom0.js'
import {FAKE_BIN} from '../helpers/cli.js'

let savedPath: string | undefined
beforeEach(() => {
  savedPath = process.env.PATH
  process.env.PATH = `${FAKE_BIN}:${process.env.PATH}`
})
afterEach(() => {
  process.env.PATH = savedPath
})

const options = {command: 'memguard mem-set 0 1024m', user: 'test', auditLogPath: '/var/log/memguard/audit.log', toolstackTimeoutMs: 5000, waitTimeoutMs: 5000, confirmWithinMs: null, guestHost: null}

describe('applying a preflighted mem-set', () => {
  it('refuses when another change moved the balloon target between the preflight and the lock', async () => {
    const root = fakeDom0('xenlab')
    const host = new LocalHost(root)
    const preflight = preflightMemSet(buildHostState(await host.gather(statusPlan()), host.label), {domain: '0', size: '1024m'})
    expect(preflight.decision).toBe('apply')
    writeFileSync(join(root, SYSFS, 'target_kb'), '1310720\n') // someone else: xl mem-set 0 1280m
    await expect(executeMemSet(host, preflight, options)).rejects.toThrow(/changed since the preflight: dom0's balloon target is 1\.25 GiB, not the 1\.5 GiB/)
    expect(readFileSync(join(root, SYSFS, 'target_kb'), 'utf8').trim()).toBe('1310720')
  })

  it('applies when nothing changed in between', async () => {
    const root = fakeDom0('xenlab')
    const host = new LocalHost(root)
    const preflight = preflightMemSet(buildHostState(await host.gather(statusPlan()), host.label), {domain: '0', size: '1024m'})
    const result = await executeMemSet(host, preflight, options)
    expect(result.exitCode).toBe(0)
    expect(readFileSync(join(root, 'fake-xl/calls.log'), 'utf8')).toContain('mem-set\t0\t1024m\t')
  })
})
