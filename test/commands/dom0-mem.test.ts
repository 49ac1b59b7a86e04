import {chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EXAMPLE_HOSTS, REPO_ROOT, runCli} from '../helpers/cli.js'

/**
 * `memguard dom0-mem` end to end on the built binary: snapshots (plan only), --root trees with a
 * fake toolstack on PATH (apply, backups, modes, symlinks, idempotence), and the linter run over
 * what it wrote.
 */

const FIXTURE_HOSTS = resolve(REPO_ROOT, 'test/fixtures/dom0-mem/hosts')
const XENLAB = join(EXAMPLE_HOSTS, 'xenlab')
const SEED = join(EXAMPLE_HOSTS, 'seed-incident')

/** The real lab dom0 (Debian 12, Xen 4.17, grub.d/xen.cfg, xl.conf) as a --root tree, with its xl outputs for the fake xl. */
function xenlabRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-xenlab-'))
  cpSync(join(XENLAB, 'files'), root, {recursive: true})
  mkdirSync(join(root, 'fake-xl'))
  const outputs: Record<string, string> = {'xl-info': 'info', 'xl-list': 'list', 'xl-list-l': 'list--l', 'xl-dmesg': 'dmesg'}
  for (const [from, to] of Object.entries(outputs)) cpSync(join(XENLAB, 'commands', `${from}.stdout`), join(root, 'fake-xl', `${to}.out`))
  return root
}

/** A RHEL5-like Xen 3.1 dom0 (test/fixtures/dom0-mem/hosts/rhel5) with RHEL's grub.conf symlinks. */
function rhel5Root(): string {
  const root = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-rhel5-'))
  cpSync(join(FIXTURE_HOSTS, 'rhel5'), root, {recursive: true})
  symlinkSync('../boot/grub/grub.conf', join(root, 'etc/grub.conf'))
  symlinkSync('./grub.conf', join(root, 'boot/grub/menu.lst'))
  return root
}

const backups = (dir: string) => readdirSync(dir).filter((n) => /\.memguard-\d{8}T\d{6}Z\.bak$/.test(n))

describe('memguard dom0-mem on a snapshot', () => {
  it('plans the lab host: a diff for grub.d/xen.cfg and xl.conf, update-grub, and the reboot reminder', async () => {
    const {exitCode, stdout} = await runCli(['dom0-mem', '--snapshot', XENLAB])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Size {2}1024 MiB → dom0_mem=1024M,max:1024M/)
    expect(stdout).toContain('+GRUB_CMDLINE_XEN="dom0_mem=1024M,max:1024M"')
    expect(stdout).toContain('+autoballoon="off"')
    expect(stdout).toMatch(/--- \/etc\/default\/grub.d\/xen.cfg\n\s+\+\+\+ \/etc\/default\/grub.d\/xen.cfg/)
    expect(stdout).toMatch(/Then run.*\n\s+update-grub/)
    expect(stdout).toMatch(/takes effect when the host reboots into Xen/)
    expect(stdout).toMatch(/XenServer \/ Citrix Hypervisor installer\s+1.13 GiB/)
    expect(stdout).toMatch(/Plan only: snapshot .* is read-only/)
  })

  it('gives the documented JSON shape', async () => {
    const {exitCode, stdout} = await runCli(['dom0-mem', '--json', '--snapshot', XENLAB])
    expect(exitCode).toBe(0)
    const json = JSON.parse(stdout)
    expect(json).toMatchObject({schemaVersion: 1, sizeKiB: 1024 * 1024, rendered: 'dom0_mem=1024M,max:1024M', size: {source: 'recommended'}, bootloaders: ['grub2'], toolstacks: ['xl'], applied: null})
    expect(json.recommendation).toMatchObject({kib: 1024 * 1024, basis: 'formula'})
    expect(json.recommendation.vendorRules.map((r: {id: string}) => r.id)).toEqual(['xenserver', 'xcp-ng', 'oracle-vm', 'qubes', 'xen-wiki'])
    expect(json.floor.floorKiB).toBe(347 * 1024)
    expect(json.files.map((f: {path: string; kind: string; changed: boolean}) => [f.path, f.kind, f.changed])).toEqual([
      ['/etc/default/grub.d/xen.cfg', 'grub-default', true],
      ['/etc/xen/xl.conf', 'xl-conf', true],
    ])
    expect(json.files[1].diff).toMatch(/^--- \/etc\/xen\/xl.conf\n\+\+\+ \/etc\/xen\/xl.conf\n@@/)
    expect(json.commands).toEqual([{command: 'update-grub', why: expect.any(String)}])
    expect(json.notes.join('\n')).toMatch(/none of the files read sets dom0_mem/)
  })

  it('echoes the unit a bare size was read in', async () => {
    const {exitCode, stdout} = await runCli(['dom0-mem', '1536', '--snapshot', XENLAB])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/given: "1536" read as 1536 MiB \(a bare number is MiB here/)
    expect(stdout).toContain('dom0_mem=1536M,max:1536M')
  })

  it('refuses --apply on a snapshot with exit 2', async () => {
    const {exitCode, stderr} = await runCli(['dom0-mem', '--apply', '--snapshot', XENLAB])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/--apply: snapshot .* is read-only, nothing can be written there/)
    expect(stderr).toMatch(/hint: drop --apply to see the plan/)
  })

  it('refuses a size below the safe floor with exit 3 and the numbers', async () => {
    const {exitCode, stderr} = await runCli(['dom0-mem', '256m', '--snapshot', XENLAB])
    expect(exitCode).toBe(3)
    expect(stderr).toMatch(/refusing dom0_mem of 256 MiB: 256 MiB is below dom0's safe floor of 347 MiB \(kernel gap 145 MiB \+ in use 73.4 MiB \+ headroom 128 MiB/)
    const json = await runCli(['dom0-mem', '256m', '--json', '--snapshot', XENLAB])
    expect(JSON.parse(json.stdout).error).toMatchObject({exitCode: 3})
  })

  it('refuses bad input with exit 2', async () => {
    expect((await runCli(['dom0-mem', 'lots', '--snapshot', XENLAB])).exitCode).toBe(2)
    expect((await runCli(['dom0-mem', '64g', '--snapshot', XENLAB])).stderr).toMatch(/not less than this host's memory/)
    expect((await runCli(['dom0-mem', '--bootloader', 'lilo', '--snapshot', XENLAB])).exitCode).toBe(2)
  })

  it('plans the incident host: grub.conf, xend the Xen 3.1 way, and refuses its 256 MiB', async () => {
    const plan = await runCli(['dom0-mem', '--json', '--snapshot', SEED])
    expect(plan.exitCode).toBe(0)
    const json = JSON.parse(plan.stdout)
    expect(json).toMatchObject({bootloaders: ['grub-legacy'], toolstacks: ['xm'], xendSemantics: 'min-mem-zero'})
    expect(json.files.find((f: {path: string}) => f.path === '/etc/xen/xend-config.sxp').diff).toContain('+(dom0-min-mem 0)')
    expect(json.commands.map((c: {command: string}) => c.command)).toEqual(['service xend restart'])
    const refused = await runCli(['dom0-mem', '256', '--snapshot', SEED])
    expect(refused.exitCode).toBe(3)
    expect(refused.stderr).toMatch(/below dom0's safe floor/)
  })
})

describe('memguard dom0-mem --apply under --root', () => {
  it('writes the lab host atomically with backups, keeps the mode, and a second run has nothing to do', async () => {
    const root = xenlabRoot()
    chmodSync(join(root, 'etc/xen/xl.conf'), 0o640)
    const first = await runCli(['dom0-mem', '1536m', '--apply', '--json', '--root', root], {fakeToolstack: true})
    expect(first.exitCode).toBe(0)
    const json = JSON.parse(first.stdout)
    expect(json.applied.failed).toBe(false)
    expect(json.applied.files.map((f: {path: string; action: string}) => [f.path, f.action])).toEqual([
      ['/etc/default/grub.d/xen.cfg', 'written'],
      ['/etc/xen/xl.conf', 'written'],
    ])
    expect(readFileSync(join(root, 'etc/default/grub.d/xen.cfg'), 'utf8')).toContain('#GRUB_CMDLINE_XEN=""\nGRUB_CMDLINE_XEN="dom0_mem=1536M,max:1536M"\n')
    expect(readFileSync(join(root, 'etc/xen/xl.conf'), 'utf8')).toContain('#autoballoon="auto"\nautoballoon="off"\n')
    expect(statSync(join(root, 'etc/xen/xl.conf')).mode & 0o777).toBe(0o640)
    expect(backups(join(root, 'etc/xen'))).toHaveLength(1)
    expect(readFileSync(join(root, 'etc/xen', backups(join(root, 'etc/xen'))[0] as string), 'utf8')).toBe(readFileSync(join(XENLAB, 'files/etc/xen/xl.conf'), 'utf8'))

    const second = await runCli(['dom0-mem', '1536m', '--apply', '--root', root], {fakeToolstack: true})
    expect(second.exitCode).toBe(0)
    expect(second.stdout).not.toMatch(/^\s+[-+]{3} /m)
    expect(second.stdout).toMatch(/already right/)
    expect(second.stdout).toMatch(/nothing to write: every file already says this/)
    expect(second.stdout).not.toMatch(/update-grub/)
    expect(backups(join(root, 'etc/xen'))).toHaveLength(1)
    expect(backups(join(root, 'etc/default/grub.d'))).toHaveLength(1)

    // What it wrote passes the linter's dom0_mem and autoballoon rules.
    const lint = await runCli(['lint', '--format', 'json', '--xen-version', '4.17', join(root, 'etc/default/grub.d/xen.cfg'), join(root, 'etc/xen/xl.conf')])
    const linted = JSON.parse(lint.stdout).files
    expect(linted).toHaveLength(2)
    const findings = linted.flatMap((f: {findings: Array<{ruleId: string}>}) => f.findings.map((x) => x.ruleId))
    expect(findings.filter((id: string) => /^(dom0-mem|autoballoon|xend-dom0)/.test(id))).toEqual([])
  })

  it('edits a RHEL5 host once through its grub.conf symlinks, sets xend the 3.1 way, and keeps the links', async () => {
    const root = rhel5Root()
    const {exitCode, stdout} = await runCli(['dom0-mem', '1g', '--apply', '--root', root], {fakeToolstack: true})
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/given: "1g" read as 1024 MiB/)
    expect(stdout).toMatch(/\/boot\/grub\/grub.conf {2}written {2}backup: \/boot\/grub\/grub.conf.memguard-\d{8}T\d{6}Z.bak/)
    expect(stdout).toMatch(/\/etc\/grub.conf {2}already so/)
    expect(stdout).toMatch(/service xend restart/)
    expect(stdout).not.toMatch(/update-grub|grub2-mkconfig/)
    const grub = readFileSync(join(root, 'boot/grub/grub.conf'), 'utf8')
    expect(grub.match(/dom0_mem=/g)).toHaveLength(2)
    expect(grub).toContain('\tkernel /xen.gz-2.6.18-419.el5 dom0_mem=1024M,max:1024M\n')
    expect(grub).toContain('\tkernel /xen.gz-2.6.18-398.el5 dom0_mem=1024M,max:1024M\n')
    expect(lstatSync(join(root, 'etc/grub.conf')).isSymbolicLink()).toBe(true)
    expect(lstatSync(join(root, 'boot/grub/menu.lst')).isSymbolicLink()).toBe(true)
    expect(backups(join(root, 'boot/grub'))).toHaveLength(1)
    expect(readFileSync(join(root, 'etc/xen/xend-config.sxp'), 'utf8')).toContain('\n(dom0-min-mem 0)\n')
    expect(readFileSync(join(root, 'etc/xen/xend-config.sxp'), 'utf8')).not.toContain('enable-dom0-ballooning')

    const again = await runCli(['dom0-mem', '1g', '--apply', '--json', '--root', root], {fakeToolstack: true})
    expect(JSON.parse(again.stdout).files.every((f: {changed: boolean}) => !f.changed)).toBe(true)
    expect(JSON.parse(again.stdout).applied.files).toEqual([])

    const lint = await runCli(['lint', '--format', 'json', '--xen-version', '3.1', join(root, 'boot/grub/grub.conf'), join(root, 'etc/xen/xend-config.sxp')])
    const findings = JSON.parse(lint.stdout).files.flatMap((f: {findings: Array<{ruleId: string}>}) => f.findings.map((x) => x.ruleId))
    expect(findings.filter((id: string) => /^(dom0-mem|autoballoon|xend-dom0)/.test(id))).toEqual([])
  })

  it('recommends from the RHEL5 host: 1 GiB + one QEMU + one PV guest, rounded up', async () => {
    const {exitCode, stdout} = await runCli(['dom0-mem', '--json', '--root', rhel5Root()], {fakeToolstack: true})
    expect(exitCode).toBe(0)
    const json = JSON.parse(stdout)
    expect(json.guests).toMatchObject({total: 2, hvm: 1, pv: 1})
    expect(json.sizeKiB).toBe(1152 * 1024)
    expect(json.current.cmdlineSource).toBe('xm dmesg')
  })

  it('on XCP-ng prints the xen-cmdline command and writes nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-xcp-'))
    mkdirSync(join(root, 'etc/xen'), {recursive: true})
    writeFileSync(join(root, 'etc/xensource-inventory'), "PRODUCT_BRAND='XCP-ng'\nPRODUCT_VERSION='8.2.1'\n")
    writeFileSync(join(root, 'etc/xen/xl.conf'), '#autoballoon="auto"\n')
    const {exitCode, stdout} = await runCli(['dom0-mem', '4g', '--apply', '--root', root])
    expect(exitCode).toBe(0)
    expect(stdout).toContain('/opt/xensource/libexec/xen-cmdline --set-xen dom0_mem=4096M,max:4096M')
    expect(readFileSync(join(root, 'etc/xen/xl.conf'), 'utf8')).toBe('#autoballoon="auto"\n')
  })

  it('fails with exit 1 and says so when no bootloader configuration is found', async () => {
    const root = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-empty-'))
    const {exitCode, stdout} = await runCli(['dom0-mem', '1g', '--root', root])
    expect(exitCode).toBe(1)
    expect(stdout).toMatch(/Not done\n\s+✗ no bootloader configuration with a Xen entry found/)
  })
})

const AUDIT_LOG = 'var/log/memguard/audit.log'
const LOCK = 'run/memguard/lock'
const auditLines = (root: string): Array<Record<string, unknown>> =>
  existsSync(join(root, AUDIT_LOG)) ? readFileSync(join(root, AUDIT_LOG), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []

describe('memguard dom0-mem --apply under the host lock, with an audit line', () => {
  it('records one line – the dom0_mem value, each file with its backup, the commands left to run, the user – and a plan-only run and a second run record nothing', async () => {
    const root = xenlabRoot()
    expect((await runCli(['dom0-mem', '1536m', '--root', root], {fakeToolstack: true})).exitCode).toBe(0)
    expect(existsSync(join(root, AUDIT_LOG))).toBe(false)

    const first = await runCli(['dom0-mem', '1536m', '--apply', '--root', root], {fakeToolstack: true})
    expect(first.exitCode).toBe(0)
    expect(first.stdout).toMatch(/recorded in \/var\/log\/memguard\/audit\.log and syslog/)
    const lines = auditLines(root)
    expect(lines).toHaveLength(1)
    const [entry] = lines
    expect(entry).toMatchObject({
      kind: 'dom0-mem',
      action: 'applied',
      command: `memguard dom0-mem 1536m --apply --root ${root}`,
      user: expect.any(String),
      dom0Mem: {
        rendered: 'dom0_mem=1536M,max:1536M',
        sizeKiB: 1536 * 1024,
        sizeSource: 'given',
        files: [
          {path: '/etc/default/grub.d/xen.cfg', action: 'written', backupPath: expect.stringMatching(/^\/etc\/default\/grub\.d\/xen\.cfg\.memguard-\d{8}T\d{6}Z\.bak$/)},
          {path: '/etc/xen/xl.conf', action: 'written', backupPath: expect.stringMatching(/^\/etc\/xen\/xl\.conf\.memguard-\d{8}T\d{6}Z\.bak$/)},
        ],
        followUp: ['update-grub'],
      },
    })
    expect(entry).not.toHaveProperty('error')
    const files = (entry?.dom0Mem as {files: Array<{backupPath: string}>}).files
    expect(readFileSync(join(root, files[1]!.backupPath), 'utf8')).toBe(readFileSync(join(XENLAB, 'files/etc/xen/xl.conf'), 'utf8'))
    expect(readFileSync(join(root, 'fake-logger/calls.log'), 'utf8')).toMatch(/\tapplied: memguard dom0-mem 1536m --apply --root \S+ \(dom0_mem=1536M,max:1536M in 2 files, by /)
    expect(existsSync(join(root, LOCK))).toBe(false)

    const second = await runCli(['dom0-mem', '1536m', '--apply', '--root', root], {fakeToolstack: true})
    expect(second.exitCode).toBe(0)
    expect(second.stdout).not.toMatch(/recorded in/)
    expect(auditLines(root)).toHaveLength(1)
  })

  it('refuses while another live memguard holds the host lock: exit 1, the holder named, nothing written and nothing recorded', async () => {
    const root = xenlabRoot()
    const holder = {pid: process.pid, holder: hostname(), startedAt: '2026-11-26T01:00:00.000Z', command: 'memguard protect --apply --persist'}
    mkdirSync(join(root, 'run/memguard'), {recursive: true, mode: 0o700})
    writeFileSync(join(root, LOCK), JSON.stringify(holder))
    const {exitCode, stderr} = await runCli(['dom0-mem', '1536m', '--apply', '--root', root], {fakeToolstack: true})
    expect(exitCode).toBe(1)
    expect(stderr).toContain(`another memguard is changing this machine (--root ${root}): pid ${process.pid} on ${hostname()}, since 2026-11-26T01:00:00.000Z (memguard protect --apply --persist)`)
    expect(readFileSync(join(root, 'etc/xen/xl.conf'), 'utf8')).toBe(readFileSync(join(XENLAB, 'files/etc/xen/xl.conf'), 'utf8'))
    expect(backups(join(root, 'etc/xen'))).toEqual([])
    expect(existsSync(join(root, AUDIT_LOG))).toBe(false)
    expect(JSON.parse(readFileSync(join(root, LOCK), 'utf8'))).toEqual(holder)
  })
})
