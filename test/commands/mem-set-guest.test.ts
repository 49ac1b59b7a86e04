import {rmSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FAKE_BIN, runCli} from '../helpers/cli.js'
import {makeSshWrapper, sshdUnavailable, startSshd, type SshdFixture, type SshWrapper} from '../host/sshd-fixture.js'
import {fakeDom0, memSetCalls} from './fake-dom0.js'

// `mem-set <domU> --guest user@host`: the guest's /proc is read over the real ssh transport. The
// "guest" here is this machine, reached through a throwaway sshd on 127.0.0.1; dom0 is a --root
// tree of the healthy-xl host with the fake xl.
// Skipped only when no sshd can be had; the example host is committed, so its absence must fail.
const skip = sshdUnavailable()
if (skip) console.warn(skip)

describe.skipIf(skip !== null)('memguard mem-set --guest (a domU read over ssh)', () => {
  let sshd: SshdFixture
  let wrapper: SshWrapper
  beforeAll(async () => {
    sshd = await startSshd()
    wrapper = makeSshWrapper(sshd.config)
  })
  afterAll(async () => {
    await sshd?.stop()
    if (wrapper) rmSync(wrapper.dir, {recursive: true, force: true})
  })
  const cli = (args: string[]) => runCli(['mem-set', ...args], {env: {PATH: `${wrapper.dir}:${FAKE_BIN}:${process.env.PATH}`}})

  it('judges the guest with its own floor and refuses a shrink below it', async () => {
    const root = fakeDom0('healthy-xl')
    const {exitCode, stdout} = await cli(['web01', '64m', '--root', root, '--guest', sshd.target, '--json'])
    expect(exitCode).toBe(3)
    const json = JSON.parse(stdout)
    expect(json.judged).toBe('guest')
    expect(json.refusals.map((r: {code: string}) => r.code)).toContain('below-floor')
    expect(json.refusals[0].message).toMatch(new RegExp(`read over ${sshd.target.replace(/[.]/g, '\\.')}`))
    expect(json.floor.inUseKiB).toBeGreaterThan(0)
    expect(wrapper.calls().length).toBeGreaterThan(0)
    expect(memSetCalls(root)).toEqual([])
  })

  it('applies a shrink the guest can afford, with the brake watching the guest over ssh', async () => {
    const root = fakeDom0('healthy-xl')
    wrapper.reset()
    const {exitCode, stdout} = await cli(['web01', '3g', '--root', root, '--guest', sshd.target, '--json'])
    const json = JSON.parse(stdout)
    // This machine stands in for the guest: only a machine with less than 1 GiB available would refuse.
    if (json.decision === 'refuse') {
      expect(exitCode).toBe(3)
      return
    }
    expect(exitCode).toBe(0)
    expect(json).toMatchObject({judged: 'guest', outcome: 'converged', plan: {brake: {observes: 'guest'}, watch: {source: 'toolstack-list'}}})
    expect(memSetCalls(root)).toEqual(['mem-set\t1\t3072m\t'])
    // The first read plus at least one brake sample went over ssh.
    expect(wrapper.calls().length).toBeGreaterThanOrEqual(2)
  })
})
