import type {Host} from '../host/host.js'

/** What rewriteFile did with one planned file. */
export type RewriteOutcome =
  | {outcome: 'already'}
  | {outcome: 'conflict'}
  | {outcome: 'written' | 'created'; backupPath: string | null}

/**
 * Write a planned file under the host lock, re-reading it first: another memguard change or an
 * admin's editor may have been there since the plan read it. Already as planned: nothing is written
 * (no second backup); different from what the plan was made from (`before`; null = absent): left
 * alone, never overwritten. `beforeKnown` false: the plan could not read the file, so there is
 * nothing to compare with and it is written. I/O errors are thrown to the caller.
 */
export async function rewriteFile(host: Host, file: {path: string; before: string | null; after: string; beforeKnown?: boolean}, mode: number): Promise<RewriteOutcome> {
  const now = await host.readFile(file.path)
  if (now === file.after) return {outcome: 'already'}
  if ((file.beforeKnown ?? true) && now !== file.before) return {outcome: 'conflict'}
  const written = await host.writeFileAtomic(file.path, file.after, {mode, backup: true})
  return {outcome: now === null ? 'created' : 'written', backupPath: written.backupPath}
}
