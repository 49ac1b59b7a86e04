import {release} from 'node:os'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'
import {makeSshWrapper, sshdUnavailable, startSshd, type SshdFixture, type SshWrapper} from './sshd-fixture.js'

const skipReason = sshdUnavailable()

describe.skipIf(skipReason !== null)('memguard --host, end to end against a real sshd', () => {
  let sshd: SshdFixture
  let wrapper: SshWrapper
  beforeAll(async () => {
    sshd = await startSshd()
    // The recording ssh adds `-F <test config>`: the CLI itself has no test-only ssh options.
    wrapper = makeSshWrapper(sshd.config)
  })
  afterAll(async () => {
    await sshd?.stop()
    if (wrapper) rmSync(wrapper.dir, {recursive: true, force: true})
  })

  const env = () => ({PATH: `${wrapper.dir}:${process.env.PATH}`})

  it('status --host reads the host in ONE ssh round trip, plus one to end the master connection', async () => {
    wrapper.reset()
    const {exitCode, stdout, stderr} = await runCli(['status', '--json', '--host', 'mgtest'], {env: env()})
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    const json = JSON.parse(stdout)
    expect(json.host).toMatchObject({label: 'mgtest', kernel: release()})
    const calls = wrapper.calls()
    expect(calls.filter((argv) => !argv.includes('-O'))).toHaveLength(1)
    expect(calls.filter((argv) => argv.includes('-O') && argv.includes('exit'))).toHaveLength(1)
  })

  it('status --host on an unreachable host fails with exit 1 and a message naming it', async () => {
    const target = `${sshd.user}@127.0.0.1:1`
    const {exitCode, stderr} = await runCli(['status', '--host', target], {env: env()})
    expect(exitCode).toBe(1)
    expect(stderr).toMatch(new RegExp(`^memguard: cannot connect to ${target.replaceAll('.', '\\.')}: connection refused`))
    expect(stderr).not.toMatch(/at .*\.js/)
  })

  it('--host cannot be combined with --root or --snapshot', async () => {
    const {exitCode, stderr} = await runCli(['status', '--host', 'mgtest', '--root', '/tmp'], {env: env()})
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/--host=mgtest cannot also be provided when using --root/)
  })

  it('status over a fleet prints one summary row per host, and one unreachable host hides none of the others', async () => {
    const bad = `${sshd.user}@127.0.0.1:1`
    const {exitCode, stdout} = await runCli(['status', '--host', 'mgtest', '--host', bad], {env: env()})
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(/^HOST\s+XEN\s+DOM0 HOLDS\s+FLOOR\s+ABOVE FLOOR\s+DOM0_MEM\s+VERDICT/)
    expect(stdout).toMatch(/^mgtest .*not dom0/m)
    expect(stdout).toMatch(new RegExp(`^${bad.replaceAll('.', '\\.')}\\s.*unreachable.*connection refused`, 'm'))
    expect(stdout).toMatch(/2 hosts: .*1 unreachable/)
  })

  it('status --inventory --json gives one object per host of an Ansible inventory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memguard-inv-'))
    const inventory = join(dir, 'hosts.ini')
    writeFileSync(inventory, `[dom0s]\nfirst ansible_host=mgtest\nsecond ansible_host=127.0.0.1 ansible_port=1 ansible_user=${sshd.user}\n`)
    const {exitCode, stdout} = await runCli(['status', '--json', '--inventory', inventory], {env: env()})
    expect(exitCode).toBe(1)
    const entries = JSON.parse(stdout)
    expect(entries).toHaveLength(2)
    expect(entries[0]).toMatchObject({ok: true, status: {schemaVersion: 1}})
    expect(entries[1]).toMatchObject({ok: false, exitCode: 1})
    rmSync(dir, {recursive: true, force: true})
  })

  // protect and dom0-mem read in two dependent phases: a directory listing (unit dirs, grub.d,
  // EFI vendor dirs, the /proc/<pid>/cgroup of the services found) decides which files to read next.
  it.each([
    ['oom', 1, ['oom', '--json']],
    ['snapshot', 1, ['snapshot', '--json', '-o', '<out>']],
    ['protect (plan)', 2, ['protect', '--json']],
    ['dom0-mem (plan)', 2, ['dom0-mem', '2048', '--json']],
  ] as const)('%s --host reads the host in %i ssh round trip(s)', async (_name, roundTrips, args) => {
    const out = join(mkdtempSync(join(tmpdir(), 'memguard-ssh-snap-')), 'snap')
    wrapper.reset()
    const result = await runCli([...args.map((a) => (a === '<out>' ? out : a)), '--host', 'mgtest'], {env: env()})
    expect(result.stderr).not.toMatch(/cannot connect|ssh:/)
    const reads = wrapper.calls().filter((argv) => !argv.includes('-O'))
    expect(reads).toHaveLength(roundTrips)
    rmSync(dirname(out), {recursive: true, force: true})
  })
})
