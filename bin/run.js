#!/usr/bin/env node
import module from 'node:module'
import {existsSync} from 'node:fs'

module.enableCompileCache?.() // Node >= 22.1; a no-op on Node 20
const entry = new URL('../dist/index.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('memguard: dist/ is missing; run `npm run build` first\n')
  process.exit(1)
}
const {execute} = await import(entry.href)
await execute({dir: import.meta.url})
