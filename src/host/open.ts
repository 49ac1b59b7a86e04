import type {Host} from './host.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'

export interface HostSelection {
  root?: string
  snapshot?: string
  /** `--host [user@]host[:port]` (oclif gives an array: the flag may repeat for fleet commands). */
  host?: string | readonly string[]
}

/** Pick the transport from the common flags. */
export async function openHost(selection: HostSelection): Promise<Host> {
  if (selection.root && selection.snapshot) {
    throw new MemguardError('--root and --snapshot cannot be used together', {exitCode: ExitCode.usage})
  }
  const hosts = selection.host === undefined ? [] : typeof selection.host === 'string' ? [selection.host] : selection.host
  if (hosts.length > 0) {
    if (selection.root || selection.snapshot) {
      throw new MemguardError('--host cannot be used with --root or --snapshot', {exitCode: ExitCode.usage})
    }
    if (hosts.length > 1) {
      throw new MemguardError(`this command works on one host at a time; got ${hosts.length} --host flags`, {exitCode: ExitCode.usage})
    }
    const {SshHost} = await import('./ssh.js')
    return new SshHost(hosts[0] as string)
  }
  if (selection.snapshot) {
    const {SnapshotHost} = await import('./snapshot.js')
    return new SnapshotHost(selection.snapshot)
  }
  const {LocalHost} = await import('./local.js')
  return new LocalHost(selection.root ?? '/')
}
