import {existsSync, writeFileSync, mkdirSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EXAMPLE_HOSTS, runCli} from '../helpers/cli.js'
import {auditLines, currentKb, fakeDom0, memSetCalls, read, readOr, targetKb} from './fake-dom0.js'

// These run the built binary (`npm run build` first), as an admin would.
const snapshot = (name: string) => join(EXAMPLE_HOSTS, name)
const memSet = async (args: string[], timeoutMs?: number) => {
  const r = await runCli(['mem-set', ...args], {fakeToolstack: true, timeoutMs})
  if (process.env.MG_DEBUG && r.exitCode === 1) console.log('DEBUG', args.join(' '), r.stderr.slice(0, 2000))
  return r
}

describe('memguard mem-set on snapshot hosts (every change is a dry run)', () => {
  it('refuses `mem-set 0 128m` on the Xen 4.17 lab with exit 3: target, in use, floor, deficit, victims in order and what to do instead', async () => {
    const {exitCode, stdout} = await memSet(['0', '128m', '--snapshot', snapshot('xenlab')])
    expect(exitCode).toBe(3)
    expect(stdout).toMatch(/REFUSED: memguard will not shrink dom0 to 128 MiB/)
    expect(stdout).toMatch(/target\s+128 MiB/)
    expect(stdout).toMatch(/in use\s+73\.4 MiB/)
    expect(stdout).toMatch(/floor\s+347 MiB/)
    expect(stdout).toMatch(/deficit\s+219 MiB below the floor/)
    expect(stdout).toMatch(/1\s+sshd \(574\).*an ssh session/)
    expect(stdout).toMatch(/cron \(227\).*CRITICAL: cron/)
    expect(stdout).toMatch(/xenconsoled \(276\).*CRITICAL/)
    expect(stdout).toMatch(/nothing is left to kill/)
    expect(stdout).toMatch(/memguard mem-set 0 347m/)
    expect(stdout).toMatch(/memguard protect --apply --persist/)
    // The boot size it suggests is the one `memguard dom0-mem` recommends for the same host.
    const recommended = JSON.parse((await runCli(['dom0-mem', '--json', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab')])).stdout).sizeKiB / 1024
    expect(recommended).toBe(1024)
    expect(stdout).toContain(`memguard dom0-mem ${recommended}M `)
    expect(stdout).toMatch(/Dry run: dom0 would NOT be changed \(exit 3\)/)
  })

  it('would apply `mem-set 0 1024m` on the lab (exit 0) and shows the whole plan with the exact argv', async () => {
    const {exitCode, stdout} = await memSet(['0', '1024m', '--snapshot', snapshot('xenlab'), '--confirm-within', '5m'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/1\. xl mem-set 0 1024m/)
    expect(stdout).toMatch(/arm the dead-man rollback: back to 1\.5 GiB in 5m/)
    expect(stdout).toMatch(/emergency brake while it shrinks: if dom0's MemAvailable falls under 68\.6 MiB/)
    expect(stdout).toMatch(/a snapshot is read-only/)
    expect(stdout).toMatch(/Nothing was changed/)
  })

  it('refuses 256m on the lab dom0 with memory hogs and names the hogs as the first victims', async () => {
    const {exitCode, stdout} = await memSet(['0', '256m', '--snapshot', snapshot('xenlab-hogs')])
    expect(exitCode).toBe(3)
    expect(stdout).toMatch(/1\s+python3 \(358\)\s+408 MiB\n\s+2\s+python3 \(367\)\s+308 MiB\n\s+3\s+node \(375\)/)
  })

  it('refuses the incident\'s `xm mem-set 0 256` with sshd and crond among the victims, in --json', async () => {
    const {exitCode, stdout} = await memSet(['0', '256', '--snapshot', snapshot('seed-incident'), '--json'])
    expect(exitCode).toBe(3)
    const json = JSON.parse(stdout)
    expect(json).toMatchObject({schemaVersion: 1, toolstack: 'xm', decision: 'refuse', wouldApply: false, outcome: 'refused', exitCode: 3, dryRun: true, dryRunReason: 'read-only'})
    expect(json.size).toMatchObject({text: '256', requestedKiB: 262144, bare: true, understood: '256 MiB'})
    expect(json.size.notes[0]).toMatch(/man page says KiB/)
    const victims = json.verdict.victims.map((v: {comm: string}) => v.comm)
    expect(victims).toContain('sshd')
    expect(victims).toContain('crond')
    expect(json.verdict.criticalVictims.map((v: {service: string}) => v.service)).toEqual(expect.arrayContaining(['sshd', 'cron']))
    expect(json.plan.argv).toEqual(['xm', 'mem-set', '0', '256'])
  })

  it('would apply a sensible shrink on the healthy host, in --json', async () => {
    const {exitCode, stdout} = await memSet(['Domain-0', '3g', '--snapshot', snapshot('healthy-xl'), '--json'])
    expect(exitCode).toBe(0)
    const json = JSON.parse(stdout)
    expect(json).toMatchObject({decision: 'apply', wouldApply: true, outcome: 'dry-run', action: 'shrink', targetKiB: 3 * 1024 * 1024, exitCode: 0})
    expect(json.plan.argv).toEqual(['xl', 'mem-set', '0', '3072m'])
    expect(json.floor.floorKiB).toBeLessThan(3 * 1024 * 1024)
  })

  it('exits 2 for bad sizes, with the reason', async () => {
    const cases: Array<[string, RegExp]> = [
      ['abc', /size "abc" is not a size/],
      ['0', /size "0" is zero/],
      ['10x', /unknown unit "x"/],
      ['1572864', /1\.5 TiB, more than this host's 2\.5 GiB[\s\S]*write 1572864k/],
    ]
    for (const [size, message] of cases) {
      const {exitCode, stderr} = await memSet(['0', size, '--snapshot', snapshot('xenlab')])
      expect(exitCode, size).toBe(2)
      expect(stderr, size).toMatch(message)
      expect(stderr).not.toMatch(/at .*\.js/)
    }
    const negative = await memSet(['--snapshot', snapshot('xenlab'), '--', '0', '-5m'])
    expect(negative.exitCode).toBe(2)
    expect(negative.stderr).toMatch(/negative/)
  })

  it('exits 2 for an unknown domain and lists the domains there are', async () => {
    const {exitCode, stderr} = await memSet(['7', '100m', '--snapshot', snapshot('xenlab')])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/no domain "7" .*the domains are: Domain-0 \(id 0, 1\.5 GiB\)/)
  })

  it('refuses above static-max as a hard limit that --force does not pass', async () => {
    const {exitCode, stdout} = await memSet(['0', '1537m', '--snapshot', snapshot('xenlab'), '--force', '--reason', 'try'])
    expect(exitCode).toBe(3)
    expect(stdout).toMatch(/above dom0's static maximum of 1536 MiB/)
    expect(stdout).toMatch(/max: in dom0_mem .* reboot/)
    expect(stdout).toMatch(/a hard limit: --force does not override it/)
  })

  it('needs --reason with --force (exit 2)', async () => {
    const {exitCode, stderr} = await memSet(['0', '1024m', '--snapshot', snapshot('xenlab'), '--force'])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/--force needs --reason/)
  })

  it('refuses a blind domU shrink and says why and how to check', async () => {
    const {exitCode, stdout} = await memSet(['web01', '2g', '--snapshot', snapshot('healthy-xl')])
    expect(exitCode).toBe(3)
    expect(stdout).toMatch(/memguard cannot see inside web01/)
    expect(stdout).toMatch(/--guest root@web01/)
  })
})

describe('memguard mem-set on a --root dom0 with a fake xl', () => {
  it('applies 1024m, watches the balloon converge, and records the change (exit 0)', async () => {
    const root = fakeDom0('xenlab', 'gradual')
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root])
    expect(exitCode).toBe(0)
    expect(memSetCalls(root)).toEqual(['mem-set\t0\t1024m\t'])
    expect(targetKb(root)).toBe(1048576)
    expect(currentKb(root)).toBe(1048576)
    expect(stdout).toMatch(/✓ xl mem-set 0 1024m: exit 0/)
    expect(stdout).toMatch(/✓ converged: dom0 holds 1 GiB \(target 1 GiB\) after \d+(\.\d)? (ms|s) \(exit 0\)/)
    const [entry] = auditLines(root)
    expect(entry).toMatchObject({action: 'applied', domain: {id: 0, name: 'Domain-0'}, fromKiB: 1572864, toKiB: 1048576, command: `memguard mem-set 0 1024m --root ${root}`})
    expect(read(root, 'fake-logger/calls.log')).toMatch(/^-t\tmemguard\t-p\tauth\.notice\tapplied: memguard mem-set 0 1024m/)
    expect(existsSync(join(root, 'run/memguard/lock'))).toBe(false)
  })

  it('applies a sensible shrink on the healthy host with the exact argv', async () => {
    const root = fakeDom0('healthy-xl')
    const {exitCode, stdout} = await memSet(['0', '3g', '--root', root, '--json'])
    expect(exitCode).toBe(0)
    expect(memSetCalls(root)).toEqual(['mem-set\t0\t3072m\t'])
    const json = JSON.parse(stdout)
    expect(json).toMatchObject({outcome: 'converged', exitCode: 0, result: {toolstack: {argv: ['xl', 'mem-set', '0', '3072m'], exitCode: 0}, watch: {converged: true}}})
  })

  it('exits 4 and says where it stuck when the balloon stalls past --wait-timeout', async () => {
    const root = fakeDom0('xenlab', 'stall')
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root, '--wait-timeout', '2s'])
    expect(exitCode).toBe(4)
    expect(stdout).toMatch(/not converged after 2\.\d s \(--wait-timeout\): stuck at 1\.5 GiB, 512 MiB above the target of 1 GiB; it never moved/)
    expect(stdout).toMatch(/To go back: memguard mem-set 0 1536m/)
    expect(auditLines(root).map((e) => e.action)).toEqual(['applied', 'not-converged'])
  })

  it('brakes when MemAvailable collapses mid-shrink: the old target comes back at once (exit 4)', async () => {
    const root = fakeDom0('xenlab', 'collapse')
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root, '--json'])
    expect(exitCode).toBe(4)
    expect(memSetCalls(root)).toEqual(['mem-set\t0\t1024m\t', 'mem-set\t0\t1536m\t'])
    expect(targetKb(root)).toBe(1572864)
    const json = JSON.parse(stdout)
    expect(json.outcome).toBe('braked')
    expect(json.result.brake).toMatchObject({trigger: 'mem-available', memAvailableKiB: 2048, floorKiB: 4709 + 65536})
    expect(json.result.brake.seen[0]).toMatch(/MemAvailable fell to 2 MiB, under the brake floor of 68\.6 MiB/)
    expect(json.result.brake.restore.balloon).toMatchObject({path: '/sys/devices/system/xen_memory/xen_memory0/target_kb', text: '1572864', ok: true})
    expect(auditLines(root).map((e) => e.action)).toEqual(['applied', 'braked'])
  })

  it('brakes on a new OOM kill in the kernel log while shrinking (exit 4) and says who died', async () => {
    const root = fakeDom0('xenlab', 'oom')
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root])
    expect(exitCode).toBe(4)
    expect(stdout).toMatch(/emergency brake after .*the kernel OOM-killed cron \(pid 227/)
    expect(stdout).toMatch(/✓ balloon: wrote 1572864 to \/sys\/devices\/system\/xen_memory\/xen_memory0\/target_kb/)
    expect(stdout).toMatch(/✓ xl mem-set 0 1536m: exit 0/)
    expect(targetKb(root)).toBe(1572864)
  })

  it('kills a hung xl after --toolstack-timeout and reports it (exit 1)', async () => {
    const root = fakeDom0('xenlab', 'hang')
    const started = Date.now()
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root, '--toolstack-timeout', '1s'])
    expect(exitCode).toBe(1)
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(stdout).toMatch(/xl mem-set 0 1024m did not answer within 1\.0 s and was killed/)
    expect(auditLines(root)[0]).toMatchObject({action: 'failed'})
  })

  it('shows the static-max error verbatim with what it means (exit 1)', async () => {
    const root = fakeDom0('xenlab', 'static-max')
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root])
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(/libxl: error: libxl_mem\.c:278:libxl_set_memory_target: memory_dynamic_max must be less than or equal to memory_static_max/)
    expect(stdout).toMatch(/cannot set domid 0 dynamic max memory to : 1024m/)
    expect(stdout).toMatch(/what it means: The target is above the domain's static maximum/)
  })

  it('audits a refusal and never calls the toolstack', async () => {
    const root = fakeDom0('xenlab')
    const {exitCode} = await memSet(['0', '128m', '--root', root, '--audit-log', '/var/log/mg.jsonl'])
    expect(exitCode).toBe(3)
    expect(memSetCalls(root)).toEqual([])
    const entry = JSON.parse(read(root, 'var/log/mg.jsonl').trim())
    expect(entry).toMatchObject({action: 'refused', toKiB: 131072, detail: {refusals: [{code: 'below-floor', hard: false}]}})
  })

  it('--dry-run on a live host changes nothing and writes nothing', async () => {
    const root = fakeDom0('xenlab')
    const {exitCode} = await memSet(['0', '1024m', '--root', root, '--dry-run'])
    expect(exitCode).toBe(0)
    expect(memSetCalls(root)).toEqual([])
    expect(targetKb(root)).toBe(1572864)
    expect(existsSync(join(root, 'var/log/memguard/audit.log'))).toBe(false)
  })

  it('logs a forced change with its reason, and the brake still guards it', async () => {
    const root = fakeDom0('xenlab-hogs', 'collapse')
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root, '--force', '--reason', 'hogs are a test load'])
    expect(exitCode).toBe(4)
    expect(stdout).toMatch(/overridden by --force \(reason: hogs are a test load\)/)
    const [forced] = auditLines(root)
    expect(forced).toMatchObject({action: 'forced', reason: 'hogs are a test load'})
    expect(read(root, 'fake-logger/calls.log')).toMatch(/forced: .*reason: hogs are a test load/)
    expect(memSetCalls(root).at(-1)).toBe('mem-set\t0\t1536m\t')
  })

  it('--no-wait sets the target and does not watch', async () => {
    const root = fakeDom0('xenlab', 'stall')
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root, '--no-wait'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/accepted .*not waiting for the balloon \(--no-wait\)/)
    expect(stdout).toMatch(/emergency brake is off/)
  })

  it('takes one change per host: a live lock holder makes it fail (exit 1)', async () => {
    const root = fakeDom0('xenlab')
    mkdirSync(join(root, 'run/memguard'), {recursive: true, mode: 0o700})
    writeFileSync(join(root, 'run/memguard/lock'), JSON.stringify({pid: process.pid, holder: hostname(), startedAt: new Date().toISOString(), command: 'memguard mem-set 0 1200m'}))
    const {exitCode, stderr} = await memSet(['0', '1024m', '--root', root])
    expect(exitCode).toBe(1)
    expect(stderr).toMatch(/another memguard is changing .*: pid \d+ .*memguard mem-set 0 1200m/)
    expect(memSetCalls(root)).toEqual([])
  })

  it('breaks a stale lock whose holder is gone, and says so', async () => {
    const root = fakeDom0('xenlab')
    mkdirSync(join(root, 'run/memguard'), {recursive: true, mode: 0o700})
    writeFileSync(join(root, 'run/memguard/lock'), JSON.stringify({pid: 2 ** 22 + 12345, holder: hostname(), startedAt: '2026-01-01T00:00:00Z', command: 'memguard mem-set 0 1200m'}))
    const {exitCode, stdout} = await memSet(['0', '1024m', '--root', root])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/broke a stale lock left by pid 4206649/)
  })

  it('watches a domU through `xl list` and records the argv by domain ID', async () => {
    const root = fakeDom0('healthy-xl')
    const {exitCode, stdout} = await memSet(['web01', '3g', '--root', root, '--force', '--reason', 'app moved to web02'])
    expect(exitCode).toBe(0)
    expect(memSetCalls(root)).toEqual(['mem-set\t1\t3072m\t'])
    expect(stdout).toMatch(/converged: web01 holds 3 GiB/)
    expect(auditLines(root)[0]).toMatchObject({action: 'forced', reason: 'app moved to web02', domain: {id: 1, name: 'web01'}})
  })
})

describe('memguard mem-set on a --root RHEL5-style dom0 with a fake xm', () => {
  it('grows dom0 through `xm mem-set 0 <MiB>` and watches /proc/xen/balloon', async () => {
    const root = fakeDom0('seed-incident')
    const {exitCode, stdout} = await memSet(['0', '1552m', '--root', root])
    expect(exitCode).toBe(0)
    expect(memSetCalls(root, 'xm')).toEqual(['mem-set\t0\t1552\t'])
    expect(read(root, 'proc/xen/balloon')).toMatch(/Current allocation: +1589248 kB/)
    expect(stdout).toMatch(/converged: dom0 holds 1\.52 GiB/)
  })

  it('refuses the incident\'s 256 and, forced anyway, brakes at once through /proc/xen/balloon and xm', async () => {
    const root = fakeDom0('seed-incident')
    expect((await memSet(['0', '256', '--root', root])).exitCode).toBe(3)
    const forced = await memSet(['0', '1024', '--root', root, '--force', '--reason', 'replaying the incident', '--json'])
    expect(forced.exitCode).toBe(4)
    const json = JSON.parse(forced.stdout)
    expect(json.result.brake.trigger).toBe('mem-available')
    expect(json.result.brake.restore.balloon).toMatchObject({path: '/proc/xen/balloon', text: '1572864K'})
    expect(memSetCalls(root, 'xm')).toEqual(['mem-set\t0\t1024\t', 'mem-set\t0\t1536\t'])
    expect(readOr(root, 'proc/xen/balloon')).toMatch(/Requested target: +1572864 kB/)
  })
})
