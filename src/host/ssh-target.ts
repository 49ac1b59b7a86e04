import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'

/** One host to reach over ssh. */
export interface SshTarget {
  /** What ssh connects to: a name (possibly a Host alias from ~/.ssh/config) or an address. */
  host: string
  user?: string
  port?: number
  /** For messages and reports: what the user typed, or the inventory name. */
  label: string
}

// No whitespace, quotes, control characters or shell/ssh option syntax: a target is a word.
const HOST_RE = /^[A-Za-z0-9_.%:-]+$/
const USER_RE = /^[A-Za-z0-9_.@\\$-]+$/

function usage(message: string): MemguardError {
  return new MemguardError(message, {exitCode: ExitCode.usage, hint: 'use [USER@]HOST[:PORT], e.g. root@dom0.example:2222 or [fe80::1%eth0]:22'})
}

export function parsePort(text: string, source: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw usage(`bad port ${JSON.stringify(text)} in ${JSON.stringify(source)}`)
  return Number(text)
}

/** Check a host name before it reaches ssh's argv (a leading "-" would be an option). */
export function checkSshHost(host: string, source: string): void {
  if (!host) throw usage(`no host name in ${JSON.stringify(source)}`)
  if (host.startsWith('-') || !HOST_RE.test(host)) throw usage(`bad host name ${JSON.stringify(host)} in ${JSON.stringify(source)}`)
}

export function checkSshUser(user: string, source: string): void {
  if (!user || user.startsWith('-') || !USER_RE.test(user)) throw usage(`bad user name ${JSON.stringify(user)} in ${JSON.stringify(source)}`)
}

/**
 * `[user@]host[:port]`, `[user@][v6addr]:port`, or a bare IPv6 address (several colons, no port).
 * The user is everything before the last "@", as ssh itself splits it.
 */
export function parseSshTarget(text: string): SshTarget {
  const source = text.trim()
  if (!source) throw usage('empty --host')
  const at = source.lastIndexOf('@')
  const user = at >= 0 ? source.slice(0, at) : undefined
  const rest = at >= 0 ? source.slice(at + 1) : source
  let host: string
  let port: number | undefined
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close < 0) throw usage(`unclosed "[" in ${JSON.stringify(source)}`)
    host = rest.slice(1, close)
    const after = rest.slice(close + 1)
    if (after) {
      if (!after.startsWith(':')) throw usage(`unexpected ${JSON.stringify(after)} after "]" in ${JSON.stringify(source)}`)
      port = parsePort(after.slice(1), source)
    }
  } else {
    const colons = rest.split(':').length - 1
    if (colons === 1) {
      const colon = rest.indexOf(':')
      host = rest.slice(0, colon)
      port = parsePort(rest.slice(colon + 1), source)
    } else {
      host = rest // a name, or a bare IPv6 address
    }
  }
  if (user !== undefined) checkSshUser(user, source)
  checkSshHost(host, source)
  return {host, ...(user !== undefined ? {user} : {}), ...(port !== undefined ? {port} : {}), label: source}
}

/** The canonical text of a target: `user@host:port`, with brackets around IPv6 addresses. */
export function formatSshTarget(target: Omit<SshTarget, 'label'>): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host
  return `${target.user ? `${target.user}@` : ''}${host}${target.port ? `:${target.port}` : ''}`
}
