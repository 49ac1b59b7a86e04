import {spawnSync} from 'node:child_process'
import {chownSync, chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {splitCmdline} from '../../src/host/process-probe.js'
import {buildCreateExclusiveScript, buildKernelWriteScript, buildProcessProbeScript, buildWriteScript, contentFunction, parseProcessProbeAnswer, parseWriteAnswer, type OwnerMethod} from '../../src/host/ssh-write.js'
import {busyboxPath} from './host-tree.js'

const has = (p: string) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0
const bb = has('busybox') ? busyboxPath() : null
const asRoot = process.getuid?.() === 0

const SHELLS: Array<{name: string; argv: [string, ...string[]]; env?: NodeJS.ProcessEnv; skip: boolean}> = [
  {name: 'dash', argv: ['dash', '-s'], skip: !has('dash')},
  {name: 'busybox ash with only busybox applets', argv: [bb ? join(bb, 'sh') : 'busybox', '-s'], env: {...process.env, PATH: bb ?? ''}, skip: !bb},
  {name: 'bash as sh (POSIX mode)', argv: ['bash', '--posix', '-s'], skip: false},
]

function run(shell: (typeof SHELLS)[number], script: string) {
  const [program, ...args] = shell.argv
  const r = spawnSync(program, args, {input: script, env: shell.env ?? process.env, encoding: 'utf8'})
  return {answer: parseWriteAnswer(r.stdout), stdout: r.stdout, stderr: r.stderr, status: r.status}
}

const dir = mkdtempSync(join(tmpdir(), 'mg-write-'))
afterAll(() => {
  rmSync(dir, {recursive: true, force: true})
  if (bb) rmSync(bb, {recursive: true, force: true})
})

const MODES = [0o640, 0o4755, 0o4644, 0o2750, 0o1777, 0o1776, 0o600, 0o444]
const METHODS: OwnerMethod[] = ['auto', 'stat', 'ls']

describe.each(SHELLS)('remote write scripts under $name', (shell) => {
  it.skipIf(shell.skip).each(METHODS)('keep owner and every mode bit (setuid, setgid, sticky) when copying them with %s', (method) => {
    for (const mode of MODES) {
      const file = join(dir, `f-${shell.name.length}-${method}-${mode.toString(8)}`)
      writeFileSync(file, 'old\n')
      if (asRoot) chownSync(file, 4321, 5432)
      chmodSync(file, mode)
      const r = run(shell, buildWriteScript({nonce: 'abcdef012345', path: file, content: 'new\n', mode: 0o644, backupPath: `${file}.bak`, ownerMethod: method}))
      expect(r.answer, r.stderr).toEqual({ok: true, value: `${file}.bak`})
      const st = statSync(file)
      expect({mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid}).toEqual({mode: mode.toString(8), uid: asRoot ? 4321 : process.getuid?.(), gid: asRoot ? 5432 : st.gid})
      expect(readFileSync(file, 'utf8')).toBe('new\n')
      expect(readFileSync(`${file}.bak`, 'utf8')).toBe('old\n')
    }
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it.skipIf(shell.skip)('creates missing parent directories readable by everyone (0755), as the local transport does', () => {
    const file = join(dir, `new-${shell.name.length}`, 'cron.service.d', '50-memguard-oom.conf')
    const r = run(shell, buildWriteScript({nonce: 'abcdef012345', path: file, content: '[Service]\n', mode: 0o644, backupPath: null}))
    expect(r.answer, r.stderr).toEqual({ok: true, value: null})
    expect((statSync(join(file, '..')).mode & 0o777).toString(8)).toBe('755')
    expect((statSync(join(file, '..', '..')).mode & 0o777).toString(8)).toBe('755')
    expect((statSync(file).mode & 0o777).toString(8)).toBe('644')
  })

  it.skipIf(shell.skip)('writes content with NULs, quotes and no final newline exactly', () => {
    const content = "a\0b'c\"d$(id)`e`\\f\n\0\0ünï 🐧"
    const file = join(dir, `exact-${shell.name.length}`)
    const r = run(shell, buildWriteScript({nonce: 'abcdef012345', path: file, content, mode: 0o600, backupPath: null}))
    expect(r.answer).toEqual({ok: true, value: null})
    expect(readFileSync(file, 'utf8')).toBe(content)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it.skipIf(shell.skip)('creates exclusively: once true, then "exists", with the requested modes', () => {
    const lock = join(dir, `lockdir-${shell.name.length}`, 'sub', 'lock')
    const script = buildCreateExclusiveScript({path: lock, content: 'pid 42\n', mode: 0o640, dirMode: 0o750})
    expect(run(shell, script).answer).toEqual({ok: true, value: 'created'})
    expect(run(shell, script).answer).toEqual({ok: true, value: 'exists'})
    expect(readFileSync(lock, 'utf8')).toBe('pid 42\n')
    expect(statSync(lock).mode & 0o777).toBe(0o640)
    expect(statSync(join(lock, '..')).mode & 0o777).toBe(0o750)
    expect(statSync(join(lock, '..', '..')).mode & 0o777).toBe(0o750)
  })

  it.skipIf(shell.skip)('a kernel-style write is a plain in-place write and reports failure', () => {
    const file = join(dir, `kernel-${shell.name.length}`)
    writeFileSync(file, 'x')
    const inode = statSync(file).ino
    expect(run(shell, buildKernelWriteScript(file, '1\n')).answer).toEqual({ok: true, value: null})
    expect(readFileSync(file, 'utf8')).toBe('1\n')
    expect(statSync(file).ino).toBe(inode)
    const r = run(shell, buildKernelWriteScript(join(dir, 'no-such-dir', 'x'), '1\n'))
    expect(r.answer).toMatchObject({ok: false, message: expect.stringContaining('cannot write to')})
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false)
  })

  it.skipIf(shell.skip)('probes a process: its argv byte for byte (NULs, spaces, UTF-8), or gone', () => {
    const r = run(shell, buildProcessProbeScript(process.pid))
    expect(r.answer?.ok, r.stderr).toBe(true)
    const expected = splitCmdline(readFileSync(`/proc/${process.pid}/cmdline`, 'utf8'))
    expect(parseProcessProbeAnswer(r.answer?.ok ? r.answer.value : null)).toEqual({status: 'alive', argv: expected})
    // A pid above the kernel's largest possible pid_max never exists.
    const gone = run(shell, buildProcessProbeScript(4_194_305))
    expect(parseProcessProbeAnswer(gone.answer?.ok ? gone.answer.value : null)).toEqual({status: 'gone'})
  })
})

describe('contentFunction', () => {
  it('splits long content into chunks without breaking a surrogate pair', () => {
    const content = 'a'.repeat(32 * 1024 - 1) + '🐧' + 'b'
    const r = spawnSync('sh', ['-s'], {input: `${contentFunction(content)}\nmg_content\n`, encoding: 'utf8'})
    expect(r.stdout).toBe(content)
  })
})
