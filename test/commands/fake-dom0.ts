/**
 * `--root` trees for end-to-end tests of mem-set, confirm and rollback: a copy of an example host's
 * files, with the fake `xl`/`xm` of test/fixtures/bin serving the host's recorded toolstack output
 * and the fake `dmesg` serving its kernel log.
 */
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {EXAMPLE_HOSTS} from '../helpers/cli.js'

export const SYSFS = 'sys/devices/system/xen_memory/xen_memory0'

export type FakeMode = 'converge' | 'stall' | 'hang' | 'hang-next' | 'static-max' | 'gradual' | 'collapse' | 'oom'

interface ManifestCommand {
  id: string
  argv: string[]
  exitCode: number | null
}

/** Build a --root tree from examples/hosts/<example>; the fake toolstack runs in `mode`. */
export function fakeDom0(example: string, mode: FakeMode = 'converge'): string {
  const source = join(EXAMPLE_HOSTS, example)
  const root = mkdtempSync(join(tmpdir(), `memguard-${example}-`))
  cpSync(join(source, 'files'), root, {recursive: true})
  const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as {commands: ManifestCommand[]}
  for (const command of manifest.commands) {
    const stdout = join(source, 'commands', `${command.id}.stdout`)
    if (command.exitCode !== 0 || !existsSync(stdout)) continue
    const [tool, ...args] = command.argv
    const dir = tool === 'xl' ? 'fake-xl' : tool === 'xm' ? 'fake-xm' : tool === 'dmesg' ? 'fake-dmesg' : null
    if (dir === null) continue
    mkdirSync(join(root, dir), {recursive: true})
    cpSync(stdout, join(root, dir, tool === 'dmesg' ? 'dmesg.out' : `${args.join('-')}.out`))
  }
  mkdirSync(join(root, 'fake-xl'), {recursive: true})
  writeFileSync(join(root, 'fake-xl/mode'), `${mode}\n`)
  if (existsSync(join(root, 'fake-xm'))) writeFileSync(join(root, 'fake-xm/mode'), `${mode}\n`)
  return root
}

export const read = (root: string, path: string): string => readFileSync(join(root, path), 'utf8')
export const readOr = (root: string, path: string, fallback = ''): string => (existsSync(join(root, path)) ? read(root, path) : fallback)
export const targetKb = (root: string): number => Number(read(root, `${SYSFS}/target_kb`).trim())
export const currentKb = (root: string): number => Number(read(root, `${SYSFS}/info/current_kb`).trim())
/** The fake toolstack's recorded mem-set calls, one `mem-set\tDOM\tSIZE\t` line each. */
export const memSetCalls = (root: string, tool: 'xl' | 'xm' = 'xl'): string[] =>
  readOr(root, `fake-${tool}/calls.log`).split('\n').filter((l) => l.startsWith('mem-set'))
export const auditLines = (root: string): Array<Record<string, unknown>> =>
  readOr(root, 'var/log/memguard/audit.log').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)

export {hasCapSysResource, sleep, waitFor} from '../helpers/process.js'
