import {cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SshHost} from '../../src/host/ssh.js'
import {applyDom0MemChange, applyDom0MemPlan, planDom0Mem} from '../../src/ops/dom0-mem.js'
import {sshdUnavailable, startSshd, type SshdFixture} from '../host/sshd-fixture.js'

const skipReason = sshdUnavailable()
if (skipReason) console.warn(`dom0-mem over ssh skipped: ${skipReason}`)

describe.skipIf(skipReason !== null)('memguard dom0-mem over ssh (a real sshd, the host tree under a remote --root)', () => {
  let sshd: SshdFixture
  const opened: SshHost[] = []
  beforeAll(async () => {
    sshd = await startSshd()
  })
  afterAll(async () => {
    await Promise.all(opened.map((h) => h.close()))
    await sshd?.stop()
  })

  it('plans and applies on a RHEL5-like host through its grub.conf symlinks, and a second run has nothing to do', async () => {
    const root = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-ssh-'))
    cpSync(resolve(import.meta.dirname, '../fixtures/dom0-mem/hosts/rhel5'), root, {recursive: true})
    symlinkSync('../boot/grub/grub.conf', join(root, 'etc/grub.conf'))
    symlinkSync('./grub.conf', join(root, 'boot/grub/menu.lst'))
    const host = new SshHost(sshd.target, {sshArgs: sshd.sshArgs, root})
    opened.push(host)
    const options = {size: {kib: 1024 * 1024, text: '1g', unit: 'GiB', bare: false, roundedFromKiB: null}, bootloader: 'auto', toolstack: 'auto'} as const
    const plan = await planDom0Mem(host, options)
    expect(plan.config.bootloaders).toEqual(['grub-legacy'])
    expect(plan.config.xendSemantics).toBe('min-mem-zero')
    const applied = await applyDom0MemPlan(host, plan)
    expect(applied.files.map((f) => [f.path, f.action])).toEqual([
      ['/boot/grub/grub.conf', 'written'],
      ['/boot/grub/menu.lst', 'already'],
      ['/etc/grub.conf', 'already'],
      ['/etc/xen/xend-config.sxp', 'written'],
    ])
    expect(readFileSync(join(root, 'boot/grub/grub.conf'), 'utf8')).toContain('kernel /xen.gz-2.6.18-419.el5 dom0_mem=1024M,max:1024M\n')
    expect(lstatSync(join(root, 'etc/grub.conf')).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(root, 'etc/xen/xend-config.sxp'), 'utf8')).toContain('\n(dom0-min-mem 0)\n')
    const again = await planDom0Mem(host, options)
    expect(again.config.files.filter((f) => f.changed)).toEqual([])
  })

  it('--apply refuses a held lock on the host, then writes under the lock and appends its audit line there', async () => {
    const root = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-ssh-audit-'))
    cpSync(resolve(import.meta.dirname, '../fixtures/dom0-mem/hosts/rhel5'), root, {recursive: true})
    const host = new SshHost(sshd.target, {sshArgs: sshd.sshArgs, root})
    opened.push(host)
    const options = {size: {kib: 1024 * 1024, text: '1g', unit: 'GiB', bare: false, roundedFromKiB: null}, bootloader: 'auto', toolstack: 'auto'} as const
    const change = {command: 'memguard dom0-mem 1g --apply --host mgtest', user: 'test', auditLogPath: '/var/log/memguard/audit.log'}
    const plan = await planDom0Mem(host, options)
    const grub = readFileSync(join(root, 'boot/grub/grub.conf'), 'utf8')

    mkdirSync(join(root, 'run/memguard'), {recursive: true, mode: 0o700})
    writeFileSync(join(root, 'run/memguard/lock'), JSON.stringify({pid: process.pid, holder: hostname(), startedAt: '2026-11-26T01:00:00.000Z', command: 'memguard protect --apply'}))
    await expect(applyDom0MemChange(host, plan, change)).rejects.toThrow(new RegExp(`another memguard is changing .*: pid ${process.pid} on .*\\(memguard protect --apply\\)`))
    expect(readFileSync(join(root, 'boot/grub/grub.conf'), 'utf8')).toBe(grub)
    expect(existsSync(join(root, 'var/log/memguard/audit.log'))).toBe(false)

    rmSync(join(root, 'run/memguard/lock'))
    const applied = await applyDom0MemChange(host, plan, change)
    expect(applied.failed).toBe(false)
    const lines = readFileSync(join(root, 'var/log/memguard/audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toEqual([expect.objectContaining({
      kind: 'dom0-mem',
      action: 'applied',
      command: 'memguard dom0-mem 1g --apply --host mgtest',
      dom0Mem: {
        rendered: 'dom0_mem=1024M,max:1024M',
        sizeKiB: 1024 * 1024,
        sizeSource: 'given',
        files: [
          {path: '/boot/grub/grub.conf', action: 'written', backupPath: expect.stringMatching(/^\/boot\/grub\/grub\.conf\.memguard-\d{8}T\d{6}Z\.bak$/)},
          {path: '/etc/xen/xend-config.sxp', action: 'written', backupPath: expect.stringMatching(/^\/etc\/xen\/xend-config\.sxp\.memguard-/)},
        ],
        followUp: ['service xend restart'],
      },
    })])
    expect(statSync(join(root, 'var/log/memguard/audit.log')).mode & 0o777).toBe(0o640)
    expect(existsSync(join(root, 'run/memguard/lock'))).toBe(false)
  })
})
