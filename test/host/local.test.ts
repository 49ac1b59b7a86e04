import {mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync, chmodSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'

function rootTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'memguard-root-'))
  mkdirSync(join(root, 'proc/42'), {recursive: true})
  mkdirSync(join(root, 'proc/43'), {recursive: true})
  mkdirSync(join(root, 'proc/sys/vm'), {recursive: true})
  writeFileSync(join(root, 'proc/meminfo'), 'MemTotal: 1000 kB\n')
  writeFileSync(join(root, 'proc/42/status'), 'Name:\tsshd\nVmRSS:\t100 kB\n')
  writeFileSync(join(root, 'proc/42/oom_adj'), '0\n')
  writeFileSync(join(root, 'proc/42/cmdline'), '/usr/sbin/sshd\0')
  // 43 has no status file: it exited while we were reading and must be skipped.
  writeFileSync(join(root, 'proc/43/oom_score'), '5\n')
  return root
}

describe('LocalHost under --root', () => {
  it('reads files under the root and records missing ones as null', async () => {
    const host = new LocalHost(rootTree())
    const gathered = await host.gather({files: ['/proc/meminfo', '/proc/swaps'], commands: []})
    expect(gathered.files.get('/proc/meminfo')).toContain('MemTotal')
    expect(gathered.files.get('/proc/swaps')).toBeNull()
  })

  it('reads the process table, falls back to oom_adj on old kernels and skips vanished processes', async () => {
    const host = new LocalHost(rootTree())
    const {processes} = await host.gather({files: [], commands: [], processes: true})
    expect(processes).toHaveLength(1)
    expect(processes?.[0]).toMatchObject({pid: 42, oomScoreAdj: null, oomAdj: '0\n', cmdline: '/usr/sbin/sshd\0'})
  })

  it('reads the real process table of this machine, leaving memguard itself out', async () => {
    const {processes} = await new LocalHost().gather({files: [], commands: [], processes: true})
    expect(processes?.some((p) => p.pid === process.ppid)).toBe(true)
    expect(processes?.some((p) => p.pid === process.pid)).toBe(false)
  })

  it('reports a program that is not installed as not found instead of throwing', async () => {
    const result = await new LocalHost().run({id: 'x', argv: ['memguard-no-such-program-xyz']})
    expect(result).toMatchObject({notFound: true, exitCode: null})
  })

  it('kills a hung program at its timeout and says so', async () => {
    const started = Date.now()
    const result = await new LocalHost().run({id: 'hang', argv: ['sleep', '30'], timeoutMs: 300})
    expect(result.timedOut).toBe(true)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('writes atomically under the root, keeps the mode and leaves a backup', async () => {
    const root = rootTree()
    mkdirSync(join(root, 'etc/xen'), {recursive: true})
    writeFileSync(join(root, 'etc/xen/xl.conf'), 'autoballoon="on"\n')
    chmodSync(join(root, 'etc/xen/xl.conf'), 0o600)
    const host = new LocalHost(root)
    const result = await host.writeFileAtomic('/etc/xen/xl.conf', 'autoballoon="off"\n')
    expect(readFileSync(join(root, 'etc/xen/xl.conf'), 'utf8')).toBe('autoballoon="off"\n')
    expect(statSync(join(root, 'etc/xen/xl.conf')).mode & 0o777).toBe(0o600)
    expect(result.backupPath).toMatch(/^\/etc\/xen\/xl\.conf\.memguard-\d{8}T\d{6}Z\.bak$/)
    expect(readFileSync(join(root, result.backupPath ?? ''), 'utf8')).toBe('autoballoon="on"\n')
    expect(readdirSync(join(root, 'etc/xen')).filter((f) => f.includes('tmp'))).toEqual([])
  })

  it('creates a lock file exclusively in a 0700 directory, once', async () => {
    const root = rootTree()
    const host = new LocalHost(root)
    expect(await host.createExclusive('/run/memguard/lock', '123\n')).toBe(true)
    expect(await host.createExclusive('/run/memguard/lock', '456\n')).toBe(false)
    expect(statSync(join(root, 'run/memguard')).mode & 0o777).toBe(0o700)
    await host.removeFile('/run/memguard/lock')
    await host.removeFile('/run/memguard/lock')
    expect(await host.createExclusive('/run/memguard/lock', '789\n')).toBe(true)
  })

  it('starts a detached program in its own session that outlives the call', async () => {
    const host = new LocalHost()
    const pid = await host.spawnDetached(['sleep', '5'])
    expect(await host.processAlive(pid)).toBe(true)
    const sid = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[3]
    expect(Number(sid)).toBe(pid)
    process.kill(pid, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 100))
    expect(await host.processAlive(pid)).toBe(false)
  })

  it('appends to a log with O_APPEND, creating it and its directory', async () => {
    const root = rootTree()
    const host = new LocalHost(root)
    await Promise.all([host.appendFile('/var/log/memguard/audit.log', 'a\n'), host.appendFile('/var/log/memguard/audit.log', 'b\n')])
    expect(readFileSync(join(root, 'var/log/memguard/audit.log'), 'utf8').split('\n').sort()).toEqual(['', 'a', 'b'])
  })
})
