import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'

/** What went wrong with an ssh round trip, as far as ssh's exit status and stderr tell. */
export type SshFailureKind =
  | 'host-key-changed'
  | 'host-key-unknown'
  | 'algorithms'
  | 'auth'
  | 'refused'
  | 'timeout'
  | 'dns'
  | 'no-route'
  | 'dropped'
  | 'ssh'

interface Rule {
  kind: SshFailureKind
  test: RegExp
  message: (label: string) => string
  hint: string
}

// Order matters: a changed host key also prints "Host key verification failed".
const RULES: Rule[] = [
  {
    kind: 'host-key-changed',
    test: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed|key for .* has changed and you have requested strict checking/i,
    message: (l) => `the host key of ${l} does not match the one in known_hosts (the host was reinstalled, or someone is in the middle)`,
    hint: 'check the new key out of band, then remove the old one with `ssh-keygen -R HOST`; memguard never accepts host keys itself',
  },
  {
    kind: 'host-key-unknown',
    test: /No \S+ host key is known for|Host key verification failed/i,
    message: (l) => `the host key of ${l} is not known (host key verification failed)`,
    hint: 'connect once with plain `ssh` and check the fingerprint, or add the key to known_hosts; memguard runs ssh in batch mode and never accepts host keys itself',
  },
  {
    kind: 'algorithms',
    test: /no matching (host key type|key exchange method|cipher|MAC|public key signature) found|no mutual signature algorithm/i,
    message: (l) => `cannot agree on ssh algorithms with ${l} (its sshd is older than this ssh client allows by default)`,
    hint: 'for an old dom0 (RHEL5 has OpenSSH 4.3) allow its algorithms for that host only, in ~/.ssh/config: HostKeyAlgorithms +ssh-rsa, PubkeyAcceptedAlgorithms +ssh-rsa, KexAlgorithms +diffie-hellman-group14-sha1',
  },
  {
    kind: 'auth',
    test: /Permission denied \(|Too many authentication failures|Authentication failed/i,
    message: (l) => `authentication to ${l} failed`,
    hint: 'memguard runs ssh with BatchMode=yes (no password prompts): load a key into ssh-agent, or set User and IdentityFile for the host in ~/.ssh/config',
  },
  {
    kind: 'refused',
    test: /Connection refused/i,
    message: (l) => `cannot connect to ${l}: connection refused`,
    hint: 'is sshd running on that host and port?',
  },
  {
    kind: 'dns',
    test: /Could not resolve hostname|Name or service not known|nodename nor servname|Temporary failure in name resolution/i,
    message: (l) => `cannot resolve the host name of ${l}`,
    hint: 'check the name, or give an address or a Host alias from ~/.ssh/config',
  },
  {
    kind: 'no-route',
    test: /No route to host|Network is unreachable|Host is unreachable/i,
    message: (l) => `cannot reach ${l}: no route to host`,
    hint: 'check the network path (VPN, firewall, ProxyJump in ~/.ssh/config)',
  },
  {
    kind: 'timeout',
    test: /Connection timed out|Operation timed out|timed out during banner exchange|Connection timeout/i,
    message: (l) => `cannot connect to ${l}: the connection timed out`,
    hint: 'is the host up, and does a firewall drop ssh?',
  },
  {
    kind: 'dropped',
    test: /Timeout, server .* not responding|Connection reset|Broken pipe|Connection closed|closed by remote host|connection .* closed|client_loop|mux_client|kex_exchange_identification|Shared connection/i,
    message: (l) => `the connection to ${l} dropped`,
    hint: 'the host or the network went away; run the command again',
  },
]

/** The last lines of ssh's stderr that say something (warnings banners and blanks dropped). */
export function sshDetail(stderr: string, maxLines = 2): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim().replace(/^ssh: /, ''))
    .filter((line) => line && !/^@+$/.test(line) && !/^Warning: Permanently added/.test(line))
  return lines.slice(-maxLines).join(' / ')
}

export function classifySshFailure(stderr: string): SshFailureKind {
  return RULES.find((rule) => rule.test.test(stderr))?.kind ?? 'ssh'
}

/**
 * The error for a failed ssh round trip. `started` says whether the remote side had begun to
 * answer: after that, any ssh failure is a connection that dropped mid-command.
 */
export function sshFailure(label: string, stderr: string, exitCode: number | undefined, options: {started?: boolean; what?: string} = {}): MemguardError {
  const detail = sshDetail(stderr)
  const suffix = detail ? ` (ssh: ${detail})` : ''
  const what = options.what ? ` while ${options.what}` : ''
  if (options.started) {
    return new MemguardError(`the connection to ${label} dropped mid-command${what}${suffix}`, {
      exitCode: ExitCode.failure,
      hint: 'nothing is half-written: memguard replaces files by rename only; run the command again',
    })
  }
  // Before the remote side answered, the failure is about reaching the host, whatever we were doing.
  const rule = RULES.find((r) => r.test.test(stderr))
  if (rule) return new MemguardError(`${rule.message(label)}${rule.kind === 'dropped' ? what : ''}${suffix}`, {exitCode: ExitCode.failure, hint: rule.hint})
  return new MemguardError(`ssh to ${label} failed${exitCode === undefined ? '' : ` with exit code ${exitCode}`}${what}${suffix}`, {exitCode: ExitCode.failure})
}
