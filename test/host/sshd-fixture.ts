/**
 * A real OpenSSH server for the ssh transport tests: started on 127.0.0.1 at a random high port,
 * with a throwaway host key and client key in a temp dir, running as the current user. The client
 * side gets its own ssh_config (`-F`) so the tests never touch ~/.ssh.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {createConnection, createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join, resolve} from 'node:path'

export const SSHD = '/usr/sbin/sshd'

export interface SshdFixture {
  dir: string
  port: number
  user: string
  /** ssh_config with `Host mgtest` (127.0.0.1, the port, the user, the client key, strict known_hosts). */
  config: string
  /** `['-F', config]`: what SshHost needs to reach the server. */
  sshArgs: string[]
  /** `user@127.0.0.1:port`, resolved through the config's `Host *` block. */
  target: string
  /** The server's public host key line (for known_hosts). */
  hostKey: string
  /** A second, unauthorised client key (for the auth failure test). */
  strangerKey: string
  /** Pids of sshd's per-connection processes and everything under them. */
  sessionPids(): number[]
  /** Only the per-connection sshd processes (killing them drops the connection, not the remote shell). */
  sshdSessionPids(): number[]
  log(): string
  stop(): Promise<void>
}

/** Make sure sshd exists, installing it with .ci/setup-sshd.sh when we are root. Returns a reason to skip, or null. */
export function sshdUnavailable(): string | null {
  if (existsSync(SSHD)) return null
  const setup = resolve('.ci/setup-sshd.sh')
  if (process.getuid?.() === 0 && existsSync(setup)) {
    try {
      execFileSync('sh', [setup], {stdio: 'ignore', timeout: 300_000})
    } catch {
      // reported below
    }
  }
  return existsSync(SSHD) ? null : `${SSHD} is missing and could not be installed (run .ci/setup-sshd.sh as root); skipping the real-sshd tests`
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })
}

async function banner(port: number): Promise<boolean> {
  return new Promise((resolveBanner) => {
    const socket = createConnection({host: '127.0.0.1', port})
    const done = (ok: boolean) => {
      socket.destroy()
      resolveBanner(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('data', (data) => done(data.toString('latin1').startsWith('SSH-')))
    socket.once('error', () => done(false))
  })
}

function keygen(path: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], {stdio: 'ignore'})
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return ''
  }
}

function childrenOf(root: number): number[] {
  const parent = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parent.set(Number(entry), ppid)
    } catch {
      // exited
    }
  }
  const found: number[] = []
  const walk = (pid: number) => {
    for (const [child, ppid] of parent) {
      if (ppid === pid) {
        found.push(child)
        walk(child)
      }
    }
  }
  walk(root)
  return found
}

export async function startSshd(): Promise<SshdFixture> {
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', {mode: 0o755, recursive: true})
  const dir = mkdtempSync(join(tmpdir(), 'mg-sshd-'))
  const user = userInfo().username
  keygen(join(dir, 'host_key'), 'memguard-test-host')
  keygen(join(dir, 'id_ed25519'), 'memguard-test-client')
  keygen(join(dir, 'stranger'), 'memguard-test-stranger')
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id_ed25519.pub')), {mode: 0o600})
  const hostKeyPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim()

  let lastError = ''
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const sshdConfig = join(dir, 'sshd_config')
    writeFileSync(
      sshdConfig,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'StrictModes no',
        'MaxSessions 64',
        'MaxStartups 64:30:128',
        'LogLevel INFO',
        '',
      ].join('\n'),
    )
    const knownHosts = join(dir, 'known_hosts')
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKeyPub}\n`)
    const config = join(dir, 'ssh_config')
    writeFileSync(
      config,
      [
        'Host mgtest',
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        `  User ${user}`,
        'Host *',
        `  IdentityFile ${join(dir, 'id_ed25519')}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        `  UserKnownHostsFile ${knownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  UpdateHostKeys no',
        '',
      ].join('\n'),
    )
    let log = ''
    const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', sshdConfig], {stdio: ['ignore', 'ignore', 'pipe']})
    child.stderr?.on('data', (data: Buffer) => {
      log += data.toString('utf8')
    })
    let up = false
    for (let i = 0; i < 50 && child.exitCode === null; i++) {
      if (await banner(port)) {
        up = true
        break
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    if (!up) {
      child.kill('SIGKILL')
      lastError = log
      continue
    }
    const pid = child.pid as number
    return {
      dir,
      port,
      user,
      config,
      sshArgs: ['-F', config],
      target: `${user}@127.0.0.1:${port}`,
      hostKey: hostKeyPub,
      strangerKey: join(dir, 'stranger'),
      sessionPids: () => childrenOf(pid),
      sshdSessionPids: () => childrenOf(pid).filter((p) => processName(p) === 'sshd'),
      log: () => log,
      async stop() {
        child.kill('SIGTERM')
        // TERM first, so that remote collectors still running run their cleanup trap.
        const signal = (pids: number[], sig: NodeJS.Signals) => {
          for (const session of pids) {
            try {
              process.kill(session, sig)
            } catch {
              // gone already
            }
          }
        }
        signal(childrenOf(pid), 'SIGTERM')
        await new Promise((r) => setTimeout(r, 300))
        signal(childrenOf(pid), 'SIGKILL')
        if (child.exitCode === null) await new Promise((r) => child.once('exit', r))
        rmSync(dir, {recursive: true, force: true})
      },
    }
  }
  rmSync(dir, {recursive: true, force: true})
  throw new Error(`sshd did not start: ${lastError}`)
}

export interface SshWrapper {
  /** Directory to put first in PATH. */
  dir: string
  /** The argv of every ssh run so far, one array per invocation. */
  calls(): string[][]
  reset(): void
}

/**
 * A recording `ssh` to put first in PATH: logs each invocation's argv (NUL-separated, one record
 * per line) and execs the real ssh, optionally with `-F config` so that a CLI run reaches the test
 * sshd without touching ~/.ssh.
 */
export function makeSshWrapper(config?: string): SshWrapper {
  const dir = mkdtempSync(join(tmpdir(), 'mg-sshwrap-'))
  const log = join(dir, 'calls.log')
  const realSsh = execFileSync('sh', ['-c', 'command -v ssh'], {encoding: 'utf8'}).trim()
  const extra = config ? ` -F '${config.replaceAll("'", `'\\''`)}'` : ''
  writeFileSync(
    join(dir, 'ssh'),
    `#!/bin/sh\n{ for a in "$@"; do printf '%s\\0' "$a"; done; printf '\\n'; } >> '${log}'\nexec '${realSsh}'${extra} "$@"\n`,
    {mode: 0o755},
  )
  writeFileSync(log, '')
  return {
    dir,
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\0').slice(0, -1)),
    reset: () => writeFileSync(log, ''),
  }
}
