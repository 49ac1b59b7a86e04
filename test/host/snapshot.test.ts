import {mkdtempSync, mkdirSync, writeFileSync, existsSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'
import {SnapshotHost} from '../../src/host/snapshot.js'
import {redactCmdline, writeSnapshot} from '../../src/host/snapshot-writer.js'
import type {GatherPlan} from '../../src/host/host.js'
import {MemguardError} from '../../src/lib/errors.js'

const plan: GatherPlan = {
  files: ['/proc/meminfo', '/etc/xen/xl.conf'],
  commands: [
    {id: 'echo', argv: ['echo', 'hello xen']},
    {id: 'missing', argv: ['memguard-no-such-program-xyz']},
  ],
  processes: true,
}

async function captureFromRoot() {
  const root = mkdtempSync(join(tmpdir(), 'memguard-root-'))
  mkdirSync(join(root, 'proc/7'), {recursive: true})
  writeFileSync(join(root, 'proc/meminfo'), 'MemTotal: 1000 kB\n')
  writeFileSync(join(root, 'proc/7/status'), 'Name:\tmysqld\n')
  writeFileSync(join(root, 'proc/7/cmdline'), 'mysqld\0--password=hunter2\0')
  writeFileSync(join(root, 'proc/7/oom_score_adj'), '0\n')
  const gathered = await new LocalHost(root).gather(plan)
  const out = join(mkdtempSync(join(tmpdir(), 'memguard-snap-')), 'snap')
  const manifest = writeSnapshot(out, plan, gathered, {memguardVersion: '0.0.0', hostname: 'dom0', source: 'test', toolstack: null})
  return {out, manifest}
}

describe('snapshots', () => {
  it('replay exactly what was captured: files, missing files, commands and processes', async () => {
    const {out, manifest} = await captureFromRoot()
    expect(manifest.missing).toEqual(['/etc/xen/xl.conf'])
    const host = new SnapshotHost(out)
    const gathered = await host.gather(plan)
    expect(gathered.files.get('/proc/meminfo')).toBe('MemTotal: 1000 kB\n')
    expect(gathered.files.get('/etc/xen/xl.conf')).toBeNull()
    expect(gathered.commands.get('echo')).toMatchObject({exitCode: 0, stdout: 'hello xen\n'})
    expect(gathered.commands.get('missing')).toMatchObject({notFound: true})
    expect(gathered.processes?.map((p) => p.pid)).toEqual([7])
  })

  it('never capture a password from a command line', async () => {
    const {out} = await captureFromRoot()
    expect(readFileSync(join(out, 'files/proc/7/cmdline'), 'latin1')).toBe('mysqld\0--password=<redacted>\0')
  })

  it('answer a command they did not record as not captured', async () => {
    const {out} = await captureFromRoot()
    const result = await new SnapshotHost(out).run({id: 'other', argv: ['xl', 'info']})
    expect(result).toMatchObject({notCaptured: true, exitCode: null})
  })

  it('are read-only', async () => {
    const {out} = await captureFromRoot()
    await expect(new SnapshotHost(out).writeFileAtomic('/etc/xen/xl.conf', 'x')).rejects.toThrow(/read-only/)
  })

  it('refuse to overwrite a non-empty directory and leave no staging directory behind', async () => {
    const {out} = await captureFromRoot()
    const gathered = await new LocalHost('/nonexistent').gather({files: [], commands: []})
    expect(() => writeSnapshot(out, {files: [], commands: []}, gathered, {memguardVersion: '0', hostname: 'h', source: 's', toolstack: null})).toThrow(MemguardError)
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false)
  })

  it('say plainly when a directory is not a snapshot', () => {
    expect(() => new SnapshotHost(tmpdir())).toThrow(/is not a memguard snapshot/)
  })
})

describe('redactCmdline', () => {
  it('redacts key=value secrets, a secret flag followed by its value and mysql -p', () => {
    expect(redactCmdline('app\0--db-password\0s3cret\0--verbose')).toBe('app\0--db-password\0<redacted>\0--verbose')
    expect(redactCmdline('mysql\0-uroot\0-phunter2')).toBe('mysql\0-uroot\0-p<redacted>')
    expect(redactCmdline('/usr/sbin/sshd\0-D')).toBe('/usr/sbin/sshd\0-D')
  })
})
