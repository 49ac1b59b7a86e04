/**
 * The Host port. Everything memguard learns about or changes on a machine goes through here;
 * parsers and policy never do I/O.
 *
 * A command declares what it needs as a GatherPlan and asks for it in one call, so that a remote
 * transport can serve the whole read phase in one round trip. Single reads and runs exist for the
 * write/apply phases (mem-set, protect, dom0-mem).
 */

export interface CommandSpec {
  /** Stable identifier, also the file name in a snapshot (`xl-info`). */
  id: string
  /** Program and arguments. No shell is involved, ever. */
  argv: readonly [string, ...string[]]
  /** Kill the program after this long (a hung `xl` must not hang memguard). */
  timeoutMs?: number
}

export interface CommandResult {
  argv: readonly string[]
  /** null when the program did not run to an exit (not found, killed, timed out). */
  exitCode: number | null
  stdout: string
  stderr: string
  /** The program is not installed on this host (ENOENT). */
  notFound: boolean
  timedOut: boolean
  /** A snapshot that did not record this command. */
  notCaptured: boolean
  durationMs: number
}

/** The raw /proc/<pid> files of one process; null where the file is missing or unreadable. */
export interface ProcessFiles {
  pid: number
  status: string | null
  stat: string | null
  /** NUL-separated as the kernel gives it. */
  cmdline: string | null
  oomScore: string | null
  /** Kernels >= 2.6.36. */
  oomScoreAdj: string | null
  /** Legacy knob; read only when oom_score_adj is absent. */
  oomAdj: string | null
}

export interface GatherPlan {
  /** Absolute paths of files to read. Missing files are recorded as null, never an error. */
  files: readonly string[]
  /** Directories to list. */
  dirs?: readonly string[]
  commands: readonly CommandSpec[]
  /** Read the process table (/proc/<pid>/…). */
  processes?: boolean
}

export interface Gathered {
  files: ReadonlyMap<string, string | null>
  dirs: ReadonlyMap<string, readonly string[] | null>
  commands: ReadonlyMap<string, CommandResult>
  processes: readonly ProcessFiles[] | null
}

export type HostKind = 'local' | 'snapshot' | 'ssh'

/**
 * What `probeProcess` found. `alive` with argv [] is a zombie or a kernel thread; argv null: the
 * process exists but its command line could not be read. `unknown`: this host has no live
 * processes to ask (a snapshot).
 */
export type ProcessProbe = {status: 'gone'} | {status: 'alive'; argv: string[] | null} | {status: 'unknown'; reason: string}

export interface WriteFileOptions {
  /** Mode for a new file; an existing file keeps its mode and owner. */
  mode?: number
  /** Keep a timestamped backup of the file being replaced (default true). */
  backup?: boolean
}

export interface WriteFileResult {
  path: string
  backupPath: string | null
}

export interface Host {
  readonly kind: HostKind
  /** For messages: "this machine", "snapshot examples/hosts/xenlab", "root@dom0.example". */
  readonly label: string
  /** Snapshots are read-only: every change becomes a dry run. */
  readonly readOnly: boolean

  gather(plan: GatherPlan): Promise<Gathered>
  readFile(path: string): Promise<string | null>
  listDir(path: string): Promise<string[] | null>
  run(spec: CommandSpec): Promise<CommandResult>
  /** Atomic replace (temp file + fsync + rename), owner and mode kept, optional backup. */
  writeFileAtomic(path: string, content: string, options?: WriteFileOptions): Promise<WriteFileResult>
  /** A plain write for kernel interfaces (sysfs, /proc) where rename is impossible. */
  writeKernelFile(path: string, content: string): Promise<void>
  /**
   * Create a file only if it does not exist (O_EXCL): the primitive behind memguard's per-host
   * lock. Creates missing parent directories with `dirMode`. Returns false when it already exists.
   */
  createExclusive(path: string, content: string, options?: {mode?: number; dirMode?: number}): Promise<boolean>
  /**
   * Append to a file (O_APPEND: concurrent appenders never lose each other's lines), creating it
   * and its directory when missing. For logs; never for config files (those are written atomically).
   */
  appendFile(path: string, content: string, options?: {mode?: number}): Promise<void>
  /** Remove a file; a missing file is not an error. */
  removeFile(path: string): Promise<void>
  /**
   * Start a program that outlives memguard: its own session (setsid), no controlling terminal,
   * stdio to /dev/null. Returns its PID on the host. Used for the dead-man reverter.
   */
  spawnDetached(argv: readonly [string, ...string[]]): Promise<number>
  /** Whether a process with this PID exists on the host (stale-lock detection). */
  processAlive(pid: number): Promise<boolean>
  /**
   * Whether a process with this PID exists on the host and what it runs (its argv, from
   * /proc/<pid>/cmdline), to tell one of memguard's own (the dead-man reverter) from a process
   * that reused its PID. Like processAlive it asks the host's live processes – under --root too,
   * where the reverter runs on the machine and not in the tree.
   */
  probeProcess(pid: number): Promise<ProcessProbe>
  close(): Promise<void>
}

/** A PID worth asking about: `kill(0)` and `kill(-1)` mean process groups, not processes. */
export function isProbeablePid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 0
}

/** Merge plans so one gather serves several readers. */
export function mergePlans(...plans: GatherPlan[]): GatherPlan {
  const files = new Set<string>()
  const dirs = new Set<string>()
  const commands = new Map<string, CommandSpec>()
  let processes = false
  for (const plan of plans) {
    plan.files.forEach((f) => files.add(f))
    plan.dirs?.forEach((d) => dirs.add(d))
    plan.commands.forEach((c) => commands.set(c.id, c))
    processes ||= plan.processes === true
  }
  return {files: [...files], dirs: [...dirs], commands: [...commands.values()], processes}
}

/** Text of a gathered file, or null. */
export function gatheredFile(g: Gathered, path: string): string | null {
  return g.files.get(path) ?? null
}

/** A command's result if it ran and exited 0. */
export function succeeded(result: CommandResult | undefined): result is CommandResult {
  return result !== undefined && result.exitCode === 0
}
