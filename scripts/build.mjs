// Bundle memguard into dist/ with esbuild: one ESM entry plus lazily loaded chunks.
// Bundling cuts start-up by ~30% and RSS by ~8 MB against plain node_modules (stack-notes §2).
//
// The build goes to a staging directory and is moved into dist/ file by file, chunks first and
// the entry last, so a memguard started while a build runs never sees a half-written dist/.
import {build} from 'esbuild'
import {mkdirSync, readdirSync, renameSync, rmSync} from 'node:fs'
import {join, relative} from 'node:path'

/** The build ran but its result must not be published (reported already). */
class BuildRefused extends Error {}

const staging = `dist.tmp-${process.pid}`
rmSync(staging, {recursive: true, force: true})
try {
  const result = await build({
    entryPoints: ['src/index.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: staging,
    splitting: true,
    minifySyntax: true,
    minifyWhitespace: true,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    // oclif optionally requires these for TS dev mode; never needed in the bundle.
    external: ['typescript', 'ts-node', 'tsx'],
    // CJS dependencies bundled into ESM still use require and __filename (write-file-atomic hashes
    // __filename into its temp-file names): give every output file both.
    banner: {js: "import {createRequire as __memguardRequire} from 'node:module'; import {fileURLToPath as __memguardFileURLToPath} from 'node:url'; const require = __memguardRequire(import.meta.url); const __filename = __memguardFileURLToPath(import.meta.url);"},
    logLevel: 'warning',
  })
  const classicImports = zodClassicImports(result.metafile)
  if (classicImports.length > 0) {
    console.error(`build: zod classic is in the bundle; memguard uses zod/mini only (\`import * as z from 'zod/mini'\`; messages come from src/lib/schema-issue.ts):\n${classicImports.map((line) => `  ${line}`).join('\n')}`)
    throw new BuildRefused()
  }
  const outputs = Object.keys(result.metafile.outputs).map((path) => relative(staging, path))
  mkdirSync('dist/chunks', {recursive: true})
  const entryLast = [...outputs].sort((a, b) => Number(a.startsWith('index.js')) - Number(b.startsWith('index.js')))
  for (const file of entryLast) renameSync(join(staging, file), join('dist', file))
  const keep = new Set(outputs)
  for (const file of readdirSync('dist/chunks')) if (!keep.has(`chunks/${file}`)) rmSync(join('dist/chunks', file), {force: true})
} catch (error) {
  if (!(error instanceof BuildRefused)) throw error
  process.exitCode = 1
} finally {
  rmSync(staging, {recursive: true, force: true})
}

/**
 * memguard validates with zod/mini (`import * as z from 'zod/mini'`): zod classic costs every start
 * ~10 MB RSS and ~30 ms (`node bench/run.mjs imports`). The build fails, before dist/ is touched,
 * when anything pulls classic back in. Returns one line per first-party file that imports it (with
 * the chain through node_modules), or the classic modules themselves when no file of ours does.
 */
function zodClassicImports(metafile) {
  const isClassic = (path) => /(^|\/)zod\/(v4\/classic|v3)\//.test(path)
  const inputs = metafile.inputs
  const classic = Object.keys(inputs).filter(isClassic)
  if (classic.length === 0) return []
  const isDependency = (path) => path.includes('node_modules/')
  // From each classic module back through the dependencies that import it: the next step towards
  // classic for every dependency that reaches it.
  const importers = new Map()
  for (const [path, input] of Object.entries(inputs)) {
    for (const imported of input.imports) {
      if (imported.external) continue
      if (!importers.has(imported.path)) importers.set(imported.path, [])
      importers.get(imported.path).push(path)
    }
  }
  const next = new Map(classic.map((path) => [path, null]))
  const queue = [...classic]
  const culprits = new Set()
  while (queue.length > 0) {
    const path = queue.shift()
    for (const importer of importers.get(path) ?? []) {
      if (!isDependency(importer)) {
        culprits.add(`${importer} -> ${chain(path)}`)
        continue
      }
      if (next.has(importer)) continue
      next.set(importer, path)
      queue.push(importer)
    }
  }
  function chain(path) {
    const steps = []
    for (let step = path; step !== null && step !== undefined; step = next.get(step)) steps.push(step.replace(/^.*node_modules\//, ''))
    return steps.join(' -> ')
  }
  return culprits.size > 0 ? [...culprits].sort() : classic.slice(0, 5)
}
