/**
 * A `--root`-style host tree full of things that break naive transports: binary files with NULs
 * and framing look-alikes, hostile file names, a fake /proc with a legacy (oom_adj) process and one
 * that vanished, plus a plan that reads all of it and runs programs with hostile arguments.
 */
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {CommandResult, Gathered, GatherPlan} from '../../src/host/host.js'

export const ALL_BYTES = Buffer.from(Array.from({length: 256}, (_, i) => i))

/** File content that contains the collector's own markers and every byte value. */
export const BINARY = Buffer.concat([ALL_BYTES, Buffer.from('\nMGREC data 99\nMGEND 0123456789abcdef 0\n\0\0MGSTART x 1\n'), ALL_BYTES, Buffer.from('tail-without-newline')])

export function hostileArgs(pwned: string): string[] {
  return [`x; touch ${pwned}`, `$(touch ${pwned})`, `\`touch ${pwned}\``, `'; touch ${pwned}; '`, "it's", '"dq"', 'a\nb', ' lead', '*', '-n', '', 'ünïcødé', '\\', "'", '$HOME', '%s %n', '|| true', '&', '#c']
}

export const HOSTILE_NAMES = ['a b', 'x; rm -rf ~', "it's", 'new\nline', '.hidden', '..dots', '*', '-rf', 'ünï', '$(id)']

export interface HostTree {
  root: string
  pwned: string
  plan: GatherPlan
  cleanup(): void
}

function put(root: string, path: string, content: string | Buffer): void {
  const full = join(root, path)
  mkdirSync(join(full, '..'), {recursive: true})
  writeFileSync(full, content)
}

export function makeHostTree(): HostTree {
  const root = mkdtempSync(join(tmpdir(), 'mg-tree-'))
  const pwned = join(root, 'PWNED')
  put(root, '/proc/meminfo', 'MemTotal:        1048576 kB\nMemFree:          131072 kB\n')
  put(root, '/proc/100/status', 'Name:\tsshd\nState:\tS (sleeping)\nPid:\t100\nVmRSS:\t    5120 kB\n')
  put(root, '/proc/100/stat', '100 (sshd) S 1 100 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 10000000 1280\n')
  put(root, '/proc/100/cmdline', 'sshd: /usr/sbin/sshd -D\0[listener]\0')
  put(root, '/proc/100/oom_score', '0\n')
  put(root, '/proc/100/oom_score_adj', '-1000\n')
  put(root, '/proc/100/oom_adj', '-17\n')
  // A 2.6.18 (RHEL5) kernel: no oom_score_adj yet.
  put(root, '/proc/200/status', 'Name:\txenstored\nPid:\t200\n')
  put(root, '/proc/200/stat', '200 (xenstored) S 1 200 200 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 10\n')
  put(root, '/proc/200/cmdline', '')
  put(root, '/proc/200/oom_score', '15\n')
  put(root, '/proc/200/oom_adj', '-17\n')
  // Exited between readdir and read: no status, so it is skipped.
  put(root, '/proc/300/cmdline', 'gone\0')
  // A process whose cmdline holds every byte value.
  put(root, '/proc/400/status', 'Name:\tweird\nPid:\t400\n')
  put(root, '/proc/400/cmdline', BINARY)
  put(root, '/proc/400/oom_score_adj', '0\n')
  put(root, '/proc/sys/vm/swappiness', '60\n')
  put(root, '/etc/xen/xl.conf', 'autoballoon="off"\n')
  mkdirSync(join(root, '/etc/xen/empty-dir'), {recursive: true})
  for (const name of HOSTILE_NAMES) put(root, `/etc/xen/hostile/${name}`, `${name}\n`)
  writeFileSync(Buffer.from(`${root}/etc/xen/hostile/latin1-\xe9`, 'latin1'), 'not utf-8 name\n')
  symlinkSync('xl.conf', join(root, '/etc/xen/hostile/link'))
  symlinkSync('/nonexistent', join(root, '/etc/xen/hostile/dangling'))
  put(root, '/data/binary.bin', BINARY)
  put(root, '/data/empty.txt', '')
  put(root, '/data/no-newline.txt', 'abc')
  put(root, '/data/crlf.txt', 'a\r\nb\r\n')
  put(root, '/data/utf8.txt', 'ünïcødé ✓ 🐧\n')
  put(root, '/data/x; touch PWNED', 'hostile name\n')
  put(root, "/data/it's $(id)", 'quotes and dollars\n')
  const plan: GatherPlan = {
    files: [
      '/proc/meminfo',
      '/etc/xen/xl.conf',
      '/data/binary.bin',
      '/data/empty.txt',
      '/data/no-newline.txt',
      '/data/crlf.txt',
      '/data/utf8.txt',
      '/data/x; touch PWNED',
      "/data/it's $(id)",
      '/data/missing',
      '/etc/xen', // a directory: null, as for LocalHost
      '/etc/xen/hostile/link',
      '/etc/xen/hostile/dangling',
    ],
    dirs: ['/etc/xen/hostile', '/etc/xen/empty-dir', '/nope', '/data/empty.txt'],
    commands: [
      {id: 'args', argv: ['sh', '-c', 'printf "%s|" "$@"; echo "root=$MEMGUARD_ROOT" >&2; exit 3', 'sh', ...hostileArgs(pwned)]},
      {id: 'missing', argv: ['memguard-no-such-program', '--version']},
      {id: 'binary', argv: ['sh', '-c', 'printf "\\000\\001\\377\\nMGREC data 1\\nMGEND x 0\\n"; printf "err\\000" >&2']},
      {id: 'empty', argv: ['true']},
      {id: 'hang', argv: ['sleep', '30'], timeoutMs: 1000},
    ],
    processes: true,
  }
  return {root, pwned, plan, cleanup: () => rmSync(root, {recursive: true, force: true})}
}

/** A command result without its timing, for comparisons. */
export function untimed(result: CommandResult | undefined): Omit<CommandResult, 'durationMs'> | undefined {
  if (!result) return undefined
  const {durationMs: _d, ...rest} = result
  return rest
}

export function comparable(g: Gathered) {
  return {
    files: Object.fromEntries(g.files),
    dirs: Object.fromEntries(g.dirs),
    commands: Object.fromEntries([...g.commands].map(([id, r]) => [id, untimed(r)])),
    processes: g.processes,
  }
}

/** A directory with a symlink per busybox applet: PATH=it gives a busybox-only system. */
export function busyboxPath(): string | null {
  try {
    const dir = mkdtempSync(join(tmpdir(), 'mg-busybox-'))
    const applets = execFileSync('busybox', ['--list'], {encoding: 'utf8'}).split('\n').filter(Boolean)
    const busybox = execFileSync('sh', ['-c', 'command -v busybox'], {encoding: 'utf8'}).trim()
    for (const applet of applets) symlinkSync(busybox, join(dir, applet))
    return dir
  } catch {
    return null
  }
}
