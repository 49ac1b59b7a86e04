import {copyFile, mkdir, rm, stat, writeFile} from 'node:fs/promises'
import {spawn} from 'node:child_process'
import {dirname} from 'node:path'
import {mkdirSync} from 'node:fs'
import {FileTree} from './file-tree.js'
import type {CommandResult, CommandSpec, Gathered, GatherPlan, Host, WriteFileOptions, WriteFileResult} from './host.js'
import {MemguardError} from '../lib/errors.js'

export const DEFAULT_COMMAND_TIMEOUT_MS = 20_000

/**
 * This machine. With `root`, files under /proc, /sys, /etc, /boot, /run, /var/log are read and
 * written under that directory instead of '/'; programs still come from PATH, so a test can put a
 * recording fake `xl` first in PATH.
 */
export class LocalHost implements Host {
  readonly kind = 'local' as const
  readonly readOnly = false
  readonly label: string
  private readonly tree: FileTree

  constructor(readonly root: string = '/') {
    this.tree = new FileTree(root)
    this.label = root === '/' ? 'this machine' : `this machine (--root ${root})`
  }

  async gather(plan: GatherPlan): Promise<Gathered> {
    // Start the programs first so they run while we read files.
    const running = Promise.all(plan.commands.map(async (spec) => [spec.id, await this.run(spec)] as const))
    const {files, dirs, processes} = this.tree.gatherFiles(plan)
    const commands = new Map(await running)
    return {files, dirs, commands, processes}
  }

  async readFile(path: string): Promise<string | null> {
    return this.tree.readText(path)
  }

  async listDir(path: string): Promise<string[] | null> {
    return this.tree.listDir(path)
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    return runProgram(spec, this.root === '/' ? undefined : {MEMGUARD_ROOT: this.root})
  }

  async writeFileAtomic(path: string, content: string, options: WriteFileOptions = {}): Promise<WriteFileResult> {
    const target = this.tree.resolve(path)
    const existing = await stat(target).catch(() => null)
    let backupPath: string | null = null
    if (existing && options.backup !== false) {
      backupPath = `${path}.memguard-${timestamp()}.bak`
      await copyFile(target, this.tree.resolve(backupPath))
    }
    mkdirSync(dirname(target), {recursive: true})
    const {default: writeFileAtomic} = await import('write-file-atomic')
    try {
      await writeFileAtomic(target, content, {
        fsync: true,
        mode: existing ? existing.mode & 0o7777 : (options.mode ?? 0o644),
        chown: existing ? {uid: existing.uid, gid: existing.gid} : undefined,
      })
    } catch (error) {
      throw new MemguardError(`could not write ${path}: ${(error as Error).message}`, {cause: error})
    }
    return {path, backupPath}
  }

  async writeKernelFile(path: string, content: string): Promise<void> {
    try {
      await writeFile(this.tree.resolve(path), content)
    } catch (error) {
      throw new MemguardError(`could not write ${content.trim()} to ${path}: ${(error as Error).message}`, {cause: error})
    }
  }

  async createExclusive(path: string, content: string, options: {mode?: number; dirMode?: number} = {}): Promise<boolean> {
    const target = this.tree.resolve(path)
    await mkdir(dirname(target), {recursive: true, mode: options.dirMode ?? 0o700})
    try {
      await writeFile(target, content, {flag: 'wx', mode: options.mode ?? 0o600})
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw new MemguardError(`could not create ${path}: ${(error as Error).message}`, {cause: error})
    }
  }

  async removeFile(path: string): Promise<void> {
    await rm(this.tree.resolve(path), {force: true})
  }

  async spawnDetached(argv: readonly [string, ...string[]]): Promise<number> {
    const child = spawn(argv[0], argv.slice(1), {
      detached: true, // setsid(): its own session, no controlling terminal
      stdio: 'ignore',
      env: this.root === '/' ? process.env : {...process.env, MEMGUARD_ROOT: this.root},
    })
    const pid = await new Promise<number>((resolvePid, reject) => {
      child.once('error', (error) => reject(new MemguardError(`could not start ${argv[0]}: ${error.message}`, {cause: error})))
      child.once('spawn', () => resolvePid(child.pid as number))
    })
    child.unref()
    return pid
  }

  async processAlive(pid: number): Promise<boolean> {
    try {
      process.kill(pid, 0)
      return true
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM'
    }
  }

  async close(): Promise<void> {}
}

/** Run one program with a timeout; never throws for the program's own failure. */
export async function runProgram(spec: CommandSpec, extraEnv?: Record<string, string>): Promise<CommandResult> {
  const {execa} = await import('execa')
  const started = Date.now()
  const result = await execa(spec.argv[0], spec.argv.slice(1), {
    reject: false,
    timeout: spec.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    forceKillAfterDelay: 1000,
    maxBuffer: 16 * 1024 * 1024,
    stdin: 'ignore',
    env: extraEnv,
    stripFinalNewline: false,
  })
  const stdout = typeof result.stdout === 'string' ? result.stdout : ''
  const stderr = typeof result.stderr === 'string' ? result.stderr : ''
  return {
    argv: spec.argv,
    exitCode: result.exitCode ?? null,
    stdout,
    stderr: result.code === 'ENOENT' ? `${spec.argv[0]}: command not found` : stderr,
    notFound: result.code === 'ENOENT',
    timedOut: result.timedOut === true,
    notCaptured: false,
    durationMs: Date.now() - started,
  }
}

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
}
