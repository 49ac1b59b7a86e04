import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EXAMPLE_HOSTS, REPO_ROOT, runCli} from '../helpers/cli.js'
import {debianTree, read, rhel5Tree} from '../ops/protect-trees.js'

// A recording `systemctl` first in PATH: daemon-reload must never reach this machine's systemd.
const env = {PATH: `${join(REPO_ROOT, 'test/fixtures/protect-bin')}:${process.env.PATH}`}
const protect = (args: string[]) => runCli(['protect', ...args], {env})
const DROP_IN = '/etc/systemd/system/cron.service.d/50-memguard-oom.conf'
const calls = (root: string) => (existsSync(join(root, 'fake-systemctl/calls.log')) ? readFileSync(join(root, 'fake-systemctl/calls.log'), 'utf8') : '')

describe('memguard protect', () => {
  it('prints the plan per process and per file (as diffs) and touches nothing', async () => {
    const {root} = debianTree()
    const {exitCode, stdout} = await protect(['--root', root])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^\s+cron\s+227\s+cron\s+oom_score_adj\s+0\s+-100\s+set \(lowering: needs CAP_SYS_RESOURCE\)/m)
    expect(stdout).toMatch(/^\s+sshd\s+265\s+sshd\s+oom_score_adj\s+-1000\s+-1000\s+ok/m)
    expect(stdout).toMatch(/cron -100: a handicap, not an exemption/)
    expect(stdout).toMatch(/create \/etc\/systemd\/system\/cron.service.d\/50-memguard-oom.conf[\s\S]*--- \/dev\/null\n\s+\+\+\+ \/etc\/systemd\/system\/cron.service.d\/50-memguard-oom.conf[\s\S]*\+OOMScoreAdjust=-100/)
    expect(stdout).toMatch(/then: systemctl daemon-reload/)
    expect(stdout).toMatch(/Plan only: nothing was changed/)
    expect(existsSync(join(root, DROP_IN))).toBe(false)
    expect(read(root, '/proc/227/oom_score_adj').trim()).toBe('0')
    expect(calls(root)).not.toMatch(/daemon-reload/)
  })

  it('--apply --persist sets the values, writes the drop-ins, reloads systemd – and a second run has nothing to do', async () => {
    const {root} = debianTree()
    const first = await protect(['--root', root, '--apply', '--persist'])
    expect(first.exitCode).toBe(0)
    expect(first.stdout).toMatch(/✓ cron \(pid 227\) oom_score_adj: 0 → -100 \(read back -100\)/)
    expect(first.stdout).toMatch(/✓ created \/etc\/systemd\/system\/xen.service.d\/50-memguard-oom.conf/)
    expect(first.stdout).toMatch(/✓ systemctl daemon-reload/)
    expect(read(root, DROP_IN)).toMatch(/OOMScoreAdjust=-100\nOOMPolicy=continue\nRestart=on-failure\n$/)
    expect(calls(root)).toMatch(/^daemon-reload\t$/m)

    const second = await protect(['--root', root, '--apply', '--persist'])
    expect(second.exitCode).toBe(0)
    expect(second.stdout).toMatch(/unchanged \/etc\/systemd\/system\/cron.service.d\/50-memguard-oom.conf/)
    expect(second.stdout).toMatch(/nothing to do: every value and file is already as memguard wants it/)
    expect(calls(root).match(/daemon-reload/g)).toHaveLength(1)
  })

  it('leaves nothing for status and oom to complain about once applied (cron at −100 counts as protected)', async () => {
    const {root} = debianTree()
    expect((await runCli(['status', '--root', root], {env})).stdout).toMatch(/critical services the OOM killer may take/)
    expect((await protect(['--root', root, '--apply'])).exitCode).toBe(0)
    const status = await runCli(['status', '--root', root], {env})
    expect(status.stdout).not.toMatch(/critical services the OOM killer may take|critical, unprotected/)
    const oom = JSON.parse((await runCli(['oom', '--json', '--root', root], {env})).stdout)
    expect(oom.findings).toEqual([])
    expect(oom.order.find((o: {name: string}) => o.name === 'cron')).toMatchObject({oomScoreAdj: -100, protection: 'reduced'})
  })

  it('is seen as persistent by doctor once --persist wrote the drop-ins (doctor reads no cgroups, and cron runs jobs meanwhile)', async () => {
    const {root} = debianTree()
    expect((await protect(['--root', root, '--apply', '--persist'])).exitCode).toBe(0)
    const doctor = JSON.parse((await runCli(['doctor', '--json', '--root', root], {env})).stdout)
    const services = doctor.checks.find((c: {id: string}) => c.id === 'critical-services')
    expect(services.summary).not.toMatch(/not persistent/)
    expect(services.detail).not.toMatch(/would write/)
    // A second protect finds nothing to do either.
    expect((await protect(['--root', root, '--persist'])).stdout).toMatch(/[Nn]othing to do/)
  })

  it('installs the SysV hook on a RHEL5-like tree with --persist, diffs first', async () => {
    const {root} = rhel5Tree()
    const {exitCode, stdout} = await protect(['--root', root, '--persist'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Persistent \(SysV hook: defaults files \+ rc.local\)/)
    expect(stdout.indexOf('+++ /etc/sysconfig/sshd')).toBeLessThan(stdout.indexOf('✓ updated /etc/sysconfig/sshd'))
    expect(read(root, '/etc/sysconfig/sshd')).toMatch(/oom-protect\.sh --wait 30 sshd/)
    expect(read(root, '/etc/memguard/oom-protect.sh')).toMatch(/^#!\/bin\/sh\n# memguard oom-protect/)
    // --persist alone leaves the running processes as they are.
    expect(read(root, '/proc/2345/oom_adj').trim()).toBe('0')
    expect(stdout).toMatch(/the running processes were not changed: --apply sets them now/)
  })

  it('gives a stable JSON shape', async () => {
    const {root} = rhel5Tree()
    const {exitCode, stdout} = await protect(['--root', root, '--json', '--process', 'qemu-dm'])
    expect(exitCode).toBe(0)
    const json = JSON.parse(stdout)
    expect(json.schemaVersion).toBe(1)
    expect(json.mode).toEqual({apply: false, persist: false, backstop: false, readOnly: false})
    expect(json.plan.knob).toBe('oom_adj')
    expect(json.plan.runtime.find((t: {service: string}) => t.service === 'qemu-dm')).toMatchObject({pid: 3000, desired: -17, requested: true})
    expect(json.plan.persist.files[0]).toMatchObject({path: '/etc/memguard/oom-protect.sh', kind: 'hook-script', action: 'create', mode: '0755'})
    expect(json.plan.persist.files[0].diff).toMatch(/^--- \/dev\/null/)
    expect(json.outcome).toBeNull()
  })

  it('is plan-only on a snapshot, even with --apply --persist, and says so with exit 0', async () => {
    const {exitCode, stdout} = await protect(['--snapshot', join(EXAMPLE_HOSTS, 'xenlab'), '--apply', '--persist'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Plan only: snapshot .* is a snapshot \(read-only\); nothing was changed\. Run the same command on the host/)
    const json = JSON.parse((await protect(['--snapshot', join(EXAMPLE_HOSTS, 'xenlab'), '--apply', '--json'])).stdout)
    expect(json.mode.readOnly).toBe(true)
    expect(json.outcome).toBeNull()
  })

  it('explains the backstop and what it costs, and changes nothing without --apply', async () => {
    const {root} = debianTree()
    const {exitCode, stdout} = await protect(['--root', root, '--backstop'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Backstop: reboot instead of a brick/)
    expect(stdout).toMatch(/Every guest on it is destroyed without a clean shutdown/)
    expect(stdout).toMatch(/create \/etc\/sysctl.d\/90-memguard-oom-backstop.conf/)
    expect(read(root, '/proc/sys/vm/panic_on_oom').trim()).toBe('0')
    const applied = await protect(['--root', root, '--apply', '--backstop'])
    expect(applied.exitCode).toBe(0)
    expect(applied.stdout).toMatch(/✓ vm.panic_on_oom: 0 → 1 \(read back 1\)/)
    expect(read(root, '/etc/sysctl.d/90-memguard-oom-backstop.conf')).toMatch(/vm.panic_on_oom = 1/)
  })

  it('exits 1 and says what did not take when a value cannot be written', async () => {
    const {root} = debianTree()
    rmSync(join(root, 'proc/276/oom_score_adj'))
    mkdirSync(join(root, 'proc/276/oom_score_adj'))
    const {exitCode, stdout} = await protect(['--root', root, '--apply'])
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(/✗ xenconsoled \(pid 276\) oom_score_adj: /)
    expect(stdout).toMatch(/Some changes did not take/)
  })

  it('refuses a --process that is not a process name, with exit 2', async () => {
    const {exitCode, stderr} = await protect(['--snapshot', join(EXAMPLE_HOSTS, 'xenlab'), '--process', 'x; rm -rf /'])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/--process "x; rm -rf \/" is not a process name/)
  })
})

const AUDIT_LOG = 'var/log/memguard/audit.log'
const LOCK = 'run/memguard/lock'
const auditLines = (root: string): Array<Record<string, unknown>> =>
  existsSync(join(root, AUDIT_LOG)) ? readFileSync(join(root, AUDIT_LOG), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []
const BACKUP = /\.memguard-\d{8}T\d{6}Z\.bak$/

describe('memguard protect under the host lock, with an audit line', () => {
  it('--persist records one line – each file created or changed, with its backup, the command and the user – and a plan-only run and a second run record nothing', async () => {
    const {root} = rhel5Tree()
    expect((await protect(['--root', root])).exitCode).toBe(0)
    expect(existsSync(join(root, AUDIT_LOG))).toBe(false)

    const first = await protect(['--root', root, '--persist'])
    expect(first.exitCode).toBe(0)
    expect(first.stdout).toMatch(/recorded in \/var\/log\/memguard\/audit\.log and syslog/)
    const lines = auditLines(root)
    expect(lines).toHaveLength(1)
    const [entry] = lines
    expect(entry).toMatchObject({kind: 'protect', action: 'applied', command: `memguard protect --root ${root} --persist`, user: expect.any(String), protect: {processes: [], sysctls: [], commands: []}})
    expect(Date.parse(entry?.time as string)).not.toBeNaN()
    const files = (entry?.protect as {files: Array<{path: string; action: string; backupPath: string | null}>}).files
    expect(files.find((f) => f.path === '/etc/memguard/oom-protect.sh')).toEqual({path: '/etc/memguard/oom-protect.sh', action: 'created', backupPath: null})
    const sshd = files.find((f) => f.path === '/etc/sysconfig/sshd')
    expect(sshd).toMatchObject({action: 'written', backupPath: expect.stringMatching(BACKUP)})
    expect(read(root, sshd!.backupPath!)).toBe('# Uncomment the following line to allow sshd to use an alternate config\n#OPTIONS=\n')
    expect(files.find((f) => f.path === '/etc/rc.d/rc.local')).toMatchObject({action: 'written', backupPath: expect.stringMatching(BACKUP)})
    expect(existsSync(join(root, LOCK))).toBe(false)
    expect(read(root, 'fake-logger/calls.log')).toMatch(/^-t\tmemguard\t-p\tauth\.notice\tapplied: memguard protect --root \S+ --persist \(protect: \d+ files, by /m)

    const second = await protect(['--root', root, '--persist'])
    expect(second.exitCode).toBe(0)
    expect(second.stdout).not.toMatch(/recorded in/)
    expect(auditLines(root)).toHaveLength(1)
  })

  it('--apply --persist records each value set – pid, name, knob, old → new, verified – and daemon-reload', async () => {
    const {root} = debianTree()
    const {exitCode, stdout} = await protect(['--root', root, '--apply', '--persist', '--json'])
    expect(exitCode).toBe(0)
    expect(JSON.parse(stdout).outcome.audit).toEqual({path: '/var/log/memguard/audit.log', recordedIn: ['/var/log/memguard/audit.log', 'syslog'], warnings: []})
    const [entry, ...more] = auditLines(root)
    expect(more).toEqual([])
    expect(entry).toMatchObject({kind: 'protect', action: 'applied'})
    const p = entry?.protect as {processes: unknown[]; files: Array<{path: string; action: string}>; commands: unknown[]}
    expect(p.processes).toEqual([
      {pid: 194, name: 'systemd-journal', service: 'journald', knob: 'oom_score_adj', from: -250, to: -1000, verified: true},
      {pid: 227, name: 'cron', service: 'cron', knob: 'oom_score_adj', from: 0, to: -100, verified: true},
      {pid: 276, name: 'xenconsoled', service: 'xenconsoled', knob: 'oom_score_adj', from: 0, to: -1000, verified: true},
    ])
    expect(p.files).toContainEqual({path: DROP_IN, action: 'created', backupPath: null})
    expect(p.commands).toEqual([{argv: ['systemctl', 'daemon-reload'], ok: true, exitCode: 0}])
  })

  it('refuses while another live memguard holds the host lock: exit 1, the holder named, nothing written and nothing recorded', async () => {
    const {root} = debianTree()
    const holder = {pid: process.pid, holder: hostname(), startedAt: '2026-11-26T01:00:00.000Z', command: 'memguard mem-set 0 1200m'}
    mkdirSync(join(root, 'run/memguard'), {recursive: true, mode: 0o700})
    writeFileSync(join(root, LOCK), JSON.stringify(holder))
    const {exitCode, stderr} = await protect(['--root', root, '--apply', '--persist'])
    expect(exitCode).toBe(1)
    expect(stderr).toContain(`another memguard is changing this machine (--root ${root}): pid ${process.pid} on ${hostname()}, since 2026-11-26T01:00:00.000Z (memguard mem-set 0 1200m)`)
    expect(existsSync(join(root, DROP_IN))).toBe(false)
    expect(read(root, '/proc/227/oom_score_adj').trim()).toBe('0')
    expect(calls(root)).not.toMatch(/daemon-reload/)
    expect(existsSync(join(root, AUDIT_LOG))).toBe(false)
    expect(JSON.parse(read(root, LOCK))).toEqual(holder)
  })

  it('records a write that failed half-way – what was done and what failed – exits 1, and releases the lock', async () => {
    const {root} = debianTree()
    // A file where the drop-in directory should be: that one write fails, the others go through.
    mkdirSync(join(root, 'etc/systemd/system'), {recursive: true})
    writeFileSync(join(root, 'etc/systemd/system/cron.service.d'), 'not a directory\n')
    const {exitCode, stdout} = await protect(['--root', root, '--persist'])
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(/✗ \/etc\/systemd\/system\/cron.service.d\/50-memguard-oom.conf: /)
    const [entry] = auditLines(root)
    expect(entry).toMatchObject({kind: 'protect', action: 'failed'})
    const files = (entry?.protect as {files: Array<{path: string; action: string; error?: string}>}).files
    expect(files.find((f) => f.path === DROP_IN)).toMatchObject({action: 'failed', backupPath: null, error: expect.any(String)})
    expect(files.filter((f) => f.action === 'created').length).toBeGreaterThan(0)
    expect(existsSync(join(root, LOCK))).toBe(false)
  })
})
