import {execFileSync, spawn} from 'node:child_process'
import {chownSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, constants} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {GatherPlan} from '../../src/host/host.js'
import {LocalHost} from '../../src/host/local.js'
import {openHost} from '../../src/host/open.js'
import {SshHost, type SshHostOptions} from '../../src/host/ssh.js'
import {MemguardError} from '../../src/lib/errors.js'
import {armRollback, checkRollbacks, readRollbacks, ROLLBACK_STATE_PATH} from '../../src/ops/rollback.js'
import {processGone, waitFor} from '../helpers/process.js'
import {BINARY, comparable, hostileArgs, makeHostTree, type HostTree} from './host-tree.js'
import {makeSshWrapper, sshdUnavailable, startSshd, type SshdFixture} from './sshd-fixture.js'

const skipReason = sshdUnavailable()
if (skipReason) console.warn(`ssh transport tests skipped: ${skipReason}`)

describe.skipIf(skipReason !== null)('the ssh transport against a real sshd', () => {
  let sshd: SshdFixture
  let tree: HostTree
  const opened: SshHost[] = []

  beforeAll(async () => {
    sshd = await startSshd()
    tree = makeHostTree()
  })
  afterAll(async () => {
    await Promise.all(opened.map((h) => h.close()))
    await sshd?.stop()
    tree?.cleanup()
  })

  function host(options: SshHostOptions = {}, target = sshd.target): SshHost {
    const h = new SshHost(target, {sshArgs: sshd.sshArgs, ...options})
    opened.push(h)
    return h
  }

  async function failure(promise: Promise<unknown>): Promise<MemguardError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(MemguardError)
    return error as MemguardError
  }

  /** A copy of the client config with some lines replaced (another key, another known_hosts). */
  function configWith(replace: Record<string, string>): string[] {
    let text = readFileSync(sshd.config, 'utf8')
    for (const [key, value] of Object.entries(replace)) text = text.replace(new RegExp(`^(\\s*)${key} .*$`, 'm'), `$1${key} ${value}`)
    const file = join(sshd.dir, `ssh_config.${Object.keys(replace).join('-')}`)
    writeFileSync(file, text)
    return ['-F', file]
  }

  describe('reading', () => {
    it('gather returns what LocalHost returns for the same plan under a --root tree', async () => {
      const remote = await host({root: tree.root}).gather(tree.plan)
      const local = await new LocalHost(tree.root).gather(tree.plan)
      expect(comparable(remote)).toEqual(comparable(local))
      expect(existsSync(tree.pwned)).toBe(false)
    })

    it('gather reads the real /proc of this machine like LocalHost does', async () => {
      const plan: GatherPlan = {files: ['/proc/meminfo', '/proc/1/cmdline', '/proc/1/status', '/etc/hostname'], dirs: ['/etc/ssh'], commands: [{id: 'uname', argv: ['uname', '-r']}], processes: true}
      const remote = await host().gather(plan)
      const local = await new LocalHost().gather(plan)
      for (const path of ['/proc/1/cmdline', '/etc/hostname']) expect(remote.files.get(path)).toBe(local.files.get(path))
      expect(remote.files.get('/proc/meminfo')).toMatch(/^MemTotal:/)
      expect(remote.dirs.get('/etc/ssh')).toEqual(local.dirs.get('/etc/ssh'))
      expect(remote.commands.get('uname')).toMatchObject({exitCode: 0, stdout: local.commands.get('uname')?.stdout})
      const n = local.processes?.length ?? 0
      expect(Math.abs((remote.processes?.length ?? 0) - n)).toBeLessThan(Math.max(25, n * 0.2))
      const sshdProcess = remote.processes?.find((p) => p.pid === process.pid)
      expect(sshdProcess?.cmdline).toBe(readFileSync(`/proc/${process.pid}/cmdline`, 'latin1'))
    })

    it('a Host alias from the ssh config works (the config is honoured, not replaced)', async () => {
      const g = await host({}, 'mgtest').gather({files: ['/etc/hostname'], commands: []})
      expect(g.files.get('/etc/hostname')).toBe(readFileSync('/etc/hostname', 'utf8'))
    })

    it('each read phase is ONE ssh invocation, the master connection is shared, and close ends it with one more', async () => {
      const wrapper = makeSshWrapper()
      const savedPath = process.env.PATH
      process.env.PATH = `${wrapper.dir}:${savedPath}`
      const h = new SshHost(sshd.target, {sshArgs: sshd.sshArgs, root: tree.root})
      try {
        await h.gather(tree.plan)
        expect(wrapper.calls()).toHaveLength(1)
        const controlPath = wrapper.calls()[0]?.find((a) => a.startsWith('ControlPath='))?.slice('ControlPath='.length) as string
        expect(statSync(join(controlPath, '..')).mode & 0o777).toBe(0o700)
        expect(statSync(controlPath).isSocket()).toBe(true)
        await h.readFile('/proc/meminfo')
        await h.listDir('/etc/xen')
        await h.run({id: 'true', argv: ['true']})
        expect(wrapper.calls()).toHaveLength(4)
        expect(h.invocations).toBe(4)
        expect(wrapper.calls().every((argv) => argv.includes('BatchMode=yes') && argv.at(-1) === 'exec /bin/sh -s')).toBe(true)
        await h.close()
        expect(wrapper.calls()).toHaveLength(5)
        expect(wrapper.calls()[4]).toContain('-O')
        expect(existsSync(controlPath)).toBe(false)
        expect(existsSync(join(controlPath, '..'))).toBe(false)
      } finally {
        process.env.PATH = savedPath
        await h.close()
        rmSync(wrapper.dir, {recursive: true, force: true})
      }
    })

    it('a domain name like "x; rm -rf /" is data, never code', async () => {
      const args = hostileArgs(tree.pwned)
      const h = host()
      const result = await h.run({id: 'echo', argv: ['printf', '%s\\0', ...args]})
      expect(result.stdout.split('\0').slice(0, -1)).toEqual(args)
      const xl = await h.run({id: 'xl', argv: ['echo', 'mem-set', 'x; rm -rf /', '512m']})
      expect(xl.stdout).toBe('mem-set x; rm -rf / 512m\n')
      const hostile = '/data/x; touch PWNED'
      expect(await host({root: tree.root}).readFile(hostile)).toBe('hostile name\n')
      expect(existsSync(tree.pwned)).toBe(false)
    })

    it('binary data and NULs survive the trip byte for byte', async () => {
      const g = await host({root: tree.root}).gather({files: [], commands: [], processes: true})
      const weird = g.processes?.find((p) => p.pid === 400)
      expect(Buffer.from(weird?.cmdline ?? '', 'latin1')).toEqual(BINARY)
      const r = await host().run({id: 'cat', argv: ['od', '-An', '-v', '-tx1', join(tree.root, 'data/binary.bin')]})
      expect(r.stdout).toBe(execFileSync('od', ['-An', '-v', '-tx1', join(tree.root, 'data/binary.bin')], {encoding: 'utf8'}))
    })

    it('a remote command that hangs is killed at its time limit, and the others still answer', async () => {
      const started = Date.now()
      const g = await host().gather({files: ['/proc/meminfo'], commands: [{id: 'hang', argv: ['sleep', '60'], timeoutMs: 1500}, {id: 'ok', argv: ['echo', 'ok']}]})
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(g.commands.get('hang')).toMatchObject({timedOut: true, exitCode: null})
      expect(g.commands.get('ok')).toMatchObject({exitCode: 0, stdout: 'ok\n'})
    })

    it('a remote read that hangs ends in an error naming the host, not a hung memguard', async () => {
      const fifo = join(tree.root, 'data/fifo')
      execFileSync('mkfifo', [fifo])
      const h = host({root: tree.root, slackMs: 1500, connectTimeoutSec: 2})
      try {
        const started = Date.now()
        const error = await failure(h.readFile('/data/fifo'))
        expect(Date.now() - started).toBeLessThan(15_000)
        expect(error.message).toContain(sshd.target)
        expect(error.message).toMatch(/did not answer within \d+ s/)
        expect(error.exitCode).toBe(1)
      } finally {
        // Release the remote `cat` still blocked on the FIFO.
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
        } catch {
          // no reader left
        }
        rmSync(fifo)
      }
    })
  })

  describe('connection failures name the host and exit 1', () => {
    it('an unreachable port is "connection refused"', async () => {
      const closed = `${sshd.user}@127.0.0.1:1`
      const error = await failure(host({}, closed).gather({files: ['/proc/meminfo'], commands: []}))
      expect(error.message).toBe(`cannot connect to ${closed}: connection refused (ssh: connect to host 127.0.0.1 port 1: Connection refused)`)
      expect(error.exitCode).toBe(1)
      expect(error.hint).toMatch(/sshd running/)
    })

    it('a key the host does not accept is an authentication failure', async () => {
      const sshArgs = configWith({IdentityFile: sshd.strangerKey})
      const error = await failure(host({sshArgs}).readFile('/etc/hostname'))
      expect(error.message).toMatch(new RegExp(`^authentication to ${sshd.target.replaceAll('.', '\\.')} failed`))
      expect(error.message).toContain('Permission denied')
      expect(error.hint).toMatch(/BatchMode/)
    })

    it('a host key that does not match known_hosts is refused as a possible man in the middle', async () => {
      const knownHosts = join(sshd.dir, 'known_hosts.wrong')
      writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${readFileSync(`${sshd.strangerKey}.pub`, 'utf8')}`)
      const error = await failure(host({sshArgs: configWith({UserKnownHostsFile: knownHosts})}).readFile('/etc/hostname'))
      expect(error.message).toMatch(/^the host key of .* does not match the one in known_hosts/)
      expect(error.message).toContain(sshd.target)
      expect(error.hint).toMatch(/ssh-keygen -R/)
    })

    it('an unknown host key is refused in batch mode, never accepted', async () => {
      const knownHosts = join(sshd.dir, 'known_hosts.empty')
      writeFileSync(knownHosts, '')
      const error = await failure(host({sshArgs: configWith({UserKnownHostsFile: knownHosts})}).readFile('/etc/hostname'))
      expect(error.message).toMatch(/^the host key of .* is not known/)
      expect(readFileSync(knownHosts, 'utf8')).toBe('')
    })

    it('a connection that drops mid-command is reported as dropped, and the next round trip reconnects', async () => {
      const h = host()
      await h.readFile('/etc/hostname') // the master connection is up
      const pending = failure(h.gather({files: [], commands: [{id: 'long', argv: ['sleep', '6']}]}))
      await new Promise((r) => setTimeout(r, 1500))
      for (const pid of sshd.sshdSessionPids()) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      const error = await pending
      expect(error.message).toMatch(new RegExp(`^the connection to ${sshd.target.replaceAll('.', '\\.')} dropped`))
      expect(await h.readFile('/etc/hostname')).toBe(readFileSync('/etc/hostname', 'utf8'))
    })

    it('a missing ssh program is a clear error', async () => {
      const error = await failure(new SshHost(sshd.target, {ssh: '/nonexistent/ssh', multiplex: false}).readFile('/etc/hostname'))
      expect(error.message).toMatch(/cannot run \/nonexistent\/ssh/)
    })
  })

  describe('writing', () => {
    const methods = ['auto', 'stat', 'ls'] as const

    it.each(methods)('an atomic write keeps owner and mode and leaves a timestamped backup (owner copied with %s)', async (ownerMethod) => {
      const dir = join(tree.root, `etc/write-${ownerMethod}`)
      mkdirSync(dir, {recursive: true})
      const file = join(dir, 'xl.conf')
      writeFileSync(file, 'autoballoon="auto"\n', {mode: 0o640})
      const asRoot = process.getuid?.() === 0
      if (asRoot) chownSync(file, 1234, 2345)
      const before = statSync(file)
      const h = host({root: tree.root, ownerMethod})
      const result = await h.writeFileAtomic(`/etc/write-${ownerMethod}/xl.conf`, 'autoballoon="off"\n')
      expect(readFileSync(file, 'utf8')).toBe('autoballoon="off"\n')
      const after = statSync(file)
      expect([after.mode & 0o7777, after.uid, after.gid]).toEqual([0o640, before.uid, before.gid])
      expect(after.ino).not.toBe(before.ino) // replaced by rename, not rewritten in place
      expect(result.backupPath).toMatch(/^\/etc\/write-\w+\/xl\.conf\.memguard-\d{8}T\d{6}Z\.bak$/)
      const backup = join(tree.root, result.backupPath as string)
      expect(readFileSync(backup, 'utf8')).toBe('autoballoon="auto"\n')
      expect(statSync(backup).mode & 0o7777).toBe(0o640)
      expect(statSync(backup).uid).toBe(before.uid)
      expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([])
    })

    it('a new file gets the requested mode and no backup; content with NULs and quotes is exact', async () => {
      const content = `it's "quoted" $(id) \`id\` \\ \0 nul\nünï 🐧\nno newline at end`
      const h = host({root: tree.root})
      const result = await h.writeFileAtomic('/etc/new/dir/memguard.conf', content, {mode: 0o600})
      expect(result.backupPath).toBeNull()
      const file = join(tree.root, 'etc/new/dir/memguard.conf')
      expect(readFileSync(file, 'utf8')).toBe(content)
      expect(statSync(file).mode & 0o7777).toBe(0o600)
    })

    it('a large file is written exactly', async () => {
      const content = 'x'.repeat(100_000) + '\n' + "'".repeat(70_000) + '🐧'.repeat(20_000)
      await host({root: tree.root}).writeFileAtomic('/etc/large.conf', content)
      expect(readFileSync(join(tree.root, 'etc/large.conf'), 'utf8')).toBe(content)
    })

    it('a write through a symlink replaces the file it names and keeps the link', async () => {
      const real = join(tree.root, 'etc/real.cfg')
      writeFileSync(real, 'old\n', {mode: 0o644})
      execFileSync('ln', ['-sf', 'real.cfg', join(tree.root, 'etc/link.cfg')])
      await host({root: tree.root}).writeFileAtomic('/etc/link.cfg', 'new\n', {backup: false})
      expect(readFileSync(real, 'utf8')).toBe('new\n')
      expect(execFileSync('readlink', [join(tree.root, 'etc/link.cfg')], {encoding: 'utf8'}).trim()).toBe('real.cfg')
    })

    it('a write to a hostile path name writes exactly that file', async () => {
      const name = "/etc/dom'; touch PWNED; '.cfg"
      await host({root: tree.root}).writeFileAtomic(name, 'name = "x; rm -rf /"\n')
      expect(readFileSync(join(tree.root, name), 'utf8')).toBe('name = "x; rm -rf /"\n')
      expect(existsSync(tree.pwned)).toBe(false)
      expect(existsSync(join(tree.root, 'etc/PWNED'))).toBe(false)
    })

    it('a failed write (target is a directory) changes nothing and names the host', async () => {
      mkdirSync(join(tree.root, 'etc/adir'), {recursive: true})
      const error = await failure(host({root: tree.root}).writeFileAtomic('/etc/adir', 'x'))
      expect(error.message).toMatch(/could not write \/etc\/adir on .*: .* exists and is not a regular file/)
      expect(readdirSync(join(tree.root, 'etc/adir'))).toEqual([])
    })

    it('a rename that fails (immutable file) leaves the old file and no temporary file', async (ctx) => {
      const file = join(tree.root, 'etc/immutable.conf')
      writeFileSync(file, 'old\n')
      try {
        execFileSync('chattr', ['+i', file], {stdio: 'ignore'})
      } catch {
        ctx.skip('chattr +i is not possible here')
      }
      try {
        const error = await failure(host({root: tree.root}).writeFileAtomic('/etc/immutable.conf', 'new\n', {backup: false}))
        expect(error.message).toMatch(/could not write \/etc\/immutable\.conf on .*: cannot rename/)
        expect(error.hint).toMatch(/left as it was/)
      } finally {
        execFileSync('chattr', ['-i', file])
      }
      expect(readFileSync(file, 'utf8')).toBe('old\n')
      expect(readdirSync(join(tree.root, 'etc')).filter((n) => n.includes('memguard') && n.endsWith('.tmp'))).toEqual([])
    })

    it('a full disk during the write leaves the old file and no temporary file', async (ctx) => {
      const mnt = mkdtempSync(join(tmpdir(), 'mg-full-'))
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], {stdio: 'ignore'})
      } catch {
        rmSync(mnt, {recursive: true, force: true})
        ctx.skip('cannot mount a small tmpfs here')
      }
      try {
        writeFileSync(join(mnt, 'dom0.conf'), 'old\n')
        const error = await failure(new SshHost(sshd.target, {sshArgs: sshd.sshArgs, root: mnt, multiplex: false}).writeFileAtomic('/dom0.conf', 'y'.repeat(512 * 1024), {backup: false}))
        expect(error.message).toMatch(/could not write \/dom0\.conf on .*: cannot write/)
        expect(readFileSync(join(mnt, 'dom0.conf'), 'utf8')).toBe('old\n')
        expect(readdirSync(mnt)).toEqual(['dom0.conf'])
      } finally {
        execFileSync('umount', [mnt])
        rmSync(mnt, {recursive: true, force: true})
      }
    })

    it('writeKernelFile writes in place, and a value the kernel rejects is an error naming the host', async () => {
      const child = spawn('sleep', ['60'], {stdio: 'ignore'})
      try {
        const h = host()
        // Raising needs no CAP_SYS_RESOURCE (which even root may lack in a container).
        await h.writeKernelFile(`/proc/${child.pid}/oom_score_adj`, '500\n')
        expect(readFileSync(`/proc/${child.pid}/oom_score_adj`, 'utf8')).toBe('500\n')
        const error = await failure(h.writeKernelFile(`/proc/${child.pid}/oom_score_adj`, 'lots\n'))
        expect(error.message).toMatch(new RegExp(`^could not write lots to /proc/${child.pid}/oom_score_adj on ${sshd.target.replaceAll('.', '\\.')}`))
      } finally {
        child.kill()
      }
    })

    it('appendFile creates the log and its directory, then appends without rewriting', async () => {
      const h = host({root: tree.root})
      await h.appendFile('/var/log/memguard/audit.log', '{"n":1}\n')
      await h.appendFile('/var/log/memguard/audit.log', '{"n":2}\n')
      expect(readFileSync(join(tree.root, 'var/log/memguard/audit.log'), 'utf8')).toBe('{"n":1}\n{"n":2}\n')
      expect(statSync(join(tree.root, 'var/log/memguard/audit.log')).mode & 0o777).toBe(0o640)
    })

    it('createExclusive creates once, removeFile removes, and a missing file is no error', async () => {
      const h = host({root: tree.root})
      expect(await h.createExclusive('/run/memguard/lock', 'pid 1\n')).toBe(true)
      expect(await h.createExclusive('/run/memguard/lock', 'pid 2\n')).toBe(false)
      const lock = join(tree.root, 'run/memguard/lock')
      expect(readFileSync(lock, 'utf8')).toBe('pid 1\n')
      expect(statSync(lock).mode & 0o777).toBe(0o600)
      expect(statSync(join(lock, '..')).mode & 0o777).toBe(0o700)
      await h.removeFile('/run/memguard/lock')
      expect(existsSync(lock)).toBe(false)
      await h.removeFile('/run/memguard/lock')
    })

    it('spawnDetached starts a program in its own session that outlives the connection; processAlive sees it', async () => {
      const h = host()
      const pid = await h.spawnDetached(['sleep', '60'])
      try {
        await h.close()
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        expect(stat).toContain('(sleep)')
        expect(Number(fields[3])).toBe(pid) // session id: its own session
        expect(await h.processAlive(pid)).toBe(true)
        expect(await h.probeProcess(pid)).toEqual({status: 'alive', argv: ['sleep', '60']})
      } finally {
        process.kill(pid, 'SIGKILL')
      }
      // A pid above the kernel's largest possible pid_max never exists.
      expect(await h.processAlive(4_194_305)).toBe(false)
      expect(await h.probeProcess(4_194_305)).toEqual({status: 'gone'})
      await expect(h.spawnDetached(['memguard-no-such-program'])).rejects.toThrow(/command not found/)
    })

    it('tells an armed dead-man rollback from an orphaned one over ssh (--root)', async () => {
      const h = host({root: tree.root})
      const state = await armRollback(h, {domain: {id: 0, name: 'Domain-0'}, previousKiB: 1572864, newKiB: 1048576, balloon: 'none', toolstack: 'none', confirmWithinMs: 120_000})
      const pid = state.reverterPid as number
      try {
        expect(await checkRollbacks(h, await readRollbacks(h))).toEqual([expect.objectContaining({condition: 'armed', reverter: expect.objectContaining({pid, running: true})})])
      } finally {
        process.kill(pid, 'SIGKILL')
      }
      expect(await waitFor(() => processGone(pid), 10_000)).toBe(true)
      expect(await checkRollbacks(h, await readRollbacks(h))).toEqual([expect.objectContaining({condition: 'orphaned', reverter: expect.objectContaining({pid, running: false})})])
      await h.removeFile(ROLLBACK_STATE_PATH)
    })
  })
})

describe('openHost with --host', () => {
  it('returns an SshHost labelled with the target, without connecting', async () => {
    const h = await openHost({host: ['root@dom0.example:2222']})
    expect(h).toBeInstanceOf(SshHost)
    expect(h.kind).toBe('ssh')
    expect(h.label).toBe('root@dom0.example:2222')
    await h.close()
  })

  it('refuses several hosts for a single-host command, and --host with --root', async () => {
    await expect(openHost({host: ['a', 'b']})).rejects.toMatchObject({exitCode: 2})
    await expect(openHost({host: ['a'], root: '/tmp'})).rejects.toMatchObject({exitCode: 2})
    await expect(openHost({host: ['-oProxyCommand=touch /tmp/x']})).rejects.toMatchObject({exitCode: 2})
  })
})
