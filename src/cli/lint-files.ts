import {type Dirent, existsSync, readdirSync, readFileSync, realpathSync, statSync} from 'node:fs'
import {dirname, isAbsolute, join, relative, resolve, sep} from 'node:path'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {type ConfigKind, detectKind, kindFromPath} from '../xen/config/detect.js'
import {compileGlobs} from '../lint/glob.js'
import {EMPTY_LINT_CONFIG, type LintConfig, parseLintConfig} from '../lint/config.js'
import type {SourceFile} from '../lint/types.js'

/**
 * The file side of `memguard lint`: finding `.memguard.yml`, walking directories, reading files.
 * Lint's inputs are local files in a repository (not a host), so this reads the local file system
 * directly; everything it reads goes to the pure linter in src/lint.
 */

export const CONFIG_FILE_NAMES = ['.memguard.yml', '.memguard.yaml']
const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.memguard-cache'])
const MAX_FILE_BYTES = 4 * 1024 * 1024

/** The nearest `.memguard.yml` in `from` or a parent directory. */
export function findConfigUpward(from: string): string | undefined {
  let dir = resolve(from)
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name)
      if (existsSync(candidate)) return candidate
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/** Read and validate a config file. Bad YAML or bad values: MemguardError, exit 2. */
export async function loadLintConfig(path: string | undefined): Promise<LintConfig> {
  if (!path) return EMPTY_LINT_CONFIG
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new MemguardError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {exitCode: ExitCode.usage})
  }
  const yaml = await import('yaml')
  // yaml is CommonJS: named exports or, through the bundle, only a default export.
  const parse = yaml.parse ?? (yaml as unknown as {default: typeof yaml}).default.parse
  let data: unknown
  try {
    data = parse(text)
  } catch (error) {
    throw new MemguardError(`${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`, {exitCode: ExitCode.usage})
  }
  return parseLintConfig(data, path)
}

export interface CollectOptions {
  cwd: string
  config: LintConfig
  /** --kind: every file is this kind (detection off). */
  kind?: ConfigKind
  /** Show paths relative to this directory (default cwd). */
  displayBase?: string
}

export interface Collected {
  sources: SourceFile[]
  /** Files looked at and skipped (not Xen configs, ignored, too large). */
  skipped: number
  /** Messages for stderr (explicitly named files that are not Xen configs, …). */
  notices: string[]
}

function displayPath(abs: string, base: string): string {
  const rel = relative(base, abs)
  const shown = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? abs : rel
  return shown.split(sep).join('/')
}

/** Read the files under `paths` (files or directories). Unreadable paths: MemguardError, exit 2. */
export function collectSources(paths: readonly string[], options: CollectOptions): Collected {
  const {cwd, config} = options
  const base = options.displayBase ?? cwd
  const configDir = config.path ? dirname(resolve(config.path)) : cwd
  const ignored = compileGlobs(config.ignore)
  const kindGlobs = config.kinds.map((k) => ({match: compileGlobs([k.pattern]), kind: k.kind}))
  const sources: SourceFile[] = []
  const notices: string[] = []
  const seen = new Set<string>()
  let skipped = 0

  const isIgnored = (abs: string) => {
    const rel = relative(configDir, abs).split(sep).join('/')
    return !rel.startsWith('..') && rel !== '' && ignored(rel)
  }
  const forcedKind = (abs: string): ConfigKind | undefined => {
    if (options.kind) return options.kind
    const rel = relative(configDir, abs).split(sep).join('/')
    return kindGlobs.find((k) => k.match(rel))?.kind
  }
  const readFile = (abs: string, explicit: boolean, viaLink: boolean) => {
    // realpath costs an lstat per path component: only where a file can be reached twice.
    let real = abs
    if (explicit || viaLink) {
      try {
        real = realpathSync(abs)
      } catch {
        real = abs
      }
    }
    if (seen.has(real)) return
    seen.add(real)
    const shown = displayPath(abs, base)
    const forced = forcedKind(abs)
    if (!forced && !explicit && kindFromPath(shown) === 'skip') {
      skipped++
      return
    }
    let size: number
    try {
      size = statSync(abs).size
    } catch (error) {
      throw unreadable(abs, error)
    }
    if (size > MAX_FILE_BYTES) {
      skipped++
      if (explicit) notices.push(`${shown}: skipped, larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`)
      return
    }
    let text: string
    try {
      text = readFileSync(abs, 'utf8')
    } catch (error) {
      throw unreadable(abs, error)
    }
    const kind = forced ?? detectKind(shown, text)
    if (!kind) {
      skipped++
      if (explicit) notices.push(`${shown}: not recognised as a Xen config, skipped (use --kind to force one)`)
      return
    }
    sources.push({path: shown, text, kind})
  }
  const walk = (dir: string) => {
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, {withFileTypes: true})
    } catch (error) {
      throw unreadable(dir, error)
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const abs = join(dir, entry.name)
      if (isIgnored(abs)) {
        skipped++
        continue
      }
      let isDir = entry.isDirectory()
      let isFile = entry.isFile()
      if (entry.isSymbolicLink()) {
        try {
          const st = statSync(abs)
          isDir = st.isDirectory()
          isFile = st.isFile()
        } catch {
          continue // dangling link
        }
        if (isDir) {
          const real = realpathSync(abs)
          if (seen.has(`dir:${real}`)) continue
          seen.add(`dir:${real}`)
        }
      }
      if (isDir) {
        if (!SKIP_DIRS.has(entry.name)) walk(abs)
      } else if (isFile) readFile(abs, false, entry.isSymbolicLink())
    }
  }

  for (const p of paths) {
    const abs = resolve(cwd, p)
    let st
    try {
      st = statSync(abs)
    } catch (error) {
      throw unreadable(p, error)
    }
    if (st.isDirectory()) {
      seen.add(`dir:${realpathSync(abs)}`)
      walk(abs)
    } else readFile(abs, true, false)
  }
  return {sources, skipped, notices}
}

function unreadable(path: string, error: unknown): MemguardError {
  const code = (error as NodeJS.ErrnoException).code
  const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : ((error as Error).message ?? String(error))
  return new MemguardError(`cannot read ${path}: ${why}`, {exitCode: ExitCode.usage})
}

/** The config directories of a `memguard snapshot` (DIR/files/<absolute path>), when present. */
export function snapshotConfigRoots(snapshotDir: string): {base: string; paths: string[]} {
  const base = join(snapshotDir, 'files')
  const paths = ['etc/xen', 'etc/default', 'boot', 'etc/grub.d', 'etc/sysconfig'].map((p) => join(base, p)).filter((p) => existsSync(p))
  return {base, paths}
}
