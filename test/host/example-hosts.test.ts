import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {SnapshotHost} from '../../src/host/snapshot.js'
import {hasOomScoreAdj} from '../../src/linux/kernel-version.js'
import {computeDom0Floor} from '../../src/safety/floor.js'
import {evaluateDom0Target} from '../../src/safety/verdict.js'
import {buildHostState, type HostState} from '../../src/state/host-state.js'
import {statusPlan} from '../../src/state/plan.js'

const HOSTS_DIR = resolve(import.meta.dirname, '../../examples/hosts')
const HOSTS = readdirSync(HOSTS_DIR).filter((name) => statSync(join(HOSTS_DIR, name)).isDirectory()).sort()
/** The hosts scripts/make-demo-hosts.mjs writes. */
const SYNTHETIC = ['healthy-xl', 'seed-incident']
/** The hosts scripts/make-xenlab-snapshot.mjs builds from the lab captures (both generators take the file list from statusPlan()). */
const LAB = ['xenlab', 'xenlab-hogs']
const MiB = 1024

async function load(name: string): Promise<{host: SnapshotHost; state: HostState}> {
  const host = new SnapshotHost(join(HOSTS_DIR, name))
  const state = buildHostState(await host.gather(statusPlan()), host.label)
  return {host, state}
}

function verdictFor(state: HostState, targetMiB: number) {
  const meminfo = state.meminfo
  const dom0 = state.xen.dom0
  if (!meminfo || !dom0) throw new Error(`${state.label}: no meminfo or no dom0 allocation`)
  const floor = computeDom0Floor({meminfo, allocationKiB: dom0.allocationKiB})
  return evaluateDom0Target({
    targetKiB: targetMiB * MiB,
    currentAllocationKiB: dom0.allocationKiB,
    floor,
    meminfo,
    processes: state.processes,
    kernel: state.kernel,
    minFreeKiB: state.sysctls?.minFreeKiB ?? null,
    uptimeSeconds: state.uptimeSeconds,
  })
}

function directorySize(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? directorySize(path) : statSync(path).size
  }
  return total
}

describe('the example hosts', () => {
  it('include the two lab captures and the two synthetic hosts', () => {
    expect(HOSTS).toEqual(expect.arrayContaining(['xenlab', 'xenlab-hogs', ...SYNTHETIC]))
  })

  describe.each(HOSTS)('%s', (name) => {
    it('loads as a snapshot and reads without problems', async () => {
      const {host, state} = await load(name)
      expect(host.manifest.processCount).toBe(state.processes.length)
      expect(state.readProblems).toEqual([])
      expect(state.meminfo).not.toBeNull()
      expect(state.kernel).not.toBeNull()
      expect(state.xen.isDom0).toBe(true)
      expect(state.xen.toolstack).toBe(host.manifest.toolstack)
      expect(state.xen.dom0?.allocationKiB).toBeGreaterThan(0)
    })

    it('has the OOM knob its kernel version has: oom_score_adj from 2.6.36, oom_adj before', async () => {
      const {state} = await load(name)
      const modern = hasOomScoreAdj(state.kernel!)
      const userProcesses = state.processes.filter((p) => !p.isKernelThread)
      expect(userProcesses.length).toBeGreaterThan(0)
      for (const p of state.processes) {
        if (modern) expect(p.oomScoreAdj, `pid ${p.pid}`).not.toBeNull()
        else {
          expect(p.oomScoreAdj, `pid ${p.pid}`).toBeNull()
          expect(p.oomAdj, `pid ${p.pid}`).not.toBeNull()
        }
      }
      // MemAvailable appeared in 3.14: older kernels get memguard's estimate.
      expect(state.meminfo!.memAvailableEstimated).toBe(!modern)
    })

    it('stays under 1 MB', () => {
      expect(directorySize(join(HOSTS_DIR, name))).toBeLessThan(1_000_000)
    })
  })

  // Every generated host – synthetic or from the lab – must say what it has and what it lacks.
  it.each([...SYNTHETIC, ...LAB])('%s accounts for every file and command memguard reads: captured or listed as missing', async (name) => {
    const {host} = await load(name)
    const plan = statusPlan()
    const missing = new Set(host.manifest.missing)
    for (const file of plan.files) {
      const captured = (await host.readFile(file)) !== null
      expect(captured !== missing.has(file), `${file}: captured ${captured}, listed missing ${missing.has(file)}`).toBe(true)
    }
    for (const spec of plan.commands) {
      const result = await host.run(spec)
      expect(result.notCaptured, spec.argv.join(' ')).toBe(false)
      // A real `memguard snapshot` keeps the shell's "xm: command not found" (as the lab hosts do); the synthetic ones leave stderr empty.
      if (result.notFound) expect(result).toMatchObject({exitCode: null, stdout: '', ...(SYNTHETIC.includes(name) ? {stderr: ''} : {})})
    }
    expect(host.manifest.missing.filter((f) => !plan.files.includes(f)), 'listed missing but not read by memguard').toEqual([])
  })

  describe.each(SYNTHETIC)('%s (synthetic)', (name) => {
    it('writes every process file in its kernel\'s format', async () => {
      const {host, state} = await load(name)
      const modern = hasOomScoreAdj(state.kernel!)
      const dir = join(HOSTS_DIR, name, 'files/proc')
      for (const p of state.processes) {
        const read = (file: string) => readFileSync(join(dir, String(p.pid), file), 'latin1')
        const stat = read('stat')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).trimEnd().split(' ').length + 2
        expect(fields, `stat of ${p.pid}`).toBe(modern ? 52 : 44)
        const status = read('status')
        expect(status.includes('VmSwap:'), `status of ${p.pid}`).toBe(modern && !p.isKernelThread)
        expect(status.includes('SleepAVG:'), `status of ${p.pid}`).toBe(!modern)
        expect(status.includes('VmRSS:'), `status of ${p.pid}`).toBe(!p.isKernelThread)
        const cmdline = read('cmdline')
        if (p.isKernelThread) expect(cmdline).toBe('')
        else expect(cmdline.endsWith('\0'), `cmdline of ${p.pid}`).toBe(true)
      }
      expect(host.manifest.description).toMatch(/synthetic/)
    })
  })
})

describe('seed-incident, the night of the README', () => {
  it('is a RHEL5-era XenLinux dom0 driven by xm, without dom0_mem', async () => {
    const {state} = await load('seed-incident')
    expect(state.kernel?.text).toBe('2.6.18-348.el5xen')
    expect(state.xen.toolstack).toBe('xm')
    expect(state.xen.balloon?.source).toBe('proc')
    expect(state.xen.dom0?.allocationKiB).toBe(1536 * MiB)
    expect(state.xen.commandLine?.source).toBe('xm dmesg')
    expect(state.xen.dom0Mem?.present).toBe(false)
    expect(state.meminfo!.swapUsedKiB).toBeGreaterThan(900 * MiB)
    expect(state.oomLog?.kills ?? []).toEqual([])
  })

  it('refuses xm mem-set 0 256: the legacy OOM killer would take sshd and crond', async () => {
    const {state} = await load('seed-incident')
    const verdict = verdictFor(state, 256)
    expect(verdict.safe).toBe(false)
    expect(verdict.victims.model).toBe('legacy-badness')
    expect(verdict.victims.childRule).toBe('first-child')
    const services = verdict.criticalVictims.map((v) => v.service)
    expect(services).toEqual(expect.arrayContaining(['sshd', 'cron']))
    const sshd = verdict.victims.victims.find((v) => v.service === 'sshd')
    const crond = verdict.victims.victims.find((v) => v.service === 'cron')
    expect(sshd?.command).toBe('/usr/sbin/sshd')
    expect(crond?.command).toBe('crond')
    // The cron watchdog job goes too.
    expect(verdict.victims.victims.map((v) => v.command)).toContain('/bin/sh -c /usr/local/bin/watchdog.sh')
  })
})

describe('healthy-xl, a well-configured modern host', () => {
  it('pins dom0 at 4 GiB with dom0_mem=4096M,max:4096M', async () => {
    const {state} = await load('healthy-xl')
    expect(state.kernel?.text).toBe('6.1.0-56-amd64')
    expect(state.xen.balloon).toMatchObject({source: 'sysfs', targetKiB: 4096 * MiB, currentKiB: 4096 * MiB})
    expect(state.xen.dom0Mem?.present).toBe(true)
    expect(state.xen.domains?.length).toBe(9)
    expect(state.oomLog?.kills ?? []).toEqual([])
  })

  it('accepts xl mem-set 0 3072m: above the floor, nobody killed', async () => {
    const {state} = await load('healthy-xl')
    const verdict = verdictFor(state, 3072)
    expect(verdict.safe).toBe(true)
    expect(verdict.oomDeficitKiB).toBe(0)
    expect(verdict.victims.victims).toEqual([])
  })

  it('refuses xl mem-set 0 512m: below the floor', async () => {
    const {state} = await load('healthy-xl')
    const verdict = verdictFor(state, 512)
    expect(verdict.safe).toBe(false)
    expect(verdict.deficitKiB).toBeGreaterThan(0)
  })
})
