// What scripts/make-demo-hosts.mjs and scripts/make-xenlab-snapshot.mjs share: the plan they write
// snapshots for, and the writing of one snapshot directory (memguard's format, src/host/snapshot.ts).
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const packageVersion = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version

/** statusPlan() of src/state/plan.ts: the TypeScript source bundled with esbuild (as scripts/build.mjs does) and imported. */
export async function loadStatusPlan() {
  const {build} = await import('esbuild')
  const out = await build({entryPoints: [join(REPO, 'src/state/plan.ts')], bundle: true, write: false, format: 'esm', platform: 'node', target: 'node20', logLevel: 'silent'})
  const {statusPlan} = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`)
  return statusPlan()
}

/** `planCommands` ([id, argv] in write order) must be exactly the plan's commands. */
export function checkPlanCommands(script, planCommands, plan) {
  const key = (argvList) => argvList.join('\0')
  const ours = planCommands.map(([, argvList]) => key(argvList)).sort()
  const wanted = plan.commands.map((c) => key(c.argv)).sort()
  if (ours.join('\n') !== wanted.join('\n')) throw new Error(`${script}: PLAN_COMMANDS differ from statusPlan()'s commands: ${JSON.stringify(plan.commands.map((c) => c.argv))}`)
}

/**
 * Replace `<outRoot>/<name>` with a snapshot: `files` (absolute host path → text), the processes'
 * /proc/<pid>/<file> texts (null: not captured, not written), one stdout/stderr pair per plan
 * command (`{stdout, stderr?, exitCode?}` or `{notFound: true}`) and manifest.json with what the
 * plan reads but the host lacks. `notFoundStderr(argv)` is what a missing program left on stderr.
 */
export function writeSnapshot({outRoot, name, manifest, files, commands, processes, plan, planCommands, notFoundStderr, must}) {
  const dir = join(outRoot, name)
  rmSync(dir, {recursive: true, force: true})
  const put = (rel, text) => {
    const path = join(dir, rel)
    mkdirSync(dirname(path), {recursive: true})
    writeFileSync(path, text, 'latin1')
  }
  for (const [path, text] of Object.entries(files)) {
    must(path.startsWith('/'), `${name}: file path ${path} is not absolute`)
    must(!/^\/proc\/\d+\//.test(path), `${name}: process files come from the process table, not ${path}`)
    put(join('files', path), text)
  }
  for (const p of processes) {
    for (const [file, text] of Object.entries(p.files)) if (text !== null) put(`files/proc/${p.pid}/${file}`, text)
  }
  const manifestCommands = []
  for (const [id, argvList] of planCommands) {
    const c = commands[id]
    must(c !== undefined, `${name}: no entry for command ${id}`)
    if (c.notFound) {
      put(`commands/${id}.stdout`, '')
      put(`commands/${id}.stderr`, notFoundStderr(argvList))
      manifestCommands.push({id, argv: argvList, exitCode: null, notFound: true, timedOut: false})
    } else {
      put(`commands/${id}.stdout`, c.stdout)
      put(`commands/${id}.stderr`, c.stderr ?? '')
      manifestCommands.push({id, argv: argvList, exitCode: c.exitCode ?? 0, notFound: false, timedOut: false})
    }
  }
  const missing = plan.files.filter((f) => !(f in files))
  const full = {
    schemaVersion: 1,
    memguardVersion: packageVersion,
    ...manifest,
    commands: manifestCommands,
    missing,
    processCount: processes.length,
  }
  put('manifest.json', JSON.stringify(full, null, 2) + '\n')
  console.log(`${name}: ${Object.keys(files).length} files, ${processes.length} processes, ${missing.length} plan files missing -> ${dir}`)
}
