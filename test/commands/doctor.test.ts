import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EXAMPLE_HOSTS, runCli} from '../helpers/cli.js'

const snapshot = (name: string) => ['--snapshot', join(EXAMPLE_HOSTS, name)]
const NAGIOS_LINE = /^MEMGUARD (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+( \| ([a-z0-9_]+=\d+(MB)?;;; ?)+)?$/

describe('memguard doctor', () => {
  it('finds the seed incident critical with a line per check and its advice, exit 1', async () => {
    const {exitCode, stdout} = await runCli(['doctor', ...snapshot('seed-incident')])
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(/✗ dom0-mem\s+dom0_mem absent/)
    expect(stdout).toMatch(/✗ dom0-floor\s+below floor/)
    expect(stdout).toMatch(/→ grow it: memguard mem-set 0 3047m/)
    expect(stdout).toMatch(/✓ toolstack\s+xm reachable/)
    expect(stdout).toMatch(/overall: CRITICAL/)
  })

  it('exits 0 on the healthy xl host, whose worst is a warning', async () => {
    const {exitCode, stdout} = await runCli(['doctor', ...snapshot('healthy-xl')])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/overall: (OK|WARNING)/)
    expect(stdout).not.toMatch(/✗/)
  })

  it('gives a stable JSON shape with every check and the perfdata numbers', async () => {
    const {exitCode, stdout} = await runCli(['doctor', '--json', ...snapshot('xenlab')])
    expect(exitCode).toBe(0)
    const json = JSON.parse(stdout)
    expect(json).toMatchObject({schemaVersion: 1, overall: 'warning', perf: {floorKiB: 347 * 1024, dom0KiB: 1536 * 1024}})
    const services = json.checks.find((c: {id: string}) => c.id === 'critical-services')
    expect(services.status).toBe('warning')
    expect(services.detail).toMatch(/cron .*xenconsoled/)
    for (const c of json.checks) expect(Object.keys(c).sort()).toEqual(['advice', 'detail', 'id', 'status', 'summary'])
  })
})

describe('memguard doctor --format nagios', () => {
  it('exits 2 with a CRITICAL line and perfdata on the seed incident', async () => {
    const {exitCode, stdout} = await runCli(['doctor', '--format', 'nagios', ...snapshot('seed-incident')])
    expect(exitCode).toBe(2)
    const [head] = stdout.split('\n')
    expect(head).toMatch(NAGIOS_LINE)
    expect(head).toMatch(/^MEMGUARD CRITICAL - dom0_mem absent; below floor;/)
    expect(head).toMatch(/ \| floor=3047MB;;; dom0=1536MB;;; available=52MB;;;/)
    expect(stdout).toMatch(/^\[CRITICAL\] dom0-mem: /m)
  })

  it('exits 1 with a WARNING line on the lab host with unprotected cron and xenconsoled', async () => {
    const {exitCode, stdout} = await runCli(['doctor', '--format', 'nagios', ...snapshot('xenlab')])
    expect(exitCode).toBe(1)
    expect(stdout.split('\n')[0]).toMatch(/^MEMGUARD WARNING - .*3 critical services unprotected/)
    expect(stdout.split('\n')[0]).toMatch(NAGIOS_LINE)
  })

  it('exits 0 or 1 (never 2 or 3) on the healthy xl host', async () => {
    const {exitCode, stdout} = await runCli(['doctor', '-f', 'nagios', ...snapshot('healthy-xl')])
    expect([0, 1]).toContain(exitCode)
    expect(stdout.split('\n')[0]).toMatch(/^MEMGUARD (OK|WARNING) - /)
  })

  it('says UNKNOWN with exit 3 on this machine, which is not a Xen dom0', async () => {
    const {exitCode, stdout} = await runCli(['doctor', '--format', 'nagios'], {env: {PATH: '/usr/bin:/bin'}})
    expect(exitCode).toBe(3)
    expect(stdout.split('\n')[0]).toMatch(/^MEMGUARD UNKNOWN - not a Xen dom0/)
    expect(stdout.split('\n')[0]).toMatch(NAGIOS_LINE)
  })

  it('reports an error as UNKNOWN with exit 3, not as a WARNING', async () => {
    const {exitCode, stdout} = await runCli(['doctor', '--format', 'nagios', '--snapshot', join(EXAMPLE_HOSTS, 'no-such-host')])
    expect(exitCode).toBe(3)
    expect(stdout).toMatch(/^MEMGUARD UNKNOWN - /)
  })
})

describe('memguard doctor on this machine', () => {
  it('says it is not a dom0 and exits 1 in text mode', async () => {
    const {exitCode, stdout} = await runCli(['doctor'], {env: {PATH: '/usr/bin:/bin'}})
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(/\? toolstack\s+not a Xen dom0/)
    expect(stdout).toMatch(/overall: UNKNOWN/)
  })
})
