import type {Host} from './host.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'

export interface HostSelection {
  root?: string
  snapshot?: string
}

/** Pick the transport from the common flags. */
export async function openHost(selection: HostSelection): Promise<Host> {
  if (selection.root && selection.snapshot) {
    throw new MemguardError('--root and --snapshot cannot be used together', {exitCode: ExitCode.usage})
  }
  if (selection.snapshot) {
    const {SnapshotHost} = await import('./snapshot.js')
    return new SnapshotHost(selection.snapshot)
  }
  const {LocalHost} = await import('./local.js')
  return new LocalHost(selection.root ?? '/')
}
