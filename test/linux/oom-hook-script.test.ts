import {execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {hasCapSysResource, sleep} from '../helpers/process.js'
import {buildHookScript, defaultsFileBlock, HOOK_SCRIPT_PATH, isSafeProcessName, rcLocalBlock, upsertBlock, type HookEntry} from '../../src/linux/oom-hook-script.js'
import {put, read} from '../ops/protect-trees.js'

const ENTRIES: HookEntry[] = [
  {name: 'sshd', scoreAdj: -1000, oomAdj: -17, why: 'sshd: the listener only'},
  {name: 'crond', scoreAdj: -100, oomAdj: -4, why: 'cron: a handicap'},
  {name: 'xenconsoled', scoreAdj: -1000, oomAdj: -17, why: 'never chosen'},
]

const shells = ['dash', 'bash'].filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0)


/** A fake /proc entry: status (Name, PPid) and the oom knob of a 2.6.18 or a modern kernel. */
function fakeProcess(root: string, pid: number, name: string, ppid: number, knob: 'oom_adj' | 'oom_score_adj', value = 0): void {
  put(root, `/proc/${pid}/status`, `Name:\t${name}\nState:\tS (sleeping)\nTgid:\t${pid}\nPid:\t${pid}\nPPid:\t${ppid}\n`)
  put(root, `/proc/${pid}/${knob}`, `${value}\n`)
}

function installHook(root: string, entries = ENTRIES): string {
  const path = join(root, HOOK_SCRIPT_PATH)
  put(root, HOOK_SCRIPT_PATH, buildHookScript(entries), 0o755)
  return path
}

function runHook(root: string, args: string[], shell = 'sh'): {status: number | null; stderr: string} {
  const r = spawnSync(shell, [join(root, HOOK_SCRIPT_PATH), ...args], {env: {...process.env, MEMGUARD_ROOT: root}, encoding: 'utf8'})
  return {status: r.status, stderr: r.stderr}
}


describe('the hook script', () => {
  it('is valid POSIX sh for every shell here', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'mg-hook-')), 'oom-protect.sh')
    put('/', script, buildHookScript(ENTRIES))
    expect(shells.length).toBeGreaterThan(0)
    for (const sh of shells) expect(spawnSync(sh, sh === 'bash' ? ['--posix', '-n', script] : ['-n', script]).status, sh).toBe(0)
  })

  it('is the same bytes for the same entries in any order (idempotent writes)', () => {
    expect(buildHookScript([...ENTRIES].reverse())).toBe(buildHookScript(ENTRIES))
  })

  it('refuses a name that could break out of a case pattern', () => {
    expect(() => buildHookScript([{name: 'a*|b', scoreAdj: -1000, oomAdj: -17, why: ''}])).toThrow(/unsafe process name/)
    expect(isSafeProcessName('qemu-system-i386')).toBe(true)
    expect(isSafeProcessName('x; rm -rf /')).toBe(false)
    expect(isSafeProcessName('')).toBe(false)
  })

  for (const shell of shells) {
    it(`sets oom_adj on a 2.6.18 tree: the sshd listener and crond, not their children (${shell})`, () => {
      const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
      installHook(root)
      fakeProcess(root, 1, 'init', 0, 'oom_adj')
      fakeProcess(root, 2345, 'sshd', 1, 'oom_adj')
      fakeProcess(root, 4100, 'sshd', 2345, 'oom_adj') // a session
      fakeProcess(root, 4102, 'bash', 4100, 'oom_adj')
      fakeProcess(root, 2410, 'crond', 1, 'oom_adj')
      fakeProcess(root, 5000, 'crond', 2410, 'oom_adj') // a job runner
      fakeProcess(root, 2510, 'xenconsoled', 1, 'oom_adj')
      const r = runHook(root, ['--all'], shell)
      expect(r.status).toBe(0)
      expect(read(root, '/proc/2345/oom_adj').trim()).toBe('-17')
      expect(read(root, '/proc/4100/oom_adj').trim()).toBe('0')
      expect(read(root, '/proc/4102/oom_adj').trim()).toBe('0')
      expect(read(root, '/proc/2410/oom_adj').trim()).toBe('-4')
      expect(read(root, '/proc/5000/oom_adj').trim()).toBe('0')
      expect(read(root, '/proc/2510/oom_adj').trim()).toBe('-17')
      expect(r.stderr).toMatch(/sshd\[2345\]: oom_adj 0 -> -17/)
    })
  }

  it('uses oom_score_adj where the kernel has it, and touches only the names it is given', () => {
    const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    installHook(root)
    fakeProcess(root, 265, 'sshd', 1, 'oom_score_adj')
    fakeProcess(root, 227, 'crond', 1, 'oom_score_adj')
    expect(runHook(root, ['crond']).status).toBe(0)
    expect(read(root, '/proc/227/oom_score_adj').trim()).toBe('-100')
    expect(read(root, '/proc/265/oom_score_adj').trim()).toBe('0')
  })

  it('does nothing, quietly, on a second run', () => {
    const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    installHook(root)
    fakeProcess(root, 265, 'sshd', 1, 'oom_score_adj', -1000)
    const r = runHook(root, ['--all'])
    expect(r).toEqual({status: 0, stderr: ''})
  })

  it('matches a name longer than the kernel\'s 15-byte comm', () => {
    const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    installHook(root, [{name: 'qemu-system-i386', scoreAdj: -1000, oomAdj: -17, why: '--process'}])
    fakeProcess(root, 3000, 'qemu-system-i38', 1, 'oom_score_adj')
    expect(runHook(root, ['qemu-system-i386']).status).toBe(0)
    expect(read(root, '/proc/3000/oom_score_adj').trim()).toBe('-1000')
  })

  it('says how to call it when given no name', () => {
    const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    installHook(root)
    const r = runHook(root, [])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/usage: .*--wait SECONDS.*--all \| NAME/)
  })
})

describe('the defaults-file block (sourced by the init script)', () => {
  /** Source the block the way an init script does (`. /etc/sysconfig/sshd` with the script's $1). */
  function sourceAs(root: string, action: string): void {
    const block = defaultsFileBlock('/etc/rc.d/init.d/sshd', ['sshd']).replaceAll(HOOK_SCRIPT_PATH, join(root, HOOK_SCRIPT_PATH)).replace('--wait 30', '--wait 4')
    put(root, '/etc/sysconfig/sshd', upsertBlock('OPTIONS=\n', block))
    execFileSync('sh', ['-c', `set -e; . "${join(root, '/etc/sysconfig/sshd')}"; echo sourced`, 'initscript', action], {env: {...process.env, MEMGUARD_ROOT: root}, timeout: 5000})
  }

  it('on start, re-applies the value once the daemon appears – without holding up the init script', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    installHook(root)
    const started = Date.now()
    sourceAs(root, 'start')
    expect(Date.now() - started).toBeLessThan(3000) // backgrounded, stdio detached
    await sleep(300)
    // The daemon starts after its defaults file was sourced.
    fakeProcess(root, 2345, 'sshd', 1, 'oom_adj')
    for (let i = 0; i < 40 && read(root, '/proc/2345/oom_adj').trim() !== '-17'; i++) await sleep(100)
    expect(read(root, '/proc/2345/oom_adj').trim()).toBe('-17')
  })

  it('does nothing for status or stop', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    installHook(root)
    fakeProcess(root, 2345, 'sshd', 1, 'oom_adj')
    sourceAs(root, 'status')
    sourceAs(root, 'stop')
    await sleep(1500)
    expect(read(root, '/proc/2345/oom_adj').trim()).toBe('0')
  })
})

describe('blocks in shell files', () => {
  const block = rcLocalBlock()

  it('are appended to RHEL\'s rc.local and replaced, not duplicated, on the next run', () => {
    const rc = '#!/bin/sh\ntouch /var/lock/subsys/local\n'
    const once = upsertBlock(rc, block)
    expect(once).toBe(`${rc}${block}\n`)
    expect(upsertBlock(once, block)).toBe(once)
    const changed = upsertBlock(once, block.replace('--all', '--all --wait 5'))
    expect(changed.match(/BEGIN memguard/g)).toHaveLength(1)
    expect(changed).toContain('--all --wait 5')
  })

  it('go before the final `exit 0` of Debian\'s rc.local, or they would never run', () => {
    const rc = '#!/bin/sh -e\n#\n# rc.local\n\nexit 0\n'
    const out = upsertBlock(rc, block)
    expect(out.indexOf('BEGIN memguard')).toBeLessThan(out.lastIndexOf('exit 0'))
    expect(out.endsWith('exit 0\n')).toBe(true)
    expect(upsertBlock(out, block)).toBe(out)
  })

  it('make a new executable-style file with a shebang when there is none', () => {
    expect(upsertBlock(null, block, {shebang: true})).toBe(`#!/bin/sh\n${block}\n`)
    expect(upsertBlock(null, 'x')).toBe('x\n')
  })

  it('parse as sh once inserted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    put(dir, '/rc.local', upsertBlock('#!/bin/sh -e\nexit 0\n', block))
    put(dir, '/sshd', upsertBlock('OPTIONS=\n', defaultsFileBlock('/etc/init.d/ssh', ['sshd'])))
    for (const sh of shells) for (const f of ['rc.local', 'sshd']) expect(spawnSync(sh, ['-n', join(dir, f)]).status, `${sh} ${f}`).toBe(0)
  })
})

describe('the hook script on real processes of this machine', () => {
  const started: ChildProcess[] = []
  afterEach(() => {
    // The whole process group: the daemon, its worker and the worker's sleep.
    for (const c of started.splice(0)) if (c.pid) try { process.kill(-c.pid, 'SIGKILL') } catch { /* gone */ }
  })

  /** A copy of sh named `name`, running a child also named `name` (a daemon and its same-named worker). */
  async function daemonWithWorker(name: string): Promise<{parent: number; child: number}> {
    const dir = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    const bin = join(dir, name)
    copyFileSync('/bin/sh', bin)
    const parent = spawn(bin, ['-c', `"${bin}" -c 'sleep 300; :'; :`], {stdio: 'ignore', detached: true})
    started.push(parent)
    for (let i = 0; i < 50; i++) {
      const kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
      const child = kids.find((k) => existsSync(`/proc/${k}/status`) && /^Name:\s*(\S+)/m.exec(readFileSync(`/proc/${k}/status`, 'utf8'))?.[1] === name.slice(0, 15))
      if (child) return {parent: parent.pid as number, child}
      await sleep(50)
    }
    throw new Error('the worker did not start')
  }

  it('raises the daemon\'s oom_score_adj for real and leaves its same-named worker alone', async () => {
    const {parent, child} = await daemonWithWorker('mgtestd')
    const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    installHook(root, [{name: 'mgtestd', scoreAdj: 300, oomAdj: 5, why: 'test'}])
    // Run it on the real /proc (no MEMGUARD_ROOT): only processes named mgtestd can match.
    const r = spawnSync('sh', [join(root, HOOK_SCRIPT_PATH), 'mgtestd'], {env: {...process.env, MEMGUARD_ROOT: ''}, encoding: 'utf8'})
    expect(r.status).toBe(0)
    expect(readFileSync(`/proc/${parent}/oom_score_adj`, 'utf8').trim()).toBe('300')
    expect(readFileSync(`/proc/${child}/oom_score_adj`, 'utf8').trim()).toBe('0')
  })

  it('lowers it to -1000 where the kernel lets it, and otherwise says why and exits 1', async () => {
    const {parent} = await daemonWithWorker('mgtestd2')
    const root = mkdtempSync(join(tmpdir(), 'mg-hook-'))
    installHook(root, [{name: 'mgtestd2', scoreAdj: -1000, oomAdj: -17, why: 'test'}])
    const r = spawnSync('sh', [join(root, HOOK_SCRIPT_PATH), 'mgtestd2'], {env: {...process.env, MEMGUARD_ROOT: ''}, encoding: 'utf8'})
    const value = readFileSync(`/proc/${parent}/oom_score_adj`, 'utf8').trim()
    if (hasCapSysResource()) {
      expect(r.status).toBe(0)
      expect(value).toBe('-1000')
    } else {
      console.warn('skipping the "value became -1000" check: this process lacks CAP_SYS_RESOURCE, so the kernel refuses any negative oom_score_adj')
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(new RegExp(`mgtestd2\\[${parent}\\]: could not set oom_score_adj to -1000 \\(still 0\\); lowering it needs CAP_SYS_RESOURCE`))
      expect(value).toBe('0')
    }
  })
})
