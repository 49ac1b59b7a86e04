import {mkdtempSync, writeFileSync, mkdirSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'
import {acquireHostLock, LOCK_PATH} from '../../src/ops/lock.js'

const alive = (pid: number) => new LocalHost().processAlive(pid)

describe('the per-host change lock', () => {
  it('lets one change in and tells the second who holds it', async () => {
    const host = new LocalHost(mkdtempSync(join(tmpdir(), 'memguard-lock-')))
    const lock = await acquireHostLock(host, 'mem-set 0 1024m', alive)
    await expect(acquireHostLock(host, 'mem-set 0 2048m', alive)).rejects.toThrow(new RegExp(`another memguard is changing .*pid ${process.pid}.*mem-set 0 1024m`))
    await lock.release()
    const again = await acquireHostLock(host, 'mem-set 0 2048m', alive)
    await again.release()
  })

  it('breaks a lock whose holder process is gone and says so', async () => {
    const root = mkdtempSync(join(tmpdir(), 'memguard-lock-'))
    mkdirSync(join(root, 'run/memguard'), {recursive: true})
    const dead = {pid: 2 ** 22 + 12345, holder: hostname(), startedAt: new Date().toISOString(), command: 'mem-set 0 256m'}
    writeFileSync(join(root, LOCK_PATH), JSON.stringify(dead))
    const lock = await acquireHostLock(new LocalHost(root), 'mem-set 0 1024m', alive)
    expect(lock.brokeStale).toEqual(dead)
    await lock.release()
  })

  it('keeps a recent lock held from another machine', async () => {
    const root = mkdtempSync(join(tmpdir(), 'memguard-lock-'))
    mkdirSync(join(root, 'run/memguard'), {recursive: true})
    writeFileSync(join(root, LOCK_PATH), JSON.stringify({pid: 1, holder: 'admin-laptop', startedAt: new Date().toISOString(), command: 'mem-set 0 1g'}))
    await expect(acquireHostLock(new LocalHost(root), 'x', alive)).rejects.toThrow(/admin-laptop/)
  })
})
