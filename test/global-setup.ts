import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'

/** CLI tests run the built binary; build it once when dist/ is missing (npm test builds first). */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..')
  if (!existsSync(resolve(root, 'dist/index.js'))) execFileSync('node', ['scripts/build.mjs'], {cwd: root, stdio: 'inherit'})
}
