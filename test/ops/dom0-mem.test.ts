import {existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {WriteFileOptions, WriteFileResult} from '../../src/host/host.js'
import {LocalHost} from '../../src/host/local.js'
import {applyDom0MemChange, applyDom0MemPlan, planDom0Mem} from '../../src/ops/dom0-mem.js'
import {FAKE_BIN} from '../helpers/cli.js'

/** The orchestrator against a --root tree (no toolstack: the size is given, the files decide). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-ops-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), {recursive: true})
    writeFileSync(join(root, path), text)
  }
  return root
}

const options = {size: {kib: 2048 * 1024, text: '2g', unit: 'GiB', bare: false, roundedFromKiB: null}, bootloader: 'auto', toolstack: 'auto'} as const

// A recording `logger` first in PATH: the audit's syslog line never reaches this machine's syslog.
let savedPath: string | undefined
beforeAll(() => {
  savedPath = process.env.PATH
  const bin = mkdtempSync(join(tmpdir(), 'memguard-dom0mem-bin-'))
  symlinkSync(join(FAKE_BIN, 'logger'), join(bin, 'logger'))
  process.env.PATH = `${bin}:${process.env.PATH}`
})
afterAll(() => {
  process.env.PATH = savedPath
})

describe('applyDom0MemPlan', () => {
  it('does not touch a file that changed between the plan and the write', async () => {
    const root = tree({'/etc/default/grub': 'GRUB_CMDLINE_XEN=""\n', '/etc/xen/xl.conf': 'autoballoon=1\n'})
    const host = new LocalHost(root)
    const plan = await planDom0Mem(host, options)
    writeFileSync(join(root, 'etc/default/grub'), 'GRUB_CMDLINE_XEN="loglvl=all"\n')
    const result = await applyDom0MemPlan(host, plan)
    expect(result.failed).toBe(true)
    expect(result.files.map((f) => [f.path, f.action])).toEqual([
      ['/etc/default/grub', 'conflict'],
      ['/etc/xen/xl.conf', 'written'],
    ])
    expect(readFileSync(join(root, 'etc/default/grub'), 'utf8')).toBe('GRUB_CMDLINE_XEN="loglvl=all"\n')
    expect(readFileSync(join(root, 'etc/xen/xl.conf'), 'utf8')).toBe('autoballoon="off"\n')
  })

  it('reads the grub.d drop-ins and EFI configs it finds in their directories', async () => {
    const root = tree({
      '/etc/default/grub.d/60-local.cfg': 'GRUB_CMDLINE_XEN="dom0_mem=4G"\n',
      '/etc/default/grub.d/notes.txt': 'GRUB_CMDLINE_XEN="ignored"\n',
      '/boot/efi/EFI/fedora/xen-4.17.cfg': '[global]\ndefault=x\n[x]\noptions=console=vga\nkernel=vmlinuz\n',
    })
    const plan = await planDom0Mem(new LocalHost(root), options)
    expect(plan.config.files.map((f) => [f.path, f.changed])).toEqual([
      ['/etc/default/grub.d/60-local.cfg', true],
      ['/boot/efi/EFI/fedora/xen-4.17.cfg', true],
    ])
    expect(plan.config.bootloaders).toEqual(['grub2', 'efi'])
  })
})

describe('applyDom0MemChange: under the host lock, with an audit line', () => {
  const change = {command: 'memguard dom0-mem 2g --apply', user: 'test', auditLogPath: '/var/log/memguard/audit.log'}
  const auditLines = (root: string) => (existsSync(join(root, 'var/log/memguard/audit.log')) ? readFileSync(join(root, 'var/log/memguard/audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) : [])

  it('records a file that changed under it as a conflict and the others as written, exits as failed, and releases the lock', async () => {
    const root = tree({'/etc/default/grub': 'GRUB_CMDLINE_XEN=""\n', '/etc/xen/xl.conf': 'autoballoon=1\n'})
    const host = new LocalHost(root)
    const plan = await planDom0Mem(host, options)
    writeFileSync(join(root, 'etc/default/grub'), 'GRUB_CMDLINE_XEN="loglvl=all"\n')
    const result = await applyDom0MemChange(host, plan, change)
    expect(result.failed).toBe(true)
    expect(result.audit).toEqual({path: '/var/log/memguard/audit.log', recordedIn: ['/var/log/memguard/audit.log', 'syslog'], warnings: []})
    expect(auditLines(root)).toEqual([
      {
        time: expect.any(String),
        kind: 'dom0-mem',
        action: 'failed',
        command: 'memguard dom0-mem 2g --apply',
        dom0Mem: {
          rendered: 'dom0_mem=2048M,max:2048M',
          sizeKiB: 2048 * 1024,
          sizeSource: 'given',
          files: [
            {path: '/etc/default/grub', action: 'conflict', backupPath: null, error: 'the file changed since memguard read it; nothing was written – run memguard dom0-mem again'},
            {path: '/etc/xen/xl.conf', action: 'written', backupPath: expect.stringMatching(/^\/etc\/xen\/xl\.conf\.memguard-\d{8}T\d{6}Z\.bak$/)},
          ],
          followUp: [expect.stringMatching(/grub-mkconfig|update-grub/)],
        },
        user: 'test',
      },
    ])
    expect(existsSync(join(root, 'run/memguard/lock'))).toBe(false)
  })

  it('records a write that failed with its error, after the one written before it', async () => {
    const root = tree({'/etc/default/grub': 'GRUB_CMDLINE_XEN=""\n', '/etc/xen/xl.conf': 'autoballoon=1\n'})
    class FullDisk extends LocalHost {
      override async writeFileAtomic(path: string, content: string, opts?: WriteFileOptions): Promise<WriteFileResult> {
        if (path === '/etc/xen/xl.conf') throw new Error('ENOSPC: no space left on device, write')
        return super.writeFileAtomic(path, content, opts)
      }
    }
    const host = new FullDisk(root)
    const result = await applyDom0MemChange(host, await planDom0Mem(host, options), change)
    expect(result.files.map((f) => [f.path, f.action])).toEqual([['/etc/default/grub', 'written'], ['/etc/xen/xl.conf', 'failed']])
    const [entry] = auditLines(root)
    expect(entry).toMatchObject({action: 'failed', dom0Mem: {files: [{path: '/etc/default/grub', action: 'written'}, {path: '/etc/xen/xl.conf', action: 'failed', backupPath: null, error: 'ENOSPC: no space left on device, write'}]}})
    expect(existsSync(join(root, 'run/memguard/lock'))).toBe(false)
  })

  it('takes no lock and records nothing when every file already says it', async () => {
    const root = tree({'/etc/default/grub': 'GRUB_CMDLINE_XEN=""\n', '/etc/xen/xl.conf': 'autoballoon=1\n'})
    const host = new LocalHost(root)
    expect((await applyDom0MemChange(host, await planDom0Mem(host, options), change)).failed).toBe(false)
    mkdirSync(join(root, 'run/memguard'), {recursive: true})
    writeFileSync(join(root, 'run/memguard/lock'), JSON.stringify({pid: process.pid, holder: hostname(), startedAt: new Date().toISOString(), command: 'memguard mem-set 0 1g'}))
    const again = await applyDom0MemChange(host, await planDom0Mem(host, options), change)
    expect(again).toEqual({files: [], failed: false, notes: [], audit: null})
    expect(auditLines(root)).toHaveLength(1)
  })
})

