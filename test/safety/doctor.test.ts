import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {mergePlans} from '../../src/host/host.js'
import {SnapshotHost} from '../../src/host/snapshot.js'
import {buildServiceInventory} from '../../src/linux/init-system.js'
import {renderDoctorNagios} from '../../src/render/doctor.js'
import {hostConfigSources, lintHostConfig, pendingProtections, runDoctor, worstStatus, type DoctorReport} from '../../src/safety/doctor.js'
import {buildProtectPlan} from '../../src/safety/protect-plan.js'
import {assessStatus} from '../../src/safety/status-assessment.js'
import {buildHostState, type HostState} from '../../src/state/host-state.js'
import {CONFIG_FILES, protectPlan, statusPlan} from '../../src/state/plan.js'
import {EXAMPLE_HOSTS} from '../helpers/cli.js'

async function doctorOn(name: string, change: (s: HostState) => HostState = (s) => s): Promise<DoctorReport> {
  const host = new SnapshotHost(join(EXAMPLE_HOSTS, name))
  const gathered = await host.gather(mergePlans(statusPlan(), protectPlan()))
  const state = change(buildHostState(gathered, name))
  const configSources = hostConfigSources(gathered.files, CONFIG_FILES)
  const pending = pendingProtections(buildProtectPlan(state, buildServiceInventory(gathered, state.processes)))
  return runDoctor({state, assessment: assessStatus(state), lint: lintHostConfig(configSources, state), configSources, pendingProtections: pending})
}

const statusOf = (report: DoctorReport, id: string) => report.checks.find((c) => c.id === id)?.status

describe('doctor checks', () => {
  it('gives one check per area, in a stable order', async () => {
    const report = await doctorOn('xenlab')
    expect(report.checks.map((c) => c.id)).toEqual(['toolstack', 'dom0-mem', 'ballooning', 'dom0-floor', 'balloon', 'critical-services', 'oom-log', 'swap', 'backstop', 'rollback', 'config-lint'])
  })

  it('finds the seed incident critical: dom0_mem absent, dom0 below its floor, xend ballooning, swap nearly full', async () => {
    const report = await doctorOn('seed-incident')
    expect(report.overall).toBe('critical')
    expect(statusOf(report, 'dom0-mem')).toBe('critical')
    expect(statusOf(report, 'dom0-floor')).toBe('critical')
    expect(statusOf(report, 'ballooning')).toBe('warning')
    expect(report.checks.find((c) => c.id === 'ballooning')?.detail).toMatch(/xend-dom0-ballooning/)
    expect(statusOf(report, 'swap')).toBe('warning')
    expect(statusOf(report, 'critical-services')).toBe('warning')
    expect(report.perf).toMatchObject({floorKiB: 3047 * 1024, dom0KiB: 1536 * 1024})
  })

  it('passes the healthy xl host except for warnings', async () => {
    const report = await doctorOn('healthy-xl')
    expect(['ok', 'warning']).toContain(report.overall)
    expect(report.checks.filter((c) => c.status === 'critical' || c.status === 'unknown')).toEqual([])
    expect(statusOf(report, 'dom0-mem')).toBe('ok')
    expect(statusOf(report, 'ballooning')).toBe('ok')
  })

  it('warns on the lab host about unprotected cron and xenconsoled, with the protect command to run', async () => {
    const report = await doctorOn('xenlab')
    expect(report.overall).toBe('warning')
    const services = report.checks.find((c) => c.id === 'critical-services')
    expect(services).toMatchObject({status: 'warning', summary: '3 critical services unprotected'})
    expect(services?.detail).toMatch(/cron .*xenconsoled/)
    expect(services?.advice).toMatch(/memguard protect --apply --persist/)
  })

  it('says unknown, not ok, when /proc/meminfo could not be read', async () => {
    const report = await doctorOn('xenlab', (s) => ({...s, meminfo: null}))
    expect(statusOf(report, 'dom0-floor')).toBe('unknown')
    expect(statusOf(report, 'swap')).toBe('unknown')
  })

  it('warns on OOM kills in the kernel log', async () => {
    const report = await doctorOn('xenlab', (s) => ({
      ...s,
      oomLog: s.oomLog ? {...s.oomLog, kills: [{name: 'sshd', pid: 2856} as never]} : s.oomLog,
    }))
    expect(report.checks.find((c) => c.id === 'oom-log')).toMatchObject({status: 'warning', summary: '1 OOM kill'})
  })

  it('makes a host that is not a dom0 unknown as a whole', async () => {
    const report = await doctorOn('xenlab', (s) => ({...s, xen: {...s.xen, isDom0: false, toolstack: null}}))
    expect(report.overall).toBe('unknown')
    expect(statusOf(report, 'toolstack')).toBe('unknown')
  })

  it('ranks ok below unknown below warning below critical', () => {
    expect(worstStatus([])).toBe('ok')
    expect(worstStatus(['ok', 'unknown'])).toBe('unknown')
    expect(worstStatus(['unknown', 'warning', 'ok'])).toBe('warning')
    expect(worstStatus(['warning', 'critical', 'unknown'])).toBe('critical')
  })
})

describe('doctor ballooning check', () => {
  it('says "auto" when xl.conf leaves autoballoon commented out and only dom0_mem keeps it off (the lab)', async () => {
    const ballooning = (await doctorOn('xenlab')).checks.find((c) => c.id === 'ballooning')
    expect(ballooning).toMatchObject({status: 'ok', summary: 'autoballoon off ("auto")'})
    expect(ballooning?.detail).toMatch(/unset \(or commented out\): "auto", which stays off because xl sees dom0_mem/)
  })

  it('says plainly off when xl.conf sets autoballoon="off"', async () => {
    expect((await doctorOn('healthy-xl')).checks.find((c) => c.id === 'ballooning')).toMatchObject({status: 'ok', summary: 'autoballoon off'})
  })
})

describe('doctor nagios output', () => {
  it('prints one status line with the worst summaries first and perfdata in MB', async () => {
    const [head] = renderDoctorNagios(await doctorOn('seed-incident')).split('\n')
    expect(head).toMatch(/^MEMGUARD CRITICAL - dom0_mem absent; below floor; .*critical services unprotected.* \| floor=3047MB;;; dom0=1536MB;;; available=52MB;;;/)
    expect(head?.split('|')).toHaveLength(2)
  })

  it('leads with "not a Xen dom0" on a host that is not one, even when a service there is unprotected', () => {
    const report: DoctorReport = {
      overall: 'unknown',
      checks: [
        {id: 'toolstack', status: 'unknown', summary: 'not a Xen dom0', detail: 'no Xen toolstack answered'},
        {id: 'dom0-mem', status: 'unknown', summary: 'dom0_mem unknown (not a dom0)', detail: 'nothing to judge'},
        {id: 'critical-services', status: 'warning', summary: '1 critical service unprotected', detail: 'sshd (pid 42)'},
      ],
      perf: {floorKiB: null, dom0KiB: null, availableKiB: null, swapUsedKiB: null, oomKills: null},
    } as DoctorReport
    const [head, ...long] = renderDoctorNagios(report).split('\n')
    expect(head).toBe('MEMGUARD UNKNOWN - not a Xen dom0; 1 critical service unprotected')
    expect(long).toHaveLength(3)
  })
})
