import {spawnSync} from 'node:child_process'
import {statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SshHost} from '../../src/host/ssh.js'
import {HOOK_SCRIPT_PATH} from '../../src/linux/oom-hook-script.js'
import {executeProtectPlan, readProtectInputs} from '../../src/ops/protect.js'
import {sshdUnavailable, startSshd, type SshdFixture} from '../host/sshd-fixture.js'
import {debianTree, put, read, rhel5Tree} from './protect-trees.js'

const skipReason = sshdUnavailable()
if (skipReason) console.warn(`protect over ssh skipped: ${skipReason}`)

describe.skipIf(skipReason !== null)('memguard protect over ssh (a real sshd, the host tree under a remote --root)', () => {
  let sshd: SshdFixture
  const opened: SshHost[] = []
  beforeAll(async () => {
    sshd = await startSshd()
  })
  afterAll(async () => {
    await Promise.all(opened.map((h) => h.close()))
    await sshd?.stop()
  })
  const host = (root: string) => {
    const h = new SshHost(sshd.target, {sshArgs: sshd.sshArgs, root})
    opened.push(h)
    return h
  }

  it('plans, applies and persists on a RHEL5-like SysV host, and a second run has nothing to do', async () => {
    const {root} = rhel5Tree()
    const h = host(root)
    const {plan} = await readProtectInputs(h)
    expect(plan.knob).toBe('oom_adj')
    expect(plan.persist.mechanism).toBe('sysvinit-hook')
    const o = await executeProtectPlan(h, plan, {apply: true, persist: true, backstop: false})
    expect(o.failed).toBe(false)
    expect(read(root, '/proc/2345/oom_adj').trim()).toBe('-17')
    expect(read(root, '/proc/2410/oom_adj').trim()).toBe('-4')
    expect(read(root, '/etc/sysconfig/sshd')).toMatch(/oom-protect\.sh --wait 30 sshd/)
    expect(statSync(join(root, HOOK_SCRIPT_PATH)).mode & 0o777).toBe(0o755)
    expect((await readProtectInputs(h)).plan.nothingToDo).toBe(true)
    // The installed hook is the one the host runs after `service sshd restart`.
    put(root, '/proc/2345/oom_adj', '0\n')
    expect(spawnSync('sh', [join(root, HOOK_SCRIPT_PATH), 'sshd'], {env: {...process.env, MEMGUARD_ROOT: root}}).status).toBe(0)
    expect(read(root, '/proc/2345/oom_adj').trim()).toBe('-17')
  })

  it('finds the units through the remote cgroups and writes the drop-ins on a systemd host', async () => {
    const {root} = debianTree()
    const h = host(root)
    const {plan} = await readProtectInputs(h)
    expect(plan.runtime.find((t) => t.service === 'xenconsoled')?.unit).toBe('xen.service')
    const applied = await executeProtectPlan(h, plan, {apply: true, persist: false, backstop: false})
    expect(applied.runtime.every((r) => r.ok)).toBe(true)
    const persisted = await executeProtectPlan(h, plan, {apply: false, persist: true, backstop: false})
    expect(persisted.files.every((f) => f.ok)).toBe(true)
    expect(persisted.notes.join('\n')).toMatch(/run `systemctl daemon-reload` now/)
    expect(read(root, '/etc/systemd/system/xen.service.d/50-memguard-oom.conf')).toMatch(/OOMScoreAdjust=-1000\nOOMPolicy=continue\n$/)
    expect(read(root, '/proc/276/oom_score_adj').trim()).toBe('-1000')
  })
})
