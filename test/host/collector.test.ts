import {execFileSync, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildCollectorScript, collectorToGathered, CollectorFormatError, parseCollectorOutput} from '../../src/host/collector.js'
import type {GatherPlan} from '../../src/host/host.js'
import {LocalHost} from '../../src/host/local.js'
import {BINARY, busyboxPath, comparable, hostileArgs, makeHostTree, type HostTree} from './host-tree.js'

// Random per run, as in production: the nonce also names the collector's temporary directory.
const NONCE = randomBytes(16).toString('hex')
const SECRET = randomBytes(16).toString('hex')

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0
}

const bbPath = has('busybox') ? busyboxPath() : null
const busybox = bbPath ? join(bbPath, 'sh') : 'busybox'

interface Shell {
  name: string
  argv: [string, ...string[]]
  env?: NodeJS.ProcessEnv
  missing?: string
}

/** The shells a dom0 may have as /bin/sh: Debian's dash, busybox ash (with only busybox tools), bash in POSIX mode (RHEL5). */
const SHELLS: Shell[] = [
  {name: 'dash', argv: ['dash', '-s'], missing: has('dash') ? undefined : 'dash is not installed'},
  {name: 'busybox ash with only busybox applets', argv: [busybox, '-s'], env: {...process.env, PATH: bbPath ?? ''}, missing: bbPath ? undefined : 'busybox is not installed'},
  {name: 'bash as sh (POSIX mode, as on RHEL5)', argv: ['bash', '--posix', '-s']},
]

function runScript(shell: Shell, script: string): Buffer {
  const [program, ...args] = shell.argv
  const result = spawnSync(program, args, {input: script, env: shell.env ?? process.env, maxBuffer: 256 * 1024 * 1024, timeout: 60_000})
  if (result.error) throw result.error
  return result.stdout
}

function collect(shell: Shell, plan: GatherPlan, root?: string) {
  const out = runScript(shell, buildCollectorScript(plan, {nonce: NONCE, secret: SECRET, root}))
  return parseCollectorOutput(out, NONCE, SECRET)
}

let tree: HostTree
beforeAll(() => {
  tree = makeHostTree()
})
afterAll(() => {
  tree.cleanup()
  if (bbPath) rmSync(bbPath, {recursive: true, force: true})
})

describe.each(SHELLS)('the collector under $name', (shell) => {
  it.skipIf(shell.missing !== undefined)('returns exactly what LocalHost returns for the same plan', async () => {
    const parsed = collect(shell, tree.plan, tree.root)
    expect(parsed.complete).toBe(true)
    expect(parsed.errors).toEqual([])
    const remote = collectorToGathered(tree.plan, parsed)
    const local = await new LocalHost(tree.root).gather(tree.plan)
    expect(comparable(remote)).toEqual(comparable(local))
    expect(existsSync(tree.pwned)).toBe(false)
  })

  it.skipIf(shell.missing !== undefined)('keeps every byte of binary files and command output, NULs and framing look-alikes included', () => {
    const plan: GatherPlan = {files: ['/data/binary.bin'], commands: [{id: 'cat', argv: ['cat', `${tree.root}/data/binary.bin`]}], processes: true}
    const parsed = collect(shell, plan, tree.root)
    expect(parsed.entries.get('f0/0')).toEqual(BINARY)
    expect(parsed.entries.get('c/0.o')).toEqual(BINARY)
    const weird = collectorToGathered(plan, parsed).processes?.find((p) => p.pid === 400)
    expect(Buffer.from(weird?.cmdline ?? '', 'latin1')).toEqual(BINARY)
  })

  it.skipIf(shell.missing !== undefined)('reads the legacy oom_adj only where oom_score_adj is missing, and skips vanished processes', () => {
    const g = collectorToGathered(tree.plan, collect(shell, tree.plan, tree.root))
    const byPid = new Map(g.processes?.map((p) => [p.pid, p]))
    expect([...byPid.keys()]).toEqual([100, 200, 400])
    expect(byPid.get(100)).toMatchObject({oomScoreAdj: '-1000\n', oomAdj: null, cmdline: 'sshd: /usr/sbin/sshd -D\0[listener]\0'})
    expect(byPid.get(200)).toMatchObject({oomScoreAdj: null, oomAdj: '-17\n', cmdline: '', stat: expect.stringContaining('(xenstored)')})
  })

  it.skipIf(shell.missing !== undefined)('kills a hanging program at its time limit and still answers for the others', () => {
    const plan: GatherPlan = {
      files: ['/proc/meminfo'],
      commands: [
        {id: 'hang', argv: ['sleep', '30'], timeoutMs: 1000},
        {id: 'ignores-term', argv: ['sh', '-c', 'trap "" TERM; sleep 30'], timeoutMs: 1000},
        {id: 'quick', argv: ['echo', 'ok']},
      ],
    }
    const started = Date.now()
    const g = collectorToGathered(plan, collect(shell, plan, tree.root))
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(g.commands.get('hang')).toMatchObject({timedOut: true, exitCode: null, notFound: false})
    expect(g.commands.get('ignores-term')).toMatchObject({timedOut: true, exitCode: null})
    expect(g.commands.get('quick')).toMatchObject({timedOut: false, exitCode: 0, stdout: 'ok\n'})
    expect(g.files.get('/proc/meminfo')).toContain('MemTotal')
  })

  it.skipIf(shell.missing !== undefined)('tells a program that is not installed from one that fails', () => {
    const plan: GatherPlan = {files: [], commands: [{id: 'nf', argv: ['memguard-not-here']}, {id: 'fails', argv: ['sh', '-c', 'exit 127']}, {id: 'abs', argv: ['/nonexistent/xl', 'info']}]}
    const g = collectorToGathered(plan, collect(shell, plan))
    expect(g.commands.get('nf')).toMatchObject({notFound: true, exitCode: null, stderr: 'memguard-not-here: command not found'})
    expect(g.commands.get('fails')).toMatchObject({notFound: false, exitCode: 127})
    expect(g.commands.get('abs')).toMatchObject({notFound: true})
  })

  it.skipIf(shell.missing !== undefined)('reads the real /proc of this machine', async () => {
    const plan: GatherPlan = {files: ['/proc/meminfo', '/proc/1/cmdline'], commands: [], processes: true}
    const remote = collectorToGathered(plan, collect(shell, plan))
    const local = await new LocalHost().gather(plan)
    expect(remote.files.get('/proc/1/cmdline')).toBe(local.files.get('/proc/1/cmdline'))
    const remoteCount = remote.processes?.length ?? 0
    const localCount = local.processes?.length ?? 0
    expect(Math.abs(remoteCount - localCount)).toBeLessThan(Math.max(25, localCount * 0.2))
    const one = remote.processes?.find((p) => p.pid === 1)
    expect(one?.cmdline).toBe(local.processes?.find((p) => p.pid === 1)?.cmdline)
  })

  it.skipIf(shell.missing !== undefined)('leaves no temporary directory behind', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'mg-tmpdir-'))
    try {
      const [program, ...args] = shell.argv
      spawnSync(program, args, {input: buildCollectorScript(tree.plan, {nonce: NONCE, secret: SECRET, root: tree.root}), env: {...(shell.env ?? process.env), TMPDIR: tmp}})
      expect(execFileSync('ls', ['-A', tmp], {encoding: 'utf8'})).toBe('')
    } finally {
      rmSync(tmp, {recursive: true, force: true})
    }
  })
})

describe('the collector framing', () => {
  it('survives any file content, byte for byte (property, under dash)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-prop-'))
    try {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({maxLength: 300}), {minLength: 1, maxLength: 4}), (contents) => {
          const plan: GatherPlan = {files: contents.map((_, i) => `/f${i}`), commands: []}
          contents.forEach((c, i) => writeFileSync(join(dir, `f${i}`), c))
          const parsed = parseCollectorOutput(runScript(SHELLS[0] as Shell, buildCollectorScript(plan, {nonce: NONCE, secret: SECRET, root: dir})), NONCE, SECRET)
          contents.forEach((c, i) => expect(parsed.entries.get(`f0/${i}`)).toEqual(Buffer.from(c)))
        }),
        {numRuns: has('dash') ? 25 : 1},
      )
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('passes hostile program arguments through as data', () => {
    const args = hostileArgs(tree.pwned)
    const plan: GatherPlan = {files: [], commands: [{id: 'echo', argv: ['printf', '%s\\0', ...args]}]}
    const g = collectorToGathered(plan, collect(SHELLS[2] as Shell, plan))
    expect(g.commands.get('echo')?.stdout.split('\0').slice(0, -1)).toEqual(args)
    expect(existsSync(tree.pwned)).toBe(false)
  })

  it('skips whatever a login script prints before the start marker', () => {
    const out = Buffer.concat([Buffer.from('Welcome to dom0!\nMGSTART 0123 1 not ours\n'), Buffer.from(`MGSTART ${NONCE} 1\nMGREC status 0\n\nMGEND ${NONCE} 0\n`)])
    const parsed = parseCollectorOutput(out, NONCE, SECRET)
    expect(parsed).toMatchObject({started: true, complete: true, endStatus: 0})
  })

  it('reports output cut off mid-record as incomplete, not as data', () => {
    const whole = Buffer.from(`MGSTART ${NONCE} 1\nMGREC index 6\n3 f0/0\nMGREC data 3\nabc\nMGEND ${NONCE} 0\n`)
    expect(parseCollectorOutput(whole, NONCE, SECRET).entries.get('f0/0')?.toString()).toBe('abc')
    for (let cut = 0; cut < whole.length - 1; cut++) {
      const parsed = parseCollectorOutput(whole.subarray(0, cut), NONCE, SECRET)
      expect(parsed.complete).toBe(false)
    }
  })

  it('rejects an index that does not add up to its data', () => {
    const out = Buffer.from(`MGSTART ${NONCE} 1\nMGREC index 6\n4 f0/0\nMGREC data 3\nabc\nMGEND ${NONCE} 0\n`)
    expect(() => parseCollectorOutput(out, NONCE, SECRET)).toThrow(CollectorFormatError)
  })

  it('splits the process table at the secret separators and checks them against the list', () => {
    const sep = `\0${SECRET}\0`
    const rec = (kind: string, data: string) => `MGREC ${kind} ${Buffer.byteLength(data)}\n${data}\n`
    const frame = (list: string, data: string) => Buffer.from(`MGSTART ${NONCE} 1\n${rec('plist', list)}${rec('pdata', data)}MGEND ${NONCE} 0\n`)
    const data = `Name:\tinit\n${sep}a\0\0b\0\0${sep}`
    const parsed = parseCollectorOutput(frame('7 status\n7 cmdline\n', data), NONCE, SECRET)
    expect(parsed.entries.get('p/7/status')?.toString()).toBe('Name:\tinit\n')
    expect(parsed.entries.get('p/7/cmdline')?.toString()).toBe('a\0\0b\0\0')
    expect(() => parseCollectorOutput(frame('7 status\n7 cmdline\n7 stat\n', data), NONCE, SECRET)).toThrow(/ends before p\/7\/stat/)
    expect(() => parseCollectorOutput(frame('7 status\n', data), NONCE, SECRET)).toThrow(/more segments/)
    expect(() => parseCollectorOutput(frame('7 status\n7 cmdline\n', data), NONCE, 'another0secret0')).toThrow(CollectorFormatError)
  })

  it('rejects a record that is not followed by a newline', () => {
    const out = Buffer.from(`MGSTART ${NONCE} 1\nMGREC status 2\nabc\nMGEND ${NONCE} 0\n`)
    expect(() => parseCollectorOutput(out, NONCE, SECRET)).toThrow(/not followed by a newline/)
  })

  it('refuses plan paths that are not absolute and a nonce that could break the script', () => {
    expect(() => buildCollectorScript({files: ['etc/passwd'], commands: []}, {nonce: NONCE, secret: SECRET})).toThrow(/absolute/)
    expect(() => buildCollectorScript({files: [], commands: []}, {nonce: "x'; rm -rf /", secret: SECRET})).toThrow(/nonce/)
  })
})
