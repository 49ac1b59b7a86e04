import {readFile} from 'node:fs/promises'
import {parseInventory, selectHosts, type InventoryHost} from './inventory.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'

/** Read an Ansible inventory file (INI or YAML) and return its hosts, optionally limited to groups/hosts. */
export async function loadInventory(path: string, limit?: string): Promise<InventoryHost[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory (inventory directories are not supported; name a file)' : (error as Error).message
    throw new MemguardError(`cannot read inventory ${path}: ${why}`, {exitCode: ExitCode.usage, cause: error})
  }
  const inventory = await parseInventory(text, {file: path})
  const hosts = selectHosts(inventory, limit)
  if (hosts.length === 0) throw new MemguardError(`inventory ${path} has no hosts${limit ? ` matching ${limit}` : ''}`, {exitCode: ExitCode.usage})
  return hosts
}
