import {existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import type {Gathered, GatherPlan, ProcessFiles} from './host.js'
import {SNAPSHOT_SCHEMA_VERSION, type SnapshotManifest} from './snapshot.js'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'

export interface SnapshotInfo {
  memguardVersion: string
  hostname: string
  source: string
  toolstack: 'xl' | 'xm' | null
  capturedAt?: Date
}

/**
 * Write a snapshot directory. It is assembled in a temporary sibling and renamed into place, so a
 * failed or interrupted capture never leaves a half-written snapshot behind.
 */
export function writeSnapshot(outputDir: string, plan: GatherPlan, gathered: Gathered, info: SnapshotInfo, options: {force?: boolean} = {}): SnapshotManifest {
  const target = resolve(outputDir)
  const nonEmpty = existsSync(target) && readdirSync(target).length > 0
  if (nonEmpty && !options.force) {
    throw new MemguardError(`${outputDir} exists and is not empty`, {exitCode: ExitCode.usage, hint: 'choose a new directory, or pass --force to replace an older snapshot'})
  }
  if (nonEmpty && !existsSync(join(target, 'manifest.json'))) {
    // --force replaces a snapshot, never an arbitrary directory.
    throw new MemguardError(`${outputDir} is not a memguard snapshot (no manifest.json): not replacing it`, {exitCode: ExitCode.usage})
  }
  const staging = `${target}.tmp-${process.pid}`
  rmSync(staging, {recursive: true, force: true})
  try {
    const missing: string[] = []
    for (const [path, text] of gathered.files) {
      if (text === null) missing.push(path)
      else writeHostFile(staging, path, text)
    }
    for (const [path, entries] of gathered.dirs) if (entries === null) missing.push(path)
    for (const proc of gathered.processes ?? []) writeProcess(staging, proc)

    mkdirSync(join(staging, 'commands'), {recursive: true})
    const commands: SnapshotManifest['commands'] = []
    for (const spec of plan.commands) {
      const result = gathered.commands.get(spec.id)
      if (!result) continue
      writeFileSync(join(staging, 'commands', `${spec.id}.stdout`), result.stdout)
      writeFileSync(join(staging, 'commands', `${spec.id}.stderr`), result.stderr)
      commands.push({id: spec.id, argv: [...spec.argv], exitCode: result.exitCode, notFound: result.notFound, timedOut: result.timedOut, durationMs: result.durationMs})
    }
    const manifest: SnapshotManifest = {
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      memguardVersion: info.memguardVersion,
      capturedAt: (info.capturedAt ?? new Date()).toISOString(),
      hostname: info.hostname,
      source: info.source,
      toolstack: info.toolstack,
      commands,
      missing: missing.sort(),
      processCount: gathered.processes?.length ?? 0,
    }
    writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    // Move the old snapshot aside before the new one goes in, so there is always one of them.
    const old = `${target}.old-${process.pid}`
    if (existsSync(target)) renameSync(target, old)
    renameSync(staging, target)
    rmSync(old, {recursive: true, force: true})
    return manifest
  } catch (error) {
    rmSync(staging, {recursive: true, force: true})
    if (error instanceof MemguardError) throw error
    throw new MemguardError(`could not write snapshot ${outputDir}: ${(error as Error).message}`, {cause: error})
  }
}

function writeHostFile(root: string, hostPath: string, text: string): void {
  const path = join(root, 'files', hostPath)
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, text)
}

function writeProcess(root: string, proc: ProcessFiles): void {
  const dir = join(root, 'files', 'proc', String(proc.pid))
  mkdirSync(dir, {recursive: true})
  const files: Array<[string, string | null]> = [
    ['status', proc.status],
    ['stat', proc.stat],
    ['cmdline', proc.cmdline === null ? null : redactCmdline(proc.cmdline)],
    ['oom_score', proc.oomScore],
    ['oom_score_adj', proc.oomScoreAdj],
    ['oom_adj', proc.oomAdj],
  ]
  for (const [name, text] of files) if (text !== null) writeFileSync(join(dir, name), text, 'latin1')
}

const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|credential)/i

/**
 * Command lines can carry secrets (`--password=…`, `mysql -pSECRET`). A snapshot is meant to be
 * attached to bug reports, so values that look like secrets are replaced.
 */
export function redactCmdline(cmdline: string): string {
  const args = cmdline.split('\0')
  let redactNext = false
  const out = args.map((arg, index) => {
    if (redactNext) {
      redactNext = false
      return '<redacted>'
    }
    const eq = arg.indexOf('=')
    if (eq > 0 && SECRET_KEY.test(arg.slice(0, eq))) return `${arg.slice(0, eq + 1)}<redacted>`
    if (/^--?[\w-]*$/.test(arg) && SECRET_KEY.test(arg)) {
      redactNext = index < args.length - 1 && args[index + 1] !== ''
      return arg
    }
    if (/^-p\S+/.test(arg) && index > 0 && /mysql|mariadb/.test(args[0] ?? '')) return '-p<redacted>'
    return arg
  })
  return out.join('\0')
}
