import {existsSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {SnapshotHost} from '../../src/host/snapshot.js'
import {MemguardError, ParseError} from '../../src/lib/errors.js'
import {mib} from '../../src/lib/size.js'
import {brakeFloor, parseMemSetSize, preflightMemSet, resolveDomain, type MemSetRequest} from '../../src/safety/mem-set.js'
import {buildHostState, type HostState} from '../../src/state/host-state.js'
import {statusPlan} from '../../src/state/plan.js'
import {classifyRollback, ROLLBACK_FIRING_PATH, ROLLBACK_STATE_PATH} from '../../src/ops/rollback.js'
import {parseDomainState} from '../../src/xen/xl-list.js'

const HOSTS = resolve(import.meta.dirname, '../../examples/hosts')

async function snapshotState(name: string): Promise<HostState> {
  const host = new SnapshotHost(join(HOSTS, name))
  return buildHostState(await host.gather(statusPlan()), host.label)
}

const states: Record<string, HostState> = {}
beforeAll(async () => {
  for (const name of ['xenlab', 'xenlab-hogs', 'seed-incident', 'healthy-xl']) {
    if (existsSync(join(HOSTS, name, 'manifest.json'))) states[name] = await snapshotState(name)
  }
})

const preflight = (host: string, request: Omit<MemSetRequest, 'domain' | 'size'> & {domain?: string; size: string}) =>
  preflightMemSet(states[host] as HostState, {domain: '0', ...request})

/** A copy of a state with one domain changed (state letters as `xl list` prints them). */
function withDomain(state: HostState, name: string, change: {state?: string; memMiB?: number; targetKiB?: number; maxMemKiB?: number}): HostState {
  const copy = structuredClone(state)
  const domain = copy.xen.domains?.find((d) => d.name === name)
  if (!domain) throw new Error(`no ${name}`)
  if (change.state) domain.state = parseDomainState(change.state) ?? null
  if (change.memMiB !== undefined) domain.memMiB = change.memMiB
  const config = copy.xen.domainConfigs?.find((c) => c.domid === domain.id)
  if (config && change.targetKiB !== undefined) config.targetKiB = change.targetKiB
  if (config && change.maxMemKiB !== undefined) config.maxMemKiB = change.maxMemKiB
  return copy
}

describe('parseMemSetSize', () => {
  it('reads a bare number as MiB, like xl and xm, and says that xl\'s man page disagrees', () => {
    const size = parseMemSetSize('256')
    expect(size).toMatchObject({requestedKiB: mib(256), bare: true, understood: '256 MiB'})
    expect(size.notes[0]).toMatch(/man page says KiB/)
    expect(size.notes[0]).toMatch(/write 256m to be explicit/)
  })

  it('accepts units in any case and decimals, and turns a fraction into a whole number for xl', () => {
    expect(parseMemSetSize('1.5g').requestedKiB).toBe(mib(1536))
    expect(parseMemSetSize('1.5g').notes.join()).toMatch(/xl itself rejects fractions.*1536m/)
    expect(parseMemSetSize('1048576KiB').requestedKiB).toBe(mib(1024))
    expect(parseMemSetSize('1T').understood).toBe('1048576 MiB')
  })

  it('rounds to whole MiB for xm, which takes an integer MiB', () => {
    const size = parseMemSetSize('1000.5m', 'xm')
    expect(size.requestedKiB).toBe(mib(1000))
    expect(size.notes.join()).toMatch(/xm mem-set takes whole MiB/)
  })

  it('refuses garbage, negative, zero and sizes that do not fit, as usage errors', () => {
    for (const [text, message] of [['abc', /not a size/], ['-5m', /negative/], ['0', /zero/], ['0.5k', /less than 1 KiB/], ['10x', /unknown unit/], ['100t', /does not fit/], ['99999999t', /too large/]] as const) {
      expect(() => parseMemSetSize(text), text).toThrow(message)
      expect(() => parseMemSetSize(text)).toThrow(ParseError)
    }
  })
})

describe('resolveDomain', () => {
  it('finds dom0 by ID or by name, like xl', () => {
    expect(resolveDomain(states.xenlab as HostState, '0').name).toBe('Domain-0')
    expect(resolveDomain(states.xenlab as HostState, 'Domain-0').id).toBe(0)
  })

  it('refuses an unknown domain with exit 2 and lists the domains there are', () => {
    const attempt = () => resolveDomain(states['healthy-xl'] as HostState, 'web03')
    expect(attempt).toThrow(/no domain "web03".*the domains are: Domain-0 \(id 0, 4 GiB\), web01 \(id 1, 4 GiB\)/)
    try {
      attempt()
    } catch (error) {
      expect((error as MemguardError).exitCode).toBe(2)
    }
  })
})

describe('brakeFloor', () => {
  it('is the kernel reserve plus half the headroom', () => {
    expect(brakeFloor(4709, mib(128))).toMatchObject({kib: 4709 + mib(64)})
  })
})

describe('preflightMemSet on the real Xen 4.17 lab (xenlab)', () => {
  it('refuses 128m, the lab\'s 37-OOM-kill target, with the floor, the deficit and the victims in order', () => {
    const p = preflight('xenlab', {size: '128m'})
    expect(p.decision).toBe('refuse')
    expect(p.refusals.map((r) => r.code)).toEqual(['below-floor'])
    expect(p.floor?.floorKiB).toBe(mib(347))
    expect(p.verdict?.deficitKiB).toBe(mib(347 - 128))
    const victims = p.verdict?.victims.victims.map((v) => v.comm) ?? []
    expect(victims.slice(0, 2)).toEqual(['sshd', 'systemd-network'])
    expect(p.verdict?.criticalVictims.map((v) => v.service)).toEqual(expect.arrayContaining(['cron', 'xenconsoled']))
    expect(p.alternatives.join('\n')).toMatch(/memguard mem-set 0 347m/)
    expect(p.alternatives.join('\n')).toMatch(/memguard protect --apply --persist/)
    expect(p.alternatives.join('\n')).toMatch(/memguard dom0-mem 1024M /)
  })

  it('refuses 127m as a hard limit: below libxl\'s dom0 minimum, and --force cannot override it', () => {
    const p = preflight('xenlab', {size: '127m', force: true, reason: 'testing'})
    expect(p.decision).toBe('refuse')
    expect(p.refusals.find((r) => r.code === 'below-xl-minimum')).toMatchObject({hard: true})
    expect(p.warnings.join()).toMatch(/does not override the toolstack's own limits/)
  })

  it('accepts 1024m (the lab\'s memset run), plans the exact argv, and arms a brake at reserve + half the headroom', () => {
    const p = preflight('xenlab', {size: '1024m'})
    expect(p.decision).toBe('apply')
    expect(p.argv).toEqual(['xl', 'mem-set', '0', '1024m'])
    expect(p.previousTargetKiB).toBe(1572864)
    expect(p.watch).toEqual({source: 'balloon-sysfs', toleranceKiB: 1024})
    // vm.min_free_kbytes 4709 on the lab + 64 MiB.
    expect(p.brake).toMatchObject({observes: 'dom0', memAvailableFloorKiB: 4709 + mib(64), restoreKiB: 1572864})
  })

  it('refuses 1537m above static-max and says that dom0_mem max: applies from boot', () => {
    const p = preflight('xenlab', {size: '1537m'})
    const refusal = p.refusals.find((r) => r.code === 'above-static-max')
    expect(refusal).toMatchObject({hard: true})
    expect(refusal?.message).toMatch(/static maximum of 1536 MiB/)
    expect(refusal?.advice).toMatch(/max: in dom0_mem.*reboot/)
    expect(refusal?.advice).toMatch(/xl mem-max 0/)
  })

  it('treats `xl mem-set 0 1572864` (KiB meant, MiB read) as a size that does not fit the host, with the unit hint', () => {
    expect(() => preflight('xenlab', {size: '1572864'})).toThrow(/1.5 TiB, more than this host's 2.5 GiB/)
    try {
      preflight('xenlab', {size: '1572864'})
    } catch (error) {
      expect((error as MemguardError).exitCode).toBe(2)
      expect((error as MemguardError).hint).toMatch(/write 1572864k/)
    }
  })

  it('refuses any change while a dead-man rollback is armed, orphaned or interrupted (hard), saying which', () => {
    const rollback = {token: 'mg-1', createdAt: '2026-01-01T00:00:00Z', deadline: '2026-01-01T00:05:00Z', deadlineEpoch: 1767225900, domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'sysfs' as const, toolstack: 'xl' as const, reverterPid: 1234, logPath: '/var/log/memguard/reverter.log'}
    const beforeDeadline = (rollback.deadlineEpoch - 60) * 1000
    const refusalWith = (claimed: boolean, running: boolean) => {
      const state = structuredClone(states.xenlab as HostState)
      state.pendingRollback = claimed ? null : rollback
      const found = {path: claimed ? ROLLBACK_FIRING_PATH : ROLLBACK_STATE_PATH, claimed, state: rollback}
      state.rollbacks = [classifyRollback(found, {pid: 1234, running, detail: running ? 'reverter pid 1234 is running' : 'reverter pid 1234 is not running'}, beforeDeadline)]
      const p = preflightMemSet(state, {domain: '0', size: '1024m'})
      expect(p.refusals[0]).toMatchObject({code: 'rollback-pending', hard: true})
      return p.refusals[0]!
    }
    const armed = refusalWith(false, true)
    expect(armed.message).toBe('a dead-man rollback is armed: domain Domain-0 (0) from 1 GiB back to 1.5 GiB at 2026-01-01T00:05:00Z (in 60 s) unless confirmed; reverter pid 1234 is running')
    expect(armed.advice).toMatch(/memguard confirm keeps 1 GiB.*memguard rollback restores 1\.5 GiB now; then try again/)
    expect(refusalWith(false, false).message).toMatch(/^a dead-man rollback is orphaned: reverter pid 1234 is not running, so nothing will restore/)
    expect(refusalWith(true, false).message).toMatch(/^a dead-man rollback was interrupted: reverter pid 1234 claimed it/)
  })
})

describe('preflightMemSet on the lab dom0 with memory hogs (xenlab-hogs)', () => {
  it('refuses 256m and predicts the two python3 hogs and node die, as the lab\'s OOM killer began', () => {
    const p = preflight('xenlab-hogs', {size: '256m'})
    expect(p.decision).toBe('refuse')
    expect(p.floor?.floorKiB).toBe(mib(1387))
    expect(p.verdict?.victims.victims.map((v) => [v.pid, v.comm])).toEqual([[358, 'python3'], [367, 'python3'], [375, 'node']])
  })

  it('lets --force --reason override memguard\'s own judgement and records the reason', () => {
    const p = preflight('xenlab-hogs', {size: '1024m', force: true, reason: 'hogs are test load'})
    expect(p.decision).toBe('force')
    expect(p.reason).toBe('hogs are test load')
    expect(p.brake).not.toBeNull()
  })
})

describe('preflightMemSet on the incident host (seed-incident, xm, 2.6.18)', () => {
  it('refuses `xm mem-set 0 256` with sshd and crond among the predicted victims', () => {
    const p = preflight('seed-incident', {size: '256'})
    expect(p.toolstack).toBe('xm')
    expect(p.size.bare).toBe(true)
    expect(p.decision).toBe('refuse')
    expect(p.verdict?.victims.model).toBe('legacy-badness')
    const comms = p.verdict?.victims.victims.map((v) => v.comm) ?? []
    expect(comms).toContain('sshd')
    expect(comms).toContain('crond')
    expect(p.verdict?.criticalVictims.map((v) => v.service)).toEqual(expect.arrayContaining(['sshd', 'cron']))
    expect(p.verdict?.victims.nothingLeftToKill).toBe(true)
    expect(p.alternatives[0]).toMatch(/do not shrink dom0: it already needs 3047 MiB/)
  })

  it('plans `xm mem-set 0 <MiB>` and watches /proc/xen/balloon for a small grow that Xen can serve', () => {
    const p = preflight('seed-incident', {size: '1552m'})
    expect(p.decision).toBe('apply')
    expect(p.argv).toEqual(['xm', 'mem-set', '0', '1552'])
    expect(p.watch.source).toBe('balloon-proc')
  })

  it('refuses a grow larger than Xen\'s free memory (xm info free_memory 23 MiB)', () => {
    const p = preflight('seed-incident', {size: '2g'})
    expect(p.refusals.map((r) => r.code)).toEqual(['exceeds-xen-free-memory'])
    expect(p.refusals[0]?.message).toMatch(/which has 23 MiB/)
  })
})

describe('preflightMemSet on a healthy production host (healthy-xl)', () => {
  it('accepts a sensible dom0 shrink from 4 GiB to 3 GiB', () => {
    const p = preflight('healthy-xl', {size: '3g'})
    expect(p.decision).toBe('apply')
    expect(p.argv).toEqual(['xl', 'mem-set', '0', '3072m'])
    expect(p.refusals).toEqual([])
  })

  it('refuses a domU shrink below its target without --guest, saying why and how to check', () => {
    const p = preflight('healthy-xl', {domain: 'web01', size: '2g'})
    expect(p.domain).toMatchObject({id: 1, name: 'web01', isDom0: false})
    expect(p.refusals[0]).toMatchObject({code: 'guest-unverified', hard: false})
    expect(p.refusals[0]?.message).toMatch(/cannot see inside web01/)
    expect(p.refusals[0]?.advice).toMatch(/--guest root@web01/)
    expect(p.brake).toBeNull()
    expect(p.watch.source).toBe('toolstack-list')
  })

  it('lets a domU grow that its maxmem and Xen can serve, and --force a blind shrink', () => {
    const roomy = withDomain(states['healthy-xl'] as HostState, 'mon01', {maxMemKiB: mib(4096)})
    expect(preflightMemSet(roomy, {domain: 'mon01', size: '2g'})).toMatchObject({decision: 'apply', action: 'grow', argv: ['xl', 'mem-set', '6', '2048m']})
    expect(preflight('healthy-xl', {domain: 'web01', size: '2g', force: true, reason: 'app moved'}).decision).toBe('force')
  })

  it('judges a domU read over --guest with the same floor, and brakes on the guest\'s memory', () => {
    // web01 as if it held 1536 MiB with the lab dom0's kernel inside (idle: floor 347 MiB).
    const state = withDomain(states['healthy-xl'] as HostState, 'web01', {memMiB: 1536, targetKiB: mib(1536)})
    const guest = {target: 'root@web01', state: states.xenlab as HostState}
    const ok = preflightMemSet(state, {domain: 'web01', size: '1024m', guest})
    expect(ok.decision).toBe('apply')
    expect(ok.judged).toBe('guest')
    expect(ok.brake).toMatchObject({observes: 'guest', restoreKiB: mib(1536)})
    const low = preflightMemSet(state, {domain: 'web01', size: '256m', guest})
    expect(low.refusals.map((r) => r.code)).toEqual(['below-floor'])
    expect(low.refusals[0]?.message).toMatch(/read over root@web01/)
    const hogs = preflightMemSet(state, {domain: 'web01', size: '1024m', guest: {target: 'root@web01', state: states['xenlab-hogs'] as HostState}})
    expect(hogs.decision).toBe('refuse')
  })

  it('refuses a dying domain (hard) and a paused one (soft)', () => {
    const dying = preflightMemSet(withDomain(states['healthy-xl'] as HostState, 'build01', {state: '-b---d'}), {domain: 'build01', size: '9g'})
    expect(dying.refusals[0]).toMatchObject({code: 'domain-dying', hard: true})
    const paused = preflightMemSet(withDomain(states['healthy-xl'] as HostState, 'mon01', {state: '--p---', maxMemKiB: mib(2048)}), {domain: 'mon01', size: '1536m'})
    expect(paused.refusals.map((r) => [r.code, r.hard])).toEqual([['domain-paused', false]])
    expect(paused.refusals[0]?.advice).toMatch(/xl unpause 6/)
  })

  it('refuses a domU grow above its maxmem (a hard limit) and points at xl mem-max', () => {
    const p = preflight('healthy-xl', {domain: 'mon01', size: '3g', force: true, reason: 'need more'})
    expect(p.decision).toBe('refuse')
    expect(p.refusals[0]).toMatchObject({code: 'above-static-max', hard: true})
    expect(p.refusals[0]?.advice).toMatch(/xl mem-max 6 3072m/)
  })
})

describe('preflightMemSet: dom0 above the size its kernel was booted for', () => {
  it('refuses a grow past dom0_mem max: even after `xl mem-max 0` lifted static-max (seen on the 4.17 lab)', () => {
    const state = structuredClone(states.xenlab as HostState)
    if (state.xen.dom0) state.xen.dom0.staticMaxKiB = mib(2048)
    const p = preflightMemSet(state, {domain: '0', size: '1600m', force: true, reason: 'more'})
    expect(p.decision).toBe('refuse')
    expect(p.refusals).toHaveLength(1)
    expect(p.refusals[0]).toMatchObject({code: 'above-boot-max', hard: true})
    expect(p.refusals[0]?.message).toMatch(/above dom0_mem's max:1536M .* mem-max` raised static-max to 2 GiB, and dom0 would stay at 1\.5 GiB/)
  })
})
