#!/bin/sh
':' //; exec node --max-semi-space-size=1 "$0" "$@"
// The line above is for sh (node reads it as a string and a comment): memguard runs on hosts that
// are short of memory, and V8's default young generation grows to 16 MiB during a 2,000-process
// scan for nothing; capped at 1 MiB per semi-space, peak RSS drops by ~13 MB at no cost in time
// (`npm run bench`). A V8 flag cannot be set from inside the process, hence the sh line.
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
