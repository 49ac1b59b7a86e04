import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeAll, describe, expect, it} from 'vitest'
import {hasCapSysResource, waitFor} from '../helpers/process.js'
import {LocalHost} from '../../src/host/local.js'
import {HOOK_SCRIPT_PATH} from '../../src/linux/oom-hook-script.js'
import {executeProtectChange, executeProtectPlan, readProtectInputs, setKernelValue} from '../../src/ops/protect.js'
import type {CommandResult, CommandSpec} from '../../src/host/host.js'
import {MemguardError} from '../../src/lib/errors.js'
import {REPO_ROOT} from '../helpers/cli.js'
import {debianTree, put, read, rhel5Tree} from './protect-trees.js'

beforeAll(() => {
  // A recording systemctl: `daemon-reload` must never reach this machine's systemd.
  process.env.PATH = `${join(REPO_ROOT, 'test/fixtures/protect-bin')}:${process.env.PATH}`
})


const calls = (root: string) => (existsSync(join(root, 'fake-systemctl/calls.log')) ? readFileSync(join(root, 'fake-systemctl/calls.log'), 'utf8').trim().split('\n').map((l) => l.trim()) : [])
const DROP_IN = '/etc/systemd/system/cron.service.d/50-memguard-oom.conf'

describe('carrying out the plan on a systemd --root tree', () => {
  it('--apply sets the running values, reads them back, and writes no file', async () => {
    const {root} = debianTree()
    const host = new LocalHost(root)
    const {plan} = await readProtectInputs(host)
    const o = await executeProtectPlan(host, plan, {apply: true, persist: false, backstop: false})
    expect(o.failed).toBe(false)
    expect(o.runtime.map((r) => [r.what, r.from, r.to, r.readBack])).toEqual([
      ['journald (pid 194) oom_score_adj', -250, -1000, -1000],
      ['cron (pid 227) oom_score_adj', 0, -100, -100],
      ['xenconsoled (pid 276) oom_score_adj', 0, -1000, -1000],
    ])
    expect(read(root, '/proc/227/oom_score_adj').trim()).toBe('-100')
    expect(existsSync(join(root, DROP_IN))).toBe(false)
    expect(calls(root)).not.toContain('daemon-reload')
  })

  it('--persist writes the drop-ins and only advises daemon-reload', async () => {
    const {root} = debianTree()
    const host = new LocalHost(root)
    const {plan} = await readProtectInputs(host)
    const o = await executeProtectPlan(host, plan, {apply: false, persist: true, backstop: false})
    expect(o.files.map((f) => [f.path, f.ok])).toHaveLength(4)
    expect(read(root, DROP_IN)).toMatch(/OOMScoreAdjust=-100\nOOMPolicy=continue\nRestart=on-failure\n$/)
    expect(statSync(join(root, DROP_IN)).mode & 0o777).toBe(0o644)
    expect(calls(root)).not.toContain('daemon-reload')
    expect(o.notes.join('\n')).toMatch(/run `systemctl daemon-reload` now \(or rerun with --apply --persist\)/)
    expect(read(root, '/proc/227/oom_score_adj').trim()).toBe('0')
  })

  it('--apply --persist also runs daemon-reload, once; the second run changes nothing and runs nothing', async () => {
    const {root} = debianTree()
    const host = new LocalHost(root)
    const first = await readProtectInputs(host)
    const o = await executeProtectPlan(host, first.plan, {apply: true, persist: true, backstop: false})
    expect(o.failed).toBe(false)
    expect(o.commands.map((c) => [c.argv.join(' '), c.ok])).toEqual([['systemctl daemon-reload', true]])
    expect(calls(root).filter((c) => c === 'daemon-reload')).toHaveLength(1)

    const second = await readProtectInputs(host)
    expect(second.plan.nothingToDo).toBe(true)
    const o2 = await executeProtectPlan(host, second.plan, {apply: true, persist: true, backstop: false})
    expect(o2).toMatchObject({runtime: [], files: [], commands: [], failed: false})
    expect(calls(root).filter((c) => c === 'daemon-reload')).toHaveLength(1)
  })

  it('leaves a file alone that changed after the plan was read, and skips one that already says what the plan wants', async () => {
    const {root} = debianTree()
    const host = new LocalHost(root)
    const {plan} = await readProtectInputs(host)
    const [edited, done] = plan.persist.files.filter((f) => f.action !== 'unchanged')
    if (!edited || !done) throw new Error('the Debian tree should plan at least two files')
    put(root, edited.path, '# an admin edited this meanwhile\n')
    put(root, done.path, done.after)
    const o = await executeProtectPlan(host, plan, {apply: false, persist: true, backstop: false})
    expect(o.files.find((f) => f.path === edited.path)).toMatchObject({ok: false, backupPath: null, error: `${edited.path} changed since memguard read it; nothing was written – run memguard protect again`})
    expect(read(root, edited.path)).toBe('# an admin edited this meanwhile\n')
    expect(o.files.find((f) => f.path === done.path)).toMatchObject({ok: true, backupPath: null})
  })

  it('keeps a backup of a drop-in it replaces, and reports a failed daemon-reload', async () => {
    const {root} = debianTree()
    put(root, DROP_IN, '[Service]\nOOMScoreAdjust=-1000\n')
    put(root, '/fake-systemctl/rc', '1\n')
    const host = new LocalHost(root)
    const {plan} = await readProtectInputs(host)
    expect(plan.persist.files.find((f) => f.path === DROP_IN)?.diff).toMatch(/^-OOMScoreAdjust=-1000$/m)
    const o = await executeProtectPlan(host, plan, {apply: true, persist: true, backstop: false})
    const written = o.files.find((f) => f.path === DROP_IN)
    expect(written?.backupPath).toMatch(/^\/etc\/systemd\/system\/cron\.service\.d\/50-memguard-oom\.conf\.memguard-\d{8}T\d{6}Z\.bak$/)
    expect(read(root, written!.backupPath!)).toBe('[Service]\nOOMScoreAdjust=-1000\n')
    expect(o.commands[0]).toMatchObject({ok: false, exitCode: 1, output: expect.stringMatching(/fake failure/)})
    expect(o.failed).toBe(true)
  })

  it('--apply --backstop sets the sysctls and writes the sysctl.d file; --backstop alone changes nothing', async () => {
    const {root} = debianTree()
    const host = new LocalHost(root)
    const {plan} = await readProtectInputs(host, {backstop: true})
    const planned = await executeProtectPlan(host, plan, {apply: false, persist: false, backstop: true})
    expect(planned.backstop).toBeNull()
    expect(read(root, '/proc/sys/vm/panic_on_oom').trim()).toBe('0')
    const o = await executeProtectPlan(host, plan, {apply: true, persist: false, backstop: true})
    expect(o.backstop?.sysctls.map((s) => [s.what, s.readBack])).toEqual([['vm.panic_on_oom', 1], ['kernel.panic', 10]])
    expect(read(root, '/proc/sys/vm/panic_on_oom').trim()).toBe('1')
    expect(read(root, '/etc/sysctl.d/90-memguard-oom-backstop.conf')).toMatch(/vm.panic_on_oom = 1\nkernel.panic = 10\n$/)
    expect((await readProtectInputs(host, {backstop: true})).plan.backstop?.file.action).toBe('unchanged')
  })
})

describe('carrying out the plan on a RHEL5-like SysV --root tree', () => {
  it('writes oom_adj, the hook (executable), the defaults-file blocks and rc.local (mode kept)', async () => {
    const {root} = rhel5Tree()
    const host = new LocalHost(root)
    const {plan} = await readProtectInputs(host)
    const o = await executeProtectPlan(host, plan, {apply: true, persist: true, backstop: false})
    expect(o.failed).toBe(false)
    expect(read(root, '/proc/2345/oom_adj').trim()).toBe('-17')
    expect(read(root, '/proc/4100/oom_adj').trim()).toBe('0')
    expect(read(root, '/proc/2410/oom_adj').trim()).toBe('-4')
    expect(statSync(join(root, HOOK_SCRIPT_PATH)).mode & 0o777).toBe(0o755)
    expect(statSync(join(root, 'etc/rc.d/rc.local')).mode & 0o777).toBe(0o755)
    expect(read(root, '/etc/sysconfig/crond')).toMatch(/oom-protect\.sh --wait 30 crond/)
    expect(o.commands).toEqual([])
    expect((await readProtectInputs(host)).plan.nothingToDo).toBe(true)
  })

  it('installs a hook that brings the values back after a restart (a new sshd at 0)', async () => {
    const {root} = rhel5Tree()
    const host = new LocalHost(root)
    await executeProtectPlan(host, (await readProtectInputs(host)).plan, {apply: true, persist: true, backstop: false})
    // `service sshd restart`: the old listener is gone, a new one starts at the default.
    put(root, '/proc/2345/oom_adj', '0\n')
    const r = spawnSync('sh', [join(root, HOOK_SCRIPT_PATH), '--all'], {env: {...process.env, MEMGUARD_ROOT: root}, encoding: 'utf8'})
    expect(r.status).toBe(0)
    expect(read(root, '/proc/2345/oom_adj').trim()).toBe('-17')
    expect(read(root, '/proc/4100/oom_adj').trim()).toBe('0')
  })

  it('writes the backstop into /etc/sysctl.conf, whose other lines stay', async () => {
    const {root} = rhel5Tree()
    const host = new LocalHost(root)
    const {plan} = await readProtectInputs(host, {backstop: true})
    const o = await executeProtectPlan(host, plan, {apply: true, persist: false, backstop: true})
    expect(o.backstop?.file?.ok).toBe(true)
    const conf = read(root, '/etc/sysctl.conf')
    expect(conf).toMatch(/^# Kernel sysctl configuration file for Red Hat Linux/)
    expect(conf).toMatch(/# BEGIN memguard oom-backstop[\s\S]*vm.panic_on_oom = 1\nkernel.panic = 10\n# END memguard oom-backstop\n$/)
    expect(readdirSync(join(root, 'etc')).some((n) => n.startsWith('sysctl.conf.memguard-'))).toBe(true)
  })
})

describe('changing a host under the lock, with an audit line (executeProtectChange)', () => {
  const change = {command: 'memguard protect --apply --persist', user: 'test', auditLogPath: '/var/log/memguard/audit.log'}
  const flags = {apply: true, persist: true, backstop: false}
  const auditLines = (root: string) => (existsSync(join(root, 'var/log/memguard/audit.log')) ? read(root, '/var/log/memguard/audit.log').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [])
  const takeLock = (root: string, pid: number) => put(root, '/run/memguard/lock', JSON.stringify({pid, holder: hostname(), startedAt: '2026-11-26T01:00:00.000Z', command: 'memguard mem-set 0 1200m'}))

  /** A host whose connection drops when daemon-reload is run: the step throws instead of reporting. */
  class DroppingHost extends LocalHost {
    override async run(spec: CommandSpec): Promise<CommandResult> {
      if (spec.argv.join(' ') === 'systemctl daemon-reload') throw new MemguardError('the connection to the host was lost')
      return super.run(spec)
    }
  }

  it('records what was done before a step threw, with the error, and releases the lock', async () => {
    const {root} = debianTree()
    const host = new DroppingHost(root)
    const {plan} = await readProtectInputs(host)
    await expect(executeProtectChange(host, plan, flags, change)).rejects.toThrow(/the connection to the host was lost/)
    const [entry, ...more] = auditLines(root)
    expect(more).toEqual([])
    expect(entry).toMatchObject({kind: 'protect', action: 'failed', command: 'memguard protect --apply --persist', user: 'test', error: 'the connection to the host was lost', protect: {commands: []}})
    const p = entry?.protect as {processes: Array<{pid: number; verified: boolean}>; files: Array<{action: string}>}
    expect(p.processes.map((v) => [v.pid, v.verified])).toEqual([[194, true], [227, true], [276, true]])
    expect(p.files.map((f) => f.action)).toEqual(['created', 'created', 'created', 'created'])
    expect(existsSync(join(root, 'run/memguard/lock'))).toBe(false)
  })

  it('breaks a lock whose holder is gone, says so, and records the change', async () => {
    const {root} = debianTree()
    takeLock(root, 2 ** 22 + 12345)
    const host = new LocalHost(root)
    const o = await executeProtectChange(host, (await readProtectInputs(host)).plan, flags, change)
    expect(o.failed).toBe(false)
    expect(o.notes).toContain('broke a stale lock left by pid 4206649 on ' + hostname() + ' (memguard mem-set 0 1200m, 2026-11-26T01:00:00.000Z)')
    expect(o.audit).toEqual({path: '/var/log/memguard/audit.log', recordedIn: ['/var/log/memguard/audit.log', 'syslog'], warnings: []})
    expect(auditLines(root)).toHaveLength(1)
  })

  it('takes no lock and records nothing when there is nothing to do, even while another change holds the lock', async () => {
    const {root} = debianTree()
    const host = new LocalHost(root)
    await executeProtectChange(host, (await readProtectInputs(host)).plan, flags, change)
    takeLock(root, process.pid)
    const o = await executeProtectChange(host, (await readProtectInputs(host)).plan, flags, change)
    expect(o).toMatchObject({runtime: [], files: [], commands: [], failed: false, audit: null})
    expect(auditLines(root)).toHaveLength(1)
    // --persist alone on a tree whose files are right: also nothing.
    const persistOnly = await executeProtectChange(host, (await readProtectInputs(host)).plan, {apply: false, persist: true, backstop: false}, change)
    expect(persistOnly.audit).toBeNull()
  })

  it('refuses a lock held by a live process before writing anything', async () => {
    const {root} = debianTree()
    takeLock(root, process.pid)
    const host = new LocalHost(root)
    await expect(executeProtectChange(host, (await readProtectInputs(host)).plan, flags, change)).rejects.toThrow(new RegExp(`another memguard is changing .*: pid ${process.pid} on .*, since 2026-11-26T01:00:00.000Z \\(memguard mem-set 0 1200m\\)`))
    expect(read(root, '/proc/227/oom_score_adj').trim()).toBe('0')
    expect(existsSync(join(root, DROP_IN))).toBe(false)
    expect(auditLines(root)).toEqual([])
  })
})

describe('on real processes of this machine', () => {
  const started: ChildProcess[] = []
  afterEach(() => {
    for (const c of started.splice(0)) if (c.pid) try { process.kill(c.pid, 'SIGKILL') } catch { /* gone */ }
  })

  /** A throwaway `sleep` under its own name, so only it can match. */
  async function throwaway(name: string): Promise<number> {
    const bin = join(mkdtempSync(join(tmpdir(), 'mg-prot-')), name)
    copyFileSync('/bin/sleep', bin)
    const child = spawn(bin, ['300'], {stdio: 'ignore'})
    started.push(child)
    await new Promise((r) => child.once('spawn', r))
    return child.pid as number
  }
  const adj = (pid: number) => readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim()

  it('protects a process named with --process by pid, reading the value back – or reports plainly that the kernel refused', async () => {
    const pid = await throwaway('mgprotd')
    const host = new LocalHost('/')
    const {plan} = await readProtectInputs(host, {extraNames: ['mgprotd']})
    const mine = plan.runtime.filter((t) => t.pid === pid)
    expect(mine).toEqual([expect.objectContaining({service: 'mgprotd', knob: 'oom_score_adj', current: 0, desired: -1000, action: 'set', direction: 'lower'})])
    // Only the throwaway process: this machine's own services are not ours to change.
    const o = await executeProtectPlan(host, {...plan, runtime: mine, persist: {...plan.persist, files: [], commands: []}}, {apply: true, persist: false, backstop: false})
    if (hasCapSysResource()) {
      expect(o.failed).toBe(false)
      expect(adj(pid)).toBe('-1000')
    } else {
      console.warn('skipping the "value became -1000" check: this process lacks CAP_SYS_RESOURCE, so the kernel refuses any negative oom_score_adj')
      expect(o.failed).toBe(true)
      expect(o.runtime[0]).toMatchObject({ok: false, readBack: 0})
      expect(o.runtime[0]?.error).toMatch(/^kernel refused: needs CAP_SYS_RESOURCE to lower oom_score_adj from 0 to -1000 \(still 0\)/)
      expect(adj(pid)).toBe('0')
    }
  })

  it('unprotects (raises) for real and verifies, which needs no capability', async () => {
    const pid = await throwaway('mgunprotd')
    const up = await setKernelValue(new LocalHost('/'), `/proc/${pid}/oom_score_adj`, 'mgunprotd', 0, 500, 'process')
    expect(up).toMatchObject({ok: true, readBack: 500, error: null})
    expect(adj(pid)).toBe('500')
    // Back down to 0 is allowed too: never below the floor a privileged process set (0 here).
    const back = await setKernelValue(new LocalHost('/'), `/proc/${pid}/oom_score_adj`, 'mgunprotd', 500, 0, 'process')
    expect(back).toMatchObject({ok: true, readBack: 0})
  })

  it('says the process exited when it is gone', async () => {
    const pid = await throwaway('mggoned')
    process.kill(pid, 'SIGKILL')
    // Gone means reaped: a zombie still has its /proc entry.
    expect(await waitFor(() => !existsSync(`/proc/${pid}`), 10_000)).toBe(true)
    const r = await setKernelValue(new LocalHost('/'), `/proc/${pid}/oom_score_adj`, 'mggoned', 0, -1000, 'process')
    expect(r.ok).toBe(false)
    expect(r.error).toMatch(/the process exited/)
  })

  it('writes the /proc files of a --root tree in place and reads them back', async () => {
    const {root} = debianTree()
    writeFileSync(join(root, 'proc/227/oom_score_adj'), '0\n')
    const r = await setKernelValue(new LocalHost(root), '/proc/227/oom_score_adj', 'cron', 0, -100, 'process')
    expect(r).toMatchObject({ok: true, readBack: -100})
  })
})
