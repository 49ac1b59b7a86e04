// memguard benchmarks: `npm run bench`. Each target is printed beside its reference, measured in
// the same run on the same machine. Timing lives here, never in tests.
//
// memguard is measured as users run it: bin/run.js executed directly (the `memguard` npm installs).
//
// Tried and rejected: capping V8's young generation (--max-semi-space-size=1, from a sh line in
// bin/run.js) took ~13 MB off a 2,000-process status but added ~15 ms to every start (--version went
// from 3.6x to 4.3x node -e 0, over its target), for any value of the flag, even the default.
// To see it again: python3 bench/measure.py 21 3 -- node [--max-semi-space-size=N] bin/run.js --version
//
// NODE_EXTRA_CA_CERTS is removed from the environment of every measured command: on Node 20 it
// adds ~30 ms to every start (146 certificates parsed eagerly), which would swamp the numbers.
import {execFileSync, spawn} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

const root = resolve(import.meta.dirname, '..')
const bin = join(root, 'bin/run.js')
const env = {...process.env}
delete env.NODE_EXTRA_CA_CERTS
const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const only = process.argv[2]

function measure(cmd, {runs = RUNS, warmups = 3} = {}) {
  const out = execFileSync('python3', [join(root, 'bench/measure.py'), String(runs), String(warmups), '--', ...cmd], {env, encoding: 'utf8'})
  return JSON.parse(out)
}

const rows = []
function row(name, measured, reference, target) {
  const ratio = measured.wallMs / reference.wallMs
  const rssMb = measured.peakRssKiB / 1024
  rows.push({name, ms: measured.wallMs, refMs: reference.wallMs, ratio, rssMb, refRssMb: reference.peakRssKiB / 1024, ok: target === null ? null : target(ratio, rssMb), exitCodes: measured.exitCodes})
}

/** A snapshot like healthy-xl with `count` extra processes, for a status at scale. */
function bigSnapshot(count) {
  const base = join(root, 'examples/hosts/healthy-xl')
  const dir = mkdtempSync(join(tmpdir(), 'memguard-bench-snap-'))
  cpSync(base, dir, {recursive: true})
  const template = readFileSync(join(base, 'files/proc/1/status'), 'latin1')
  for (let i = 0; i < count; i++) {
    const pid = 100000 + i
    const d = join(dir, 'files/proc', String(pid))
    mkdirSync(d, {recursive: true})
    writeFileSync(join(d, 'status'), template.replace(/^Name:.*$/m, 'Name:\tworker').replace(/^Pid:.*$/m, `Pid:\t${pid}`).replace(/^VmRSS:.*$/m, `VmRSS:\t${1000 + (i % 500) * 37} kB`))
    writeFileSync(join(d, 'stat'), `${pid} (worker) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 500 10000000 ${250 + i % 100} 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n`)
    writeFileSync(join(d, 'cmdline'), `/usr/bin/worker\0--id\0${i}\0`)
    writeFileSync(join(d, 'oom_score'), `${600 + (i % 60)}\n`)
    writeFileSync(join(d, 'oom_score_adj'), '0\n')
  }
  return dir
}

async function withSleepers(count, fn) {
  const children = []
  for (let i = 0; i < count; i++) children.push(spawn('sleep', ['600'], {stdio: 'ignore'}))
  await new Promise((r) => setTimeout(r, 500))
  try {
    return fn()
  } finally {
    for (const c of children) c.kill('SIGKILL')
  }
}

console.error(`memguard bench: ${RUNS} runs each after 3 warm-ups, median; NODE_EXTRA_CA_CERTS unset for measured commands`)

if (!only || only === 'startup') {
  const nodeBaseline = measure(['node', '-e', '0'])
  row('memguard --version  vs  node -e 0', measure([bin, '--version']), nodeBaseline, (ratio, rss) => ratio < 4 && rss < 64)
}

if (!only || only === 'status') {
  if (existsSync(join(root, 'examples/hosts/xenlab'))) {
    // A small real dom0 (the lab's 84 processes), for scale beside the 2,000-process rows.
    const ps = await withSleepers(0, () => measure(['ps', '-eo', 'pid,rss,comm,oom,oomadj']))
    row('status --json, snapshot of the xenlab dom0 (84 processes)  vs  ps -eo pid,rss,comm,oom,oomadj', measure([bin, 'status', '--json', '--snapshot', join(root, 'examples/hosts/xenlab')]), ps, null)
  }
  if (existsSync(join(root, 'examples/hosts/healthy-xl'))) {
    const snap = bigSnapshot(2000)
    const ps = await withSleepers(0, () => measure(['ps', '-eo', 'pid,rss,comm,oom,oomadj']))
    row('status --json, snapshot with 2,000 processes  vs  ps -eo pid,rss,comm,oom,oomadj', measure([bin, 'status', '--json', '--snapshot', snap]), ps, (_ratio, rss) => rss < 64)
    rmSync(snap, {recursive: true, force: true})
  }
  await withSleepers(2000, () => {
    const ps = measure(['ps', '-eo', 'pid,rss,comm,oom,oomadj'])
    row('status --json, live, +2,000 sleeping processes  vs  ps -eo pid,rss,comm,oom,oomadj', measure([bin, 'status', '--json']), ps, (ratio, rss) => ratio < 1.5 && rss < 64)
    // The floor: node's start plus the same /proc reads, no parsing, no oclif (see the file).
    row('  floor: node + the same 5 /proc files per process, no parsing  vs  ps', measure(['node', join(root, 'bench/proc-read-floor.mjs')]), ps, null)
  })
}

// What the schema library costs every start: zod classic vs zod/mini, each bundled the way
// memguard is (the evidence for moving the hot readers to zod/mini).
if (!only || only === 'imports') {
  const {build} = await import('esbuild')
  const dir = mkdtempSync(join(root, '.bench-imports-'))
  try {
    const variants = {
      'zod (classic)': "import {z} from 'zod'; z.object({a: z.number().int(), b: z.string().nullable()}).parse({a: 1, b: null})",
      'zod/mini': "import * as z from 'zod/mini'; z.object({a: z.int(), b: z.nullable(z.string())}).parse({a: 1, b: null})",
    }
    const nodeBaseline = measure(['node', '-e', '0'])
    for (const [name, code] of Object.entries(variants)) {
      const entry = join(dir, `${name.replace(/\W+/g, '-')}.mjs`)
      writeFileSync(entry, code)
      await build({entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: `${entry}.bundle.mjs`, logLevel: 'error'})
      row(`import cost: ${name}, bundled  vs  node -e 0`, measure(['node', `${entry}.bundle.mjs`]), nodeBaseline, null)
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if ((!only || only === 'lint') && existsSync(join(root, 'bench/lint.mjs'))) {
  execFileSync('node', [join(root, 'bench/lint.mjs')], {env, stdio: 'inherit'})
}

if (rows.length) {
  const pad = (s, n) => String(s).padEnd(n)
  console.log(`\n${pad('benchmark', 84)} ${pad('median', 9)} ${pad('reference', 10)} ${pad('ratio', 7)} ${pad('peak RSS', 10)} ${pad('ref RSS', 9)} target`)
  for (const r of rows) {
    console.log(`${pad(r.name, 84)} ${pad(r.ms.toFixed(0) + ' ms', 9)} ${pad(r.refMs.toFixed(0) + ' ms', 10)} ${pad(r.ratio.toFixed(2) + 'x', 7)} ${pad(r.rssMb.toFixed(1) + ' MB', 10)} ${pad(r.refRssMb.toFixed(1) + ' MB', 9)} ${r.ok === null ? 'info' : r.ok ? 'met' : 'MISSED'}${r.exitCodes.some((c) => c !== 0) ? ` (exit ${r.exitCodes.join(',')})` : ''}`)
  }
  console.log('\ntargets: --version < 4x node -e 0; live status < 1.5x ps; peak RSS < 64 MB')
}
