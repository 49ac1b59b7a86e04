import {randomBytes} from 'node:crypto'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {buildCollectorScript, collectorToGathered, commandTimeoutSeconds, CollectorFormatError, parseCollectorOutput, rootPrefix} from './collector.js'
import {isProbeablePid, type CommandResult, type CommandSpec, type Gathered, type GatherPlan, type Host, type ProcessProbe, type WriteFileOptions, type WriteFileResult} from './host.js'
import {timestamp} from './local.js'
import {sshFailure} from './ssh-errors.js'
import {parseSshTarget, type SshTarget} from './ssh-target.js'
import {
  buildCreateExclusiveScript,
  buildAppendScript, buildKernelWriteScript,
  buildProcessAliveScript,
  buildProcessProbeScript,
  buildRemoveScript,
  buildSpawnDetachedScript,
  buildWriteScript,
  parseProcessProbeAnswer,
  parseWriteAnswer,
  writeStarted,
  type OwnerMethod,
} from './ssh-write.js'
import {MemguardError} from '../lib/errors.js'

export interface SshHostOptions {
  /** Arguments put before memguard's own ssh options, e.g. `['-F', file]` or `['-i', key]`. Normally empty: ~/.ssh/config, the agent and ProxyJump apply as for plain ssh. */
  sshArgs?: readonly string[]
  /** The ssh program (default `ssh` from PATH). */
  ssh?: string
  /** ssh ConnectTimeout in seconds (default 10). */
  connectTimeoutSec?: number
  /** Time allowed for one round trip on top of connecting and the longest program time limit (default 60 s). */
  slackMs?: number
  /** Keep the shared master connection this long after the last use (default 60 s); `close()` ends it at once. */
  controlPersistSec?: number
  /** One ControlMaster connection for all round trips (default true). */
  multiplex?: boolean
  /** Read and write under this directory of the host instead of `/` (the remote twin of `--root`). */
  root?: string
  /** How writes copy owner and mode; tests force the portable fallbacks. */
  ownerMethod?: OwnerMethod
}

interface Exchange {
  stdout: Buffer
  stderr: string
  exitCode: number | undefined
}

const MAX_OUTPUT = 512 * 1024 * 1024
const REMOTE_SHELL = 'exec /bin/sh -s'

/**
 * A host reached over OpenSSH, agentless: the host needs sshd, a POSIX /bin/sh and its toolstack.
 *
 * Costs, in ssh invocations: every method – `gather`, `readFile`, `listDir`, `run`,
 * `writeFileAtomic`, `writeKernelFile`, `createExclusive`, `removeFile`, `spawnDetached`,
 * `processAlive`, `probeProcess` – one each (the script goes on stdin, the answer comes back framed on stdout);
 * `close` one (`ssh -O exit`) when a master connection was opened. The first invocation also
 * becomes the ControlMaster (ControlPersist), so later ones skip the TCP and key exchange.
 */
export class SshHost implements Host {
  readonly kind = 'ssh' as const
  readonly readOnly = false
  readonly label: string
  readonly target: SshTarget
  private readonly options: SshHostOptions
  private readonly root: string
  private controlDir: string | null = null
  private started = 0

  constructor(target: SshTarget | string, options: SshHostOptions = {}) {
    this.target = typeof target === 'string' ? parseSshTarget(target) : target
    this.options = options
    this.root = rootPrefix(options.root)
    this.label = this.root ? `${this.target.label} (--root ${this.root})` : this.target.label
  }

  /** ssh processes started so far (for tests and debugging). */
  get invocations(): number {
    return this.started
  }

  async gather(plan: GatherPlan): Promise<Gathered> {
    const nonce = newNonce()
    const secret = newNonce()
    const script = buildCollectorScript(plan, {nonce, secret, root: this.root || undefined})
    const longest = Math.max(0, ...plan.commands.map((spec) => commandTimeoutSeconds(spec) * 1000))
    const answer = await this.exchange(script, this.roundTripTimeout(longest), 'reading the host')
    let parsed
    try {
      parsed = parseCollectorOutput(answer.stdout, nonce, secret)
    } catch (error) {
      if (!(error instanceof CollectorFormatError)) throw error
      throw new MemguardError(`garbled answer from ${this.label}: ${error.message}`, {cause: error})
    }
    if (parsed.errors.length > 0) throw new MemguardError(`reading ${this.label} failed: ${parsed.errors.join('; ')}`)
    if (!parsed.complete) throw this.incomplete(answer, parsed.started, 'reading the host')
    return collectorToGathered(plan, parsed)
  }

  async readFile(path: string): Promise<string | null> {
    const gathered = await this.gather({files: [path], commands: []})
    return gathered.files.get(path) ?? null
  }

  async listDir(path: string): Promise<string[] | null> {
    const gathered = await this.gather({files: [], dirs: [path], commands: []})
    const names = gathered.dirs.get(path)
    return names ? [...names] : null
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    const gathered = await this.gather({files: [], commands: [spec]})
    return gathered.commands.get(spec.id) as CommandResult
  }

  async writeFileAtomic(path: string, content: string, options: WriteFileOptions = {}): Promise<WriteFileResult> {
    const backupPath = options.backup === false ? null : `${path}.memguard-${timestamp()}.bak`
    const script = buildWriteScript({
      nonce: newNonce(),
      path: this.root + path,
      content,
      mode: options.mode ?? 0o644,
      backupPath: backupPath === null ? null : this.root + backupPath,
      ownerMethod: this.options.ownerMethod,
    })
    const made = await this.operation(script, `writing ${path}`, `could not write ${path}`, 'the file was left as it was')
    return {path, backupPath: made === null ? null : backupPath}
  }

  async writeKernelFile(path: string, content: string): Promise<void> {
    await this.operation(buildKernelWriteScript(this.root + path, content), `writing ${path}`, `could not write ${content.trim()} to ${path}`)
  }

  async createExclusive(path: string, content: string, options: {mode?: number; dirMode?: number} = {}): Promise<boolean> {
    const script = buildCreateExclusiveScript({path: this.root + path, content, mode: options.mode ?? 0o600, dirMode: options.dirMode ?? 0o700})
    return (await this.operation(script, `creating ${path}`, `could not create ${path}`)) === 'created'
  }

  async appendFile(path: string, content: string, options: {mode?: number} = {}): Promise<void> {
    await this.operation(buildAppendScript(this.root + path, content, options.mode ?? 0o640), `appending to ${path}`, `could not append to ${path}`)
  }

  async removeFile(path: string): Promise<void> {
    await this.operation(buildRemoveScript(this.root + path), `removing ${path}`, `could not remove ${path}`)
  }

  async spawnDetached(argv: readonly [string, ...string[]]): Promise<number> {
    const pid = Number(await this.operation(buildSpawnDetachedScript(argv, this.root), `starting ${argv[0]}`, `could not start ${argv[0]}`))
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new MemguardError(`could not start ${argv[0]} on ${this.label}: no process id came back`)
    return pid
  }

  async processAlive(pid: number): Promise<boolean> {
    return (await this.operation(buildProcessAliveScript(pid), `checking process ${pid}`, `could not check process ${pid}`)) === 'yes'
  }

  async probeProcess(pid: number): Promise<ProcessProbe> {
    if (!isProbeablePid(pid)) return {status: 'gone'}
    const answer = await this.operation(buildProcessProbeScript(pid), `checking process ${pid}`, `could not check process ${pid}`)
    try {
      return parseProcessProbeAnswer(answer)
    } catch (error) {
      throw new MemguardError(`could not check process ${pid} on ${this.label}: ${(error as Error).message}`, {cause: error})
    }
  }

  /** End the master connection (`ssh -O exit`) and remove the private socket directory. */
  async close(): Promise<void> {
    const dir = this.controlDir
    if (!dir) return
    try {
      await this.stopMaster()
    } finally {
      this.controlDir = null
      rmSync(dir, {recursive: true, force: true})
    }
  }

  /** The full ssh argv for one round trip (exposed for tests and `--debug`). */
  commandLine(): string[] {
    return [this.sshProgram, ...this.sshArgs(this.ensureControlDir()), ...this.destination(), REMOTE_SHELL]
  }

  private get sshProgram(): string {
    return this.options.ssh ?? 'ssh'
  }

  private destination(): string[] {
    return ['--', this.target.host]
  }

  private sshArgs(controlDir: string | null): string[] {
    const o = this.options
    const args = [...(o.sshArgs ?? [])]
    args.push('-T', '-a', '-x')
    args.push('-o', 'BatchMode=yes', '-o', `ConnectTimeout=${o.connectTimeoutSec ?? 10}`)
    args.push('-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3', '-o', 'ClearAllForwardings=yes')
    if (controlDir) {
      args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${join(controlDir, 'm').replaceAll('%', '%%')}`, '-o', `ControlPersist=${o.controlPersistSec ?? 60}`)
    }
    if (this.target.user) args.push('-l', this.target.user)
    if (this.target.port) args.push('-p', String(this.target.port))
    return args
  }

  /** A private (0700) directory for the ControlMaster socket, made on first use. */
  private ensureControlDir(): string | null {
    if (this.options.multiplex === false) return null
    if (!this.controlDir) {
      // A unix socket path must stay under ~104 bytes: fall back to /tmp when TMPDIR is long.
      const base = tmpdir().length <= 60 && !/\s/.test(tmpdir()) ? tmpdir() : '/tmp'
      this.controlDir = mkdtempSync(join(base, 'memguard-ssh-'))
    }
    return this.controlDir
  }

  private roundTripTimeout(longestCommandMs: number): number {
    return (this.options.connectTimeoutSec ?? 10) * 1000 + longestCommandMs + (this.options.slackMs ?? 60_000)
  }

  private async exchange(script: string, timeoutMs: number, what: string): Promise<Exchange> {
    const {execa} = await import('execa')
    const [program, ...args] = this.commandLine() as [string, ...string[]]
    this.started++
    const subprocess = execa(program, args, {
      input: script,
      encoding: 'buffer',
      reject: false,
      killSignal: 'SIGTERM',
      forceKillAfterDelay: 2000,
      maxBuffer: MAX_OUTPUT,
      stripFinalNewline: false,
    })
    // Our own time limit rather than execa's: a ControlMaster mux client hands its stdout/stderr
    // to the master, so killing the client alone leaves the pipes open and memguard waiting.
    // Ending the master closes them; failing that, stop waiting for them.
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      subprocess.kill()
      void this.stopMaster().finally(() => {
        setTimeout(() => {
          subprocess.stdout?.destroy()
          subprocess.stderr?.destroy()
        }, 2000).unref()
      })
    }, timeoutMs)
    let result
    try {
      result = await subprocess
    } finally {
      clearTimeout(timer)
    }
    if (result.code === 'ENOENT') {
      throw new MemguardError(`cannot run ${program}: it is not installed or not in PATH (needed for --host)`, {hint: 'install the OpenSSH client'})
    }
    if (timedOut) {
      throw new MemguardError(`${this.label} did not answer within ${Math.round(timeoutMs / 1000)} s while ${what}: the connection or a remote read hung`, {
        hint: 'nothing is half-written: memguard replaces files by rename only; check the host and run the command again',
      })
    }
    if (result.isMaxBuffer) throw new MemguardError(`${this.label} sent more than ${MAX_OUTPUT / 1024 / 1024} MiB while ${what}`)
    const stdout = Buffer.from(result.stdout instanceof Uint8Array ? result.stdout : new Uint8Array())
    const stderr = result.stderr instanceof Uint8Array ? Buffer.from(result.stderr).toString('utf8') : ''
    return {stdout, stderr, exitCode: result.exitCode}
  }

  /** `ssh -O exit`: end the master connection (and every session riding on it), if there is one. */
  private async stopMaster(): Promise<void> {
    const dir = this.controlDir
    if (!dir || !existsSync(join(dir, 'm'))) return
    const {execa} = await import('execa')
    this.started++
    await execa(this.sshProgram, [...this.sshArgs(dir), '-O', 'exit', ...this.destination()], {reject: false, timeout: 10_000, stdin: 'ignore'})
  }

  /** Run one MGOK/MGERR script; its MGOK value, or a MemguardError naming the host. */
  private async operation(script: string, what: string, failure: string, hint?: string): Promise<string | null> {
    const answer = await this.exchange(script, this.roundTripTimeout(0), what)
    const text = answer.stdout.toString('utf8')
    const result = parseWriteAnswer(text)
    if (result?.ok) return result.value
    if (result) throw new MemguardError(`${failure} on ${this.label}: ${result.message}${stderrDetail(answer.stderr)}`, {hint})
    throw this.incomplete(answer, writeStarted(text), what)
  }

  /** The error for a round trip that did not finish: ssh's own failure (255), or the remote shell's. */
  private incomplete(answer: Exchange, started: boolean, what: string): MemguardError {
    if (answer.exitCode === 255 || answer.exitCode === undefined) return sshFailure(this.label, answer.stderr, answer.exitCode, {started, what})
    if (!started) {
      return new MemguardError(`the remote shell on ${this.label} failed with exit code ${answer.exitCode} while ${what}${stderrDetail(answer.stderr)}`, {
        hint: 'memguard needs a POSIX /bin/sh on the host',
      })
    }
    return new MemguardError(`the remote side on ${this.label} stopped early with exit code ${answer.exitCode} while ${what}${stderrDetail(answer.stderr)}`)
  }
}

function newNonce(): string {
  return randomBytes(16).toString('hex')
}

function stderrDetail(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean)
  return lines.length ? ` (${lines.slice(-2).join(' / ')})` : ''
}
