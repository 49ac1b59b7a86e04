// Bundle memguard into dist/ with esbuild: one ESM entry plus lazily loaded chunks.
// Bundling cuts start-up by ~30% and RSS by ~8 MB against plain node_modules (stack-notes §2).
//
// The build goes to a staging directory and is moved into dist/ file by file, chunks first and
// the entry last, so a memguard started while a build runs never sees a half-written dist/.
import {build} from 'esbuild'
import {mkdirSync, readdirSync, renameSync, rmSync} from 'node:fs'
import {join, relative} from 'node:path'

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
  const outputs = Object.keys(result.metafile.outputs).map((path) => relative(staging, path))
  mkdirSync('dist/chunks', {recursive: true})
  const entryLast = [...outputs].sort((a, b) => Number(a.startsWith('index.js')) - Number(b.startsWith('index.js')))
  for (const file of entryLast) renameSync(join(staging, file), join('dist', file))
  const keep = new Set(outputs)
  for (const file of readdirSync('dist/chunks')) if (!keep.has(`chunks/${file}`)) rmSync(join('dist/chunks', file), {force: true})
} finally {
  rmSync(staging, {recursive: true, force: true})
}
