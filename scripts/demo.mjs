// `npm run demo`: memguard on the shipped seed-incident host – the night in the README.
// Shows `status`, then the `mem-set 0 256m` that bricked the real host, refused with the victims.
import {spawnSync} from 'node:child_process'
import {resolve} from 'node:path'

const root = resolve(import.meta.dirname, '..')
const host = 'examples/hosts/seed-incident'
const run = (args) => {
  console.log(`\n$ memguard ${args.join(' ')}\n`)
  return spawnSync(process.execPath, [resolve(root, 'bin/run.js'), ...args], {cwd: root, stdio: 'inherit'}).status
}

const status = run(['status', '--snapshot', host])
const memSet = run(['mem-set', '0', '256m', '--dry-run', '--snapshot', host])
console.log(`\nmem-set exited ${memSet}: ${memSet === 3 ? 'refused as unsafe (exit 3) – the host keeps sshd and crond.' : 'unexpected – it should have been refused (exit 3).'}`)
process.exit(status === 0 && memSet === 3 ? 0 : 1)
