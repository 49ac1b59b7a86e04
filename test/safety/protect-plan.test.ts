import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'
import {SnapshotHost} from '../../src/host/snapshot.js'
import type {ServiceInventory} from '../../src/linux/init-system.js'
import type {ProcessInfo} from '../../src/linux/processes.js'
import {readProtectInputs} from '../../src/ops/protect.js'
import {buildProtectPlan, type ProtectOptions, type ProtectPlan} from '../../src/safety/protect-plan.js'
import type {HostState} from '../../src/state/host-state.js'
import {EXAMPLE_HOSTS, REPO_ROOT} from '../helpers/cli.js'
import {debianTree, put, rhel5Tree} from '../ops/protect-trees.js'

// `systemctl --version` from the recording fake (systemd 252), not from this machine.
beforeAll(() => {
  process.env.PATH = `${join(REPO_ROOT, 'test/fixtures/protect-bin')}:${process.env.PATH}`
})

interface Inputs {
  state: HostState
  services: ServiceInventory
}

async function inputs(host: LocalHost | SnapshotHost, options: ProtectOptions = {}): Promise<Inputs> {
  const {state, services} = await readProtectInputs(host, options)
  return {state, services}
}

const file = (plan: ProtectPlan, path: string) => [...plan.persist.files, ...(plan.backstop ? [plan.backstop.file] : [])].find((f) => f.path === path)
const target = (plan: ProtectPlan, service: string) => plan.runtime.find((t) => t.service === service)
const withProcess = (s: HostState, pid: number, change: Partial<ProcessInfo>): HostState => ({...s, processes: s.processes.map((p) => (p.pid === pid ? {...p, ...change} : p))})
const withFiles = (inv: ServiceInventory, files: Record<string, string | null>): ServiceInventory => ({...inv, files: new Map([...inv.files, ...Object.entries(files)])})

/** The inventory as it would be read after carrying out the plan's file changes. */
function afterWriting(inv: ServiceInventory, plan: ProtectPlan): ServiceInventory {
  return withFiles(inv, Object.fromEntries([...plan.persist.files, ...(plan.backstop ? [plan.backstop.file] : [])].map((f) => [f.path, f.after])))
}

/** The state as it would be read after carrying out the plan's runtime changes. */
function afterApplying(state: HostState, plan: ProtectPlan): HostState {
  let s = state
  for (const t of plan.runtime) s = withProcess(s, t.pid, t.knob === 'oom_score_adj' ? {oomScoreAdj: t.desired} : {oomAdj: t.desired})
  return s
}

describe('the plan for the real lab dom0 (Debian 12, Xen 4.17, snapshot)', () => {
  let lab: Inputs
  beforeAll(async () => {
    lab = await inputs(new SnapshotHost(join(EXAMPLE_HOSTS, 'xenlab')))
  })

  it('sets oom_score_adj −1000 on journald and xenconsoled, −100 on cron, and leaves the listener and oxenstored at their −1000', () => {
    const plan = buildProtectPlan(lab.state, lab.services)
    expect(plan.knob).toBe('oom_score_adj')
    expect(plan.runtime.map((t) => [t.service, t.pid, t.current, t.desired, t.action])).toEqual([
      ['journald', 194, -250, -1000, 'set'],
      ['cron', 227, 0, -100, 'set'],
      ['sshd', 265, -1000, -1000, 'ok'],
      ['xenstored', 267, -1000, -1000, 'ok'],
      ['xenconsoled', 276, 0, -1000, 'set'],
    ])
    expect(target(plan, 'cron')?.direction).toBe('lower')
  })

  it('gives each value its reason, with what the children get', () => {
    const plan = buildProtectPlan(lab.state, lab.services)
    expect(target(plan, 'sshd')?.why).toMatch(/Only the listener/)
    expect(target(plan, 'cron')?.why).toMatch(/every cron job inherits the value/)
    expect(target(plan, 'cron')?.children).toMatch(/every cron job inherits −100/)
  })

  it('knows it is systemd from pid 1, and says it cannot find units in a snapshot that carries none', () => {
    const plan = buildProtectPlan(lab.state, lab.services)
    expect(plan.initSystem).toBe('systemd')
    expect(plan.persist.files).toEqual([])
    expect(plan.persist.notes).toEqual([expect.stringMatching(/^no systemd unit file or init script is visible .*protected at runtime only$/)])
  })
})

describe('the plan for the example hosts seed-incident (RHEL5, xm) and healthy-xl (Debian 12, xl)', () => {
  it('on the incident host: oom_adj −17 for the sshd listener, xenstored, xenconsoled and −4 for crond; xend and qemu-dm left alone', async () => {
    const {state, services} = await inputs(new SnapshotHost(join(EXAMPLE_HOSTS, 'seed-incident')))
    const plan = buildProtectPlan(state, services)
    expect(plan.knob).toBe('oom_adj')
    expect(plan.initSystem).toBe('sysvinit')
    expect(plan.runtime.map((t) => [t.service, t.name, t.current, t.desired])).toEqual([
      ['sshd', 'sshd', 0, -17],
      ['cron', 'crond', 0, -4],
      ['xenstored', 'xenstored', 0, -17],
      ['xenconsoled', 'xenconsoled', 0, -17],
    ])
    expect(new Set(plan.leftAlone.map((l) => l.service))).toEqual(new Set(['xend', 'qemu-dm']))
    expect(plan.warnings.join('\n')).toMatch(/did not protect its own listener/)
    expect(plan.persist.mechanism).toBe('sysvinit-hook')
  })

  it('on the healthy host: journald and cron to set, the listener, oxenstored and xenconsoled already right', async () => {
    const {state, services} = await inputs(new SnapshotHost(join(EXAMPLE_HOSTS, 'healthy-xl')))
    const plan = buildProtectPlan(state, services)
    expect(plan.runtime.filter((t) => t.action === 'set').map((t) => [t.service, t.desired])).toEqual([['journald', -1000], ['cron', -100]])
    expect(plan.runtime.filter((t) => t.action === 'ok').map((t) => t.service)).toEqual(['sshd', 'xenstored', 'xenconsoled'])
  })
})

describe('the plan for a Debian 12 dom0 with systemd (--root tree)', () => {
  let deb: Inputs
  beforeAll(async () => {
    deb = await inputs(new LocalHost(debianTree().root))
  })

  it('writes one drop-in per unit, with the unit found from the process\'s cgroup', () => {
    const plan = buildProtectPlan(deb.state, deb.services)
    expect(plan.persist.mechanism).toBe('systemd-drop-ins')
    expect(plan.persist.files.map((f) => [f.path, f.action])).toEqual([
      ['/etc/systemd/system/cron.service.d/50-memguard-oom.conf', 'create'],
      ['/etc/systemd/system/ssh.service.d/50-memguard-oom.conf', 'create'],
      ['/etc/systemd/system/systemd-journald.service.d/50-memguard-oom.conf', 'create'],
      ['/etc/systemd/system/xen.service.d/50-memguard-oom.conf', 'create'],
    ])
    expect(plan.runtime.find((t) => t.service === 'xenstored')?.unit).toBe('xen.service')
  })

  it('gives cron −100, OOMPolicy=continue and, as Debian\'s unit has none, Restart=on-failure', () => {
    const f = file(buildProtectPlan(deb.state, deb.services), '/etc/systemd/system/cron.service.d/50-memguard-oom.conf')
    expect(f?.after).toMatch(/\[Service\]\nOOMScoreAdjust=-100\nOOMPolicy=continue\nRestart=on-failure\n$/)
    expect(f?.mode).toBe(0o644)
    expect(f?.diff).toMatch(/^--- \/dev\/null\n\+\+\+ \/etc\/systemd\/system\/cron.service.d\/50-memguard-oom.conf\n@@ -0,0 \+1,\d+ @@\n\+# Written by `memguard protect --persist`/)
  })

  it('does not put OOMScoreAdjust= on ssh.service: sshd would restore it into every session', () => {
    const f = file(buildProtectPlan(deb.state, deb.services), '/etc/systemd/system/ssh.service.d/50-memguard-oom.conf')
    expect(f?.after).toMatch(/\[Service\]\nOOMPolicy=continue\n$/)
    expect(f?.after).toMatch(/No OOMScoreAdjust= on purpose/)
  })

  it('lowers journald from upstream\'s −250 to −1000, without touching its Restart=always', () => {
    const f = file(buildProtectPlan(deb.state, deb.services), '/etc/systemd/system/systemd-journald.service.d/50-memguard-oom.conf')
    expect(f?.after).toMatch(/\[Service\]\nOOMScoreAdjust=-1000\nOOMPolicy=continue\n$/)
  })

  it('protects oxenstored and xenconsoled through the unit generated from /etc/init.d/xen', () => {
    const f = file(buildProtectPlan(deb.state, deb.services), '/etc/systemd/system/xen.service.d/50-memguard-oom.conf')
    expect(f?.after).toMatch(/keep the OOM killer off xenstored, xenconsoled \(xen.service\)/)
    expect(f?.after).toMatch(/OOMScoreAdjust=-1000/)
  })

  it('puts nothing volatile in the files: no pid, so a restart does not make the next run rewrite them', () => {
    for (const f of buildProtectPlan(deb.state, deb.services).persist.files) expect(f.after).not.toMatch(/pid \d|\/proc\/\d/)
  })

  it('runs systemctl daemon-reload only with --apply --persist, and restarts nothing', () => {
    const plan = buildProtectPlan(deb.state, deb.services)
    expect(plan.persist.commands).toEqual([expect.objectContaining({argv: ['systemctl', 'daemon-reload'], runsWith: '--apply --persist'})])
    expect(JSON.stringify(plan)).not.toMatch(/"restart"/)
  })

  it('finds the units from the listings when cgroups are unknown (a snapshot): ssh.service in /lib, xen.service from the init script', () => {
    const plan = buildProtectPlan(deb.state, {...deb.services, cgroupUnits: new Map()})
    expect(plan.persist.files.map((f) => f.path)).toEqual([
      '/etc/systemd/system/cron.service.d/50-memguard-oom.conf',
      '/etc/systemd/system/ssh.service.d/50-memguard-oom.conf',
      '/etc/systemd/system/systemd-journald.service.d/50-memguard-oom.conf',
      '/etc/systemd/system/xen.service.d/50-memguard-oom.conf',
    ])
    expect(file(plan, '/etc/systemd/system/xen.service.d/50-memguard-oom.conf')?.after).toMatch(/generated by systemd-sysv-generator from \/etc\/init.d\/xen/)
  })

  it('leaves OOMPolicy= out on systemd before 243, and the sshd drop-in with it', () => {
    const plan = buildProtectPlan(deb.state, {...deb.services, systemdVersion: 219})
    expect(file(plan, '/etc/systemd/system/cron.service.d/50-memguard-oom.conf')?.after).not.toMatch(/OOMPolicy/)
    expect(file(plan, '/etc/systemd/system/ssh.service.d/50-memguard-oom.conf')).toBeUndefined()
    expect(plan.persist.notes.join('\n')).toMatch(/systemd 219 has no OOMPolicy=/)
  })

  it('has nothing to do once the values are set and the files written', () => {
    const first = buildProtectPlan(deb.state, deb.services)
    expect(first.nothingToDo).toBe(false)
    const second = buildProtectPlan(afterApplying(deb.state, first), afterWriting(deb.services, first))
    expect(second.runtime.every((t) => t.action === 'ok')).toBe(true)
    expect(second.persist.files.every((f) => f.action === 'unchanged' && f.diff === '')).toBe(true)
    expect(second.persist.commands).toEqual([])
    expect(second.nothingToDo).toBe(true)
  })

  it('protects an sshd that does not protect itself through its unit too – and keeps that on the next run', () => {
    const unprotected = withProcess(deb.state, 265, {oomScoreAdj: 0})
    const first = buildProtectPlan(unprotected, deb.services)
    expect(target(first, 'sshd')).toMatchObject({action: 'set', desired: -1000})
    expect(first.warnings.join('\n')).toMatch(/did not protect its own listener.*ssh sessions started after this change inherit -1000/)
    const dropIn = file(first, '/etc/systemd/system/ssh.service.d/50-memguard-oom.conf')
    expect(dropIn?.after).toMatch(/OOMScoreAdjust=-1000\nOOMPolicy=continue\n$/)
    const second = buildProtectPlan(afterApplying(unprotected, first), afterWriting(deb.services, first))
    expect(second.nothingToDo).toBe(true)
  })

  it('raises cron from −1000 to −100 and says why', () => {
    const plan = buildProtectPlan(withProcess(deb.state, 227, {oomScoreAdj: -1000}), deb.services)
    expect(target(plan, 'cron')).toMatchObject({current: -1000, desired: -100, direction: 'raise'})
    expect(target(plan, 'cron')?.note).toMatch(/every cron job inherited the exemption/)
  })
})

describe('the plan for a RHEL5-like dom0 (2.6.18, SysV init, --root tree)', () => {
  let el5: Inputs
  beforeAll(async () => {
    el5 = await inputs(new LocalHost(rhel5Tree().root))
  })

  it('uses oom_adj: −17 for the sshd listener, xenstored and xenconsoled, −4 for crond', () => {
    const plan = buildProtectPlan(el5.state, el5.services)
    expect(plan.knob).toBe('oom_adj')
    expect(plan.knobWhy).toMatch(/no oom_score_adj \(it came with 2\.6\.36\)/)
    expect(plan.runtime.map((t) => [t.service, t.pid, t.knob, t.current, t.desired])).toEqual([
      ['sshd', 2345, 'oom_adj', 0, -17],
      ['cron', 2410, 'oom_adj', 0, -4],
      ['xenstored', 2500, 'oom_adj', 0, -17],
      ['xenconsoled', 2510, 'oom_adj', 0, -17],
    ])
  })

  it('leaves the ssh session, xend, qemu-dm and the console getty alone, saying why', () => {
    const plan = buildProtectPlan(el5.state, el5.services)
    expect(plan.runtime.some((t) => t.pid === 4100)).toBe(false)
    expect(plan.leftAlone.map((l) => [l.service, l.pid])).toEqual([['xend', 2600], ['qemu-dm', 3000], ['console-getty', 6000]])
    expect(plan.leftAlone[1]?.why).toMatch(/Add it with --process/)
  })

  it('warns that this sshd (4.3p2-style, unprotected) lets its sessions inherit −17', () => {
    expect(buildProtectPlan(el5.state, el5.services).warnings.join('\n')).toMatch(/sshd \(pid 2345\) did not protect its own listener \(oom_adj 0\).*inherit -17/)
  })

  it('installs the hook script and a block in each defaults file the init scripts source', () => {
    const plan = buildProtectPlan(el5.state, el5.services)
    expect(plan.persist.mechanism).toBe('sysvinit-hook')
    expect(plan.persist.files.map((f) => [f.path, f.kind, f.action])).toEqual([
      ['/etc/memguard/oom-protect.sh', 'hook-script', 'create'],
      ['/etc/sysconfig/crond', 'defaults-hook', 'create'],
      ['/etc/sysconfig/sshd', 'defaults-hook', 'update'],
      ['/etc/rc.d/rc.local', 'rc-local', 'update'],
    ])
    const hook = file(plan, '/etc/memguard/oom-protect.sh')
    expect(hook?.mode).toBe(0o755)
    expect(hook?.after).toMatch(/crond\) echo "-100 -4" ;;/)
    expect(hook?.after).toMatch(/sshd\) echo "-1000 -17" ;;/)
    expect(file(plan, '/etc/sysconfig/sshd')?.after).toMatch(/^# Uncomment .*\n#OPTIONS=\n# BEGIN memguard oom-protect.*\n.*\ncase "\$\{1:-\}" in start\|restart\|.*oom-protect\.sh --wait 30 sshd <\/dev\/null >\/dev\/null 2>&1 & ;; esac\n# END memguard oom-protect\n$/)
    expect(file(plan, '/etc/rc.d/rc.local')?.after).toMatch(/touch \/var\/lock\/subsys\/local\n# BEGIN memguard oom-protect.*\n.*\n\[ -x \/etc\/memguard\/oom-protect.sh \] && \/etc\/memguard\/oom-protect.sh --all/)
  })

  it('covers xenstored and xenconsoled through rc.local only, since xend sources no defaults file – and says so', () => {
    const plan = buildProtectPlan(el5.state, el5.services)
    expect(plan.persist.notes).toContain('/etc/init.d/xend sources no /etc/sysconfig or /etc/default file: rc.local re-applies xenconsoled xenstored at boot; after `/etc/init.d/xend restart` run /etc/memguard/oom-protect.sh xenconsoled xenstored')
  })

  it('has nothing to do on a second run', () => {
    const first = buildProtectPlan(el5.state, el5.services)
    expect(buildProtectPlan(afterApplying(el5.state, first), afterWriting(el5.services, first)).nothingToDo).toBe(true)
  })

  it('creates rc.local when there is none', async () => {
    const {root} = rhel5Tree()
    const {rmSync} = await import('node:fs')
    rmSync(join(root, 'etc/rc.d/rc.local'))
    const {state, services} = await inputs(new LocalHost(root))
    const rc = file(buildProtectPlan(state, services), '/etc/rc.d/rc.local')
    expect(rc).toMatchObject({action: 'create', mode: 0o755})
    expect(rc?.after.startsWith('#!/bin/sh\n# BEGIN memguard oom-protect')).toBe(true)
  })
})

describe('the plan for a Debian host without systemd', () => {
  it('hooks /etc/default/ssh and puts the rc.local block before its exit 0', async () => {
    const {root} = rhel5Tree({sysconfigSshd: null})
    const {rmSync} = await import('node:fs')
    rmSync(join(root, 'etc/rc.d'), {recursive: true})
    rmSync(join(root, 'etc/init.d'))
    put(root, '/etc/init.d/ssh', '#!/bin/sh -e\n### BEGIN INIT INFO\n# Provides: sshd\n### END INIT INFO\ntest -f /etc/default/ssh && . /etc/default/ssh\n', 0o755)
    put(root, '/etc/rc.local', '#!/bin/sh -e\n#\n# rc.local\n\nexit 0\n', 0o755)
    put(root, '/etc/debian_version', '7.11\n')
    const {state, services} = await inputs(new LocalHost(root))
    const plan = buildProtectPlan(state, services)
    expect(plan.persist.mechanism).toBe('sysvinit-hook')
    expect(file(plan, '/etc/default/ssh')).toMatchObject({action: 'create', kind: 'defaults-hook'})
    const rc = file(plan, '/etc/rc.local')?.after ?? ''
    expect(rc.indexOf('BEGIN memguard')).toBeLessThan(rc.lastIndexOf('exit 0'))
    expect(rc.endsWith('exit 0\n')).toBe(true)
  })
})

describe('--process', () => {
  let el5: Inputs
  beforeAll(async () => {
    el5 = await inputs(new LocalHost(rhel5Tree().root), {extraNames: ['qemu-dm', 'nosuchd']})
  })

  it('adds an opt-in critical process at −17, for now only: the toolstack starts a device model per guest', () => {
    const plan = buildProtectPlan(el5.state, el5.services, {extraNames: ['qemu-dm']})
    expect(target(plan, 'qemu-dm')).toMatchObject({pid: 3000, desired: -17, requested: true})
    expect(target(plan, 'qemu-dm')?.why).toMatch(/^added with --process/)
    expect(plan.leftAlone.some((l) => l.service === 'qemu-dm')).toBe(false)
    expect(plan.persist.notes).toContain('qemu-dm (pid 3000) is transient: protected at runtime only')
    expect(file(plan, '/etc/memguard/oom-protect.sh')?.after).not.toMatch(/qemu-dm\)/)
  })

  it('takes a critical service\'s id: `--process xend` finds xend running as python, and keeps python out of the boot hook', () => {
    const plan = buildProtectPlan(el5.state, el5.services, {extraNames: ['xend']})
    expect(target(plan, 'xend')).toMatchObject({pid: 2600, name: 'python', desired: -17})
    expect(plan.notRunning.some((n) => n.service === 'xend')).toBe(false)
    expect(file(plan, '/etc/memguard/oom-protect.sh')?.after).not.toMatch(/python\)/)
    expect(plan.persist.notes.join('\n')).toMatch(/xend \(pid 2600\) runs as python: the boot hook matches processes by name/)
  })

  it('says when no process has the name', () => {
    const plan = buildProtectPlan(el5.state, el5.services, {extraNames: ['nosuchd']})
    expect(plan.notRunning).toContainEqual({service: 'nosuchd', why: expect.stringMatching(/^no running process named nosuchd \(--process\)/)})
  })

  it('protects the topmost process of that name, not its same-named children, and persists it', () => {
    const plan = buildProtectPlan(el5.state, el5.services, {extraNames: ['httpd']})
    expect(plan.runtime.filter((t) => t.service === 'httpd').map((t) => t.pid)).toEqual([5000])
    expect(file(plan, '/etc/memguard/oom-protect.sh')?.after).toMatch(/httpd\) echo "-1000 -17" ;;/)
  })

  it('protects a process memguard leaves alone by default when asked by name, repeating why it would not', () => {
    const plan = buildProtectPlan(el5.state, el5.services, {extraNames: ['agetty']})
    expect(target(plan, 'agetty')).toMatchObject({pid: 6000, desired: -17, requested: true})
    expect(target(plan, 'agetty')?.note).toMatch(/^memguard leaves console-getty killable by default: /)
    expect(plan.leftAlone.some((l) => l.pid === 6000)).toBe(false)
  })

  it('does not take an inetd-style `sshd -i` (one connection) for the listener', () => {
    const inetd = {...el5.state, processes: el5.state.processes.map((p) => (p.pid === 2345 ? {...p, cmdline: ['/usr/sbin/sshd', '-i']} : p))}
    expect(buildProtectPlan(inetd, el5.services).runtime.some((t) => t.service === 'sshd')).toBe(false)
  })

  it('refuses a name that is not a process name', () => {
    expect(() => buildProtectPlan(el5.state, el5.services, {extraNames: ['a b']})).toThrow(/not a process name/)
  })
})

describe('the backstop', () => {
  let el5: Inputs
  let deb: Inputs
  beforeAll(async () => {
    el5 = await inputs(new LocalHost(rhel5Tree().root))
    deb = await inputs(new LocalHost(debianTree().root))
  })

  it('explains what it costs: a reboot of the whole host, every guest with it', () => {
    const b = buildProtectPlan(deb.state, deb.services, {backstop: true}).backstop
    expect(b?.explanation.join('\n')).toMatch(/reboot of the whole Xen host\. Every guest on it is destroyed without a clean shutdown/)
    expect(b?.explanation.join('\n')).toMatch(/Every OOM now reboots the host/)
  })

  it('plans vm.panic_on_oom=1 and kernel.panic=10 in /etc/sysctl.d on a systemd host', () => {
    const b = buildProtectPlan(deb.state, deb.services, {backstop: true}).backstop
    expect(b?.sysctls.map((s) => [s.name, s.current, s.desired, s.action])).toEqual([['vm.panic_on_oom', 0, 1, 'set'], ['kernel.panic', 0, 10, 'set']])
    expect(b?.file.path).toBe('/etc/sysctl.d/90-memguard-oom-backstop.conf')
    expect(b?.file.after).toMatch(/\nvm.panic_on_oom = 1\nkernel.panic = 10\n$/)
  })

  it('uses a marked block in /etc/sysctl.conf where there is no /etc/sysctl.d (RHEL5), and keeps a kernel.panic already set', () => {
    const state = {...el5.state, sysctls: {...el5.state.sysctls!, kernelPanicSeconds: 30}}
    const b = buildProtectPlan(state, el5.services, {backstop: true}).backstop
    expect(b?.file).toMatchObject({path: '/etc/sysctl.conf', action: 'update'})
    expect(b?.file.after).toMatch(/^# Kernel sysctl configuration file for Red Hat Linux[\s\S]*# BEGIN memguard oom-backstop[\s\S]*vm.panic_on_oom = 1\nkernel.panic = 30\n# END memguard oom-backstop\n$/)
    expect(b?.sysctls.find((s) => s.name === 'kernel.panic')).toMatchObject({current: 30, desired: 30, action: 'ok'})
  })

  it('warns when /etc/sysctl.conf would undo it at boot', () => {
    const inv = withFiles(deb.services, {'/etc/sysctl.conf': 'vm.panic_on_oom = 0\n'})
    expect(buildProtectPlan(deb.state, inv, {backstop: true}).warnings.join('\n')).toMatch(/\/etc\/sysctl.conf sets vm.panic_on_oom = 0; it is applied after \/etc\/sysctl.d/)
  })

  it('says xenwatchdogd does not exist on Xen 3.1, and is not a thing off Xen', () => {
    const xen31 = {...el5.state, xen: {...el5.state.xen, isDom0: true, info: {xenVersion: {major: 3, minor: 1, text: '3.1.2'}} as never}}
    expect(buildProtectPlan(xen31, el5.services, {backstop: true}).backstop?.watchdog).toMatchObject({status: 'unavailable', text: expect.stringMatching(/came with Xen 4\.1 and this host runs Xen 3\.1\.2/)})
    const notDom0 = {...el5.state, xen: {...el5.state.xen, isDom0: false}}
    expect(buildProtectPlan(notDom0, el5.services, {backstop: true}).backstop?.watchdog.status).toBe('not-dom0')
  })

  it('offers to enable xen-watchdog.service where it is installed but not running', () => {
    const inv = {...deb.services, unitNames: new Set([...deb.services.unitNames, 'xen-watchdog.service'])}
    const w = buildProtectPlan(deb.state, inv, {backstop: true}).backstop?.watchdog
    expect(w?.status).toBe('available')
    expect(w?.commands[0]?.argv).toEqual(['systemctl', 'enable', '--now', 'xen-watchdog.service'])
  })

  it('says how to run a xenwatchdogd that no unit starts (Debian ships only the binary), without doing it', () => {
    const w = buildProtectPlan(deb.state, {...deb.services, xenwatchdogdPath: '/usr/lib/xen-4.17/bin/xenwatchdogd'}, {backstop: true}).backstop?.watchdog
    expect(w).toMatchObject({status: 'binary-only', commands: []})
    expect(w?.text).toMatch(/ExecStart=\/usr\/lib\/xen-4.17\/bin\/xenwatchdogd 30 15/)
  })

  it('is not planned at all without --backstop', () => {
    expect(buildProtectPlan(deb.state, deb.services).backstop).toBeNull()
  })
})
