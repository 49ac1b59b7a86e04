import {readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import * as z from 'zod/mini'
import {FileTree} from './file-tree.js'
import type {CommandResult, CommandSpec, Gathered, GatherPlan, Host, ProcessProbe, WriteFileResult} from './host.js'
import {MemguardError, ParseError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {describeSchemaIssue} from '../lib/schema-issue.js'

/**
 * The snapshot format written by `memguard snapshot` and read by `--snapshot DIR`:
 *
 *   DIR/manifest.json          what was captured, when, from where, and what was missing
 *   DIR/files/<absolute path>  every file read (including /proc/<pid>/… for the process table)
 *   DIR/commands/<id>.stdout   output of each program run, with argv and exit code in the manifest
 *   DIR/commands/<id>.stderr
 */
export const SNAPSHOT_SCHEMA_VERSION = 1

export const snapshotCommandSchema = z.object({
  id: z.string().check(z.regex(/^[A-Za-z0-9._-]+$/)),
  argv: z.array(z.string()).check(z.minLength(1)),
  exitCode: z.nullable(z.int()),
  notFound: z.boolean(),
  timedOut: z.boolean(),
  durationMs: z.optional(z.number().check(z.nonnegative())),
})

export const snapshotManifestSchema = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  memguardVersion: z.string(),
  capturedAt: z.string(),
  hostname: z.string(),
  source: z.string(),
  toolstack: z.nullable(z.enum(['xl', 'xm'])),
  description: z.optional(z.string()),
  commands: z.array(snapshotCommandSchema),
  missing: z.array(z.string()),
  processCount: z.int().check(z.nonnegative()),
})

export type SnapshotManifest = z.infer<typeof snapshotManifestSchema>
export type SnapshotCommand = z.infer<typeof snapshotCommandSchema>

export function loadSnapshotManifest(dir: string): SnapshotManifest {
  const path = join(dir, 'manifest.json')
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new MemguardError(`${dir} is not a memguard snapshot: ${path} is missing`, {exitCode: ExitCode.usage, hint: 'create one with `memguard snapshot -o DIR`'})
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ParseError(`manifest is not valid JSON: ${(error as Error).message}`, {file: path})
  }
  const parsed = snapshotManifestSchema.safeParse(json, {reportInput: true})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ParseError(`manifest does not match schema version ${SNAPSHOT_SCHEMA_VERSION}: ${issue?.path.join('.') || '(root)'}: ${issue ? describeSchemaIssue(issue) : 'invalid'}`, {file: path})
  }
  return parsed.data
}

/** A captured host: reads come from the snapshot, changes are refused (dry runs only). */
export class SnapshotHost implements Host {
  readonly kind = 'snapshot' as const
  readonly readOnly = true
  readonly label: string
  readonly manifest: SnapshotManifest
  private readonly tree: FileTree
  private readonly dir: string

  constructor(dir: string) {
    this.dir = resolve(dir)
    this.manifest = loadSnapshotManifest(this.dir)
    this.tree = new FileTree(join(this.dir, 'files'))
    this.label = `snapshot ${dir} (${this.manifest.hostname}, ${this.manifest.capturedAt})`
  }

  async gather(plan: GatherPlan): Promise<Gathered> {
    const {files, dirs, processes} = this.tree.gatherFiles(plan)
    const commands = new Map<string, CommandResult>()
    for (const spec of plan.commands) commands.set(spec.id, this.recorded(spec))
    return {files, dirs, commands, processes}
  }

  async readFile(path: string): Promise<string | null> {
    return this.tree.readText(path)
  }

  async listDir(path: string): Promise<string[] | null> {
    return this.tree.listDir(path)
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    return this.recorded(spec)
  }

  async writeFileAtomic(path: string, _content?: string): Promise<WriteFileResult> {
    throw new MemguardError(`not writing ${path}: ${this.label} is read-only`, {exitCode: ExitCode.usage})
  }

  async writeKernelFile(path: string): Promise<void> {
    throw new MemguardError(`not writing ${path}: ${this.label} is read-only`, {exitCode: ExitCode.usage})
  }

  async createExclusive(path: string): Promise<boolean> {
    throw new MemguardError(`not creating ${path}: ${this.label} is read-only`, {exitCode: ExitCode.usage})
  }

  async appendFile(path: string): Promise<void> {
    throw new MemguardError(`not writing ${path}: ${this.label} is read-only`, {exitCode: ExitCode.usage})
  }

  async removeFile(path: string): Promise<void> {
    throw new MemguardError(`not removing ${path}: ${this.label} is read-only`, {exitCode: ExitCode.usage})
  }

  async spawnDetached(argv: readonly string[]): Promise<number> {
    throw new MemguardError(`not starting ${argv[0]}: ${this.label} is read-only`, {exitCode: ExitCode.usage})
  }

  async processAlive(): Promise<boolean> {
    return false
  }

  async probeProcess(): Promise<ProcessProbe> {
    return {status: 'unknown', reason: `${this.label} is a snapshot: it has no live processes to ask`}
  }

  async close(): Promise<void> {}

  private recorded(spec: CommandSpec): CommandResult {
    const key = spec.argv.join('\0')
    const entry = this.manifest.commands.find((c) => c.argv.join('\0') === key)
    if (!entry) {
      return {argv: spec.argv, exitCode: null, stdout: '', stderr: `${spec.argv.join(' ')}: not captured in this snapshot`, notFound: false, timedOut: false, notCaptured: true, durationMs: 0}
    }
    const read = (ext: string) => {
      try {
        return readFileSync(join(this.dir, 'commands', `${entry.id}.${ext}`), 'utf8')
      } catch {
        return ''
      }
    }
    return {argv: spec.argv, exitCode: entry.exitCode, stdout: read('stdout'), stderr: read('stderr'), notFound: entry.notFound, timedOut: entry.timedOut, notCaptured: false, durationMs: entry.durationMs ?? 0}
  }
}
