import {appendFile, copyFile, mkdir, rm, stat, writeFile} from 'node:fs/promises'
import {spawn} from 'node:child_process'
import {delimiter, dirname, join} from 'node:path'
import {existsSync, mkdirSync} from 'node:fs'
import {FileTree} from './file-tree.js'
import type {CommandResult, CommandSpec, Gathered, GatherPlan, Host, ProcessProbe, WriteFileOptions, WriteFileResult} from './host.js'
import {probeLocalProcess} from './process-probe.js'
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
    // Spawn the programs before the (synchronous) file reads, so they run meanwhile and are forked
    // while this process is still small.
    const running = await startPrograms(plan.commands, this.programEnv())
    const {files, dirs, processes} = this.tree.gatherFiles(plan, this.root === '/' ? process.pid : undefined)
    const results = await Promise.all(running)
    const commands = new Map(plan.commands.map((spec, i) => [spec.id, results[i] as CommandResult] as const))
    return {files, dirs, commands, processes}
  }

  private programEnv(): Record<string, string> | undefined {
    return this.root === '/' ? undefined : {MEMGUARD_ROOT: this.root}
  }

  async readFile(path: string): Promise<string | null> {
    return this.tree.readText(path)
  }

  async listDir(path: string): Promise<string[] | null> {
    return this.tree.listDir(path)
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    return runProgram(spec, this.programEnv())
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

  async appendFile(path: string, content: string, options: {mode?: number} = {}): Promise<void> {
    const target = this.tree.resolve(path)
    try {
      await mkdir(dirname(target), {recursive: true})
      await appendFile(target, content, {mode: options.mode ?? 0o640})
    } catch (error) {
      throw new MemguardError(`could not append to ${path}: ${(error as Error).message}`, {cause: error})
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

  async probeProcess(pid: number): Promise<ProcessProbe> {
    return probeLocalProcess(pid, (p) => this.processAlive(p))
  }

  async close(): Promise<void> {}
}

/** Whether `program` is on PATH (or is a path that exists): checked before spawning anything. */
export function programExists(program: string, path = process.env.PATH ?? ''): boolean {
  if (program.includes('/')) return existsSync(program)
  return path.split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)))
}

/** Run one program with a timeout; never throws for the program's own failure. */
export async function runProgram(spec: CommandSpec, extraEnv?: Record<string, string>): Promise<CommandResult> {
  const [result] = await startPrograms([spec], extraEnv)
  return result as Promise<CommandResult>
}

/**
 * Start programs at once – each is spawned before this resolves – and return their results to
 * come. A program that is not installed is answered without a spawn (a dom0 has one toolstack and
 * memguard asks for both), and execa is not even loaded when nothing runs.
 *
 * Each program runs in its own process group and the whole group is killed at the timeout: a
 * wrapper script whose child hangs (Debian's xl is one) must not keep memguard waiting on the
 * child's open stdout.
 */
export async function startPrograms(specs: readonly CommandSpec[], extraEnv?: Record<string, string>): Promise<Array<Promise<CommandResult>>> {
  const installed = specs.map((spec) => programExists(spec.argv[0]))
  if (!installed.some(Boolean)) return specs.map((spec) => Promise.resolve(notFoundResult(spec)))
  const {execa} = await import('execa')
  return specs.map(async (spec, i) => {
    if (!installed[i]) return notFoundResult(spec)
    const started = Date.now()
    const subprocess = execa(spec.argv[0], spec.argv.slice(1), {
      reject: false,
      detached: true,
      maxBuffer: 16 * 1024 * 1024,
      stdin: 'ignore',
      env: extraEnv,
      stripFinalNewline: false,
    })
    let killedAtTimeout = false
    const timer = setTimeout(() => {
      killedAtTimeout = true
      try {
        if (subprocess.pid !== undefined) process.kill(-subprocess.pid, 'SIGKILL')
      } catch {
        subprocess.kill('SIGKILL')
      }
    }, spec.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS)
    const result = await subprocess.finally(() => clearTimeout(timer))
    if (result.code === 'ENOENT') return notFoundResult(spec)
    return {
      argv: spec.argv,
      exitCode: result.exitCode ?? null,
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      notFound: false,
      timedOut: killedAtTimeout || result.timedOut === true,
      notCaptured: false,
      durationMs: Date.now() - started,
    }
  })
}

function notFoundResult(spec: CommandSpec): CommandResult {
  return {argv: spec.argv, exitCode: null, stdout: '', stderr: `${spec.argv[0]}: command not found`, notFound: true, timedOut: false, notCaptured: false, durationMs: 0}
}

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
}
