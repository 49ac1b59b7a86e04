import * as z from 'zod/mini'
import {MemguardError} from '../lib/errors.js'
import {ExitCode} from '../lib/exit-codes.js'
import {describeSchemaIssue} from '../lib/schema-issue.js'
import {parseSize} from '../lib/size.js'
import {CONFIG_KINDS, type ConfigKind} from '../xen/config/detect.js'
import {RULES_BY_ID} from './registry.js'
import type {SeveritySetting} from './types.js'

/**
 * `.memguard.yml` (or `.memguard.yaml`): found upward from the working directory, or given with
 * `--config`. Only the `lint:` section is read here; other commands may own other sections.
 *
 *   lint:
 *     rules:                 # severity per rule id: off | warn | error
 *       memory-quoted-string: off
 *       dom0-mem-no-max: error
 *     ignore:                # gitignore-like globs, relative to this file
 *       - "archive/**"
 *       - "*.bak"
 *     kinds:                 # force a file kind by glob (like --kind)
 *       "guests/*.conf": xl-domain
 *     xenVersion: "4.17"     # makes version-dependent rules exact
 *     hostMemory: 64G        # like --host-memory
 *     maxWarnings: 0         # like --max-warnings
 *
 * The parsed YAML object comes in; the file is read (and YAML parsed) by the command layer.
 */

const severity = z.enum(['off', 'warn', 'error', 'warning'])

export const LintConfigSchema = z.strictObject({
  rules: z.optional(z.record(z.string(), severity)),
  ignore: z.optional(z.array(z.string())),
  kinds: z.optional(z.record(z.string(), z.enum(CONFIG_KINDS))),
  xenVersion: z.optional(z.union([z.string(), z.number()])),
  hostMemory: z.optional(z.union([z.string(), z.number()])),
  maxWarnings: z.optional(z.int().check(z.nonnegative())),
})

export const MemguardFileSchema = z.looseObject({lint: z.optional(LintConfigSchema)})

export interface LintConfig {
  /** The config file, for messages and for resolving relative globs. */
  path: string | undefined
  severities: Record<string, SeveritySetting>
  ignore: string[]
  kinds: Array<{pattern: string; kind: ConfigKind}>
  xenVersion: string | undefined
  hostMemoryKiB: number | undefined
  maxWarnings: number | undefined
}

export const EMPTY_LINT_CONFIG: LintConfig = {path: undefined, severities: {}, ignore: [], kinds: [], xenVersion: undefined, hostMemoryKiB: undefined, maxWarnings: undefined}

function bad(path: string | undefined, message: string): MemguardError {
  return new MemguardError(`${path ?? '.memguard.yml'}: ${message}`, {exitCode: ExitCode.usage, hint: 'see `memguard lint --help` for the .memguard.yml format'})
}

/** Validate a parsed `.memguard.yml`. Throws MemguardError (exit 2) with the file name. */
export function parseLintConfig(data: unknown, path?: string): LintConfig {
  if (data === null || data === undefined) return {...EMPTY_LINT_CONFIG, path}
  const parsed = MemguardFileSchema.safeParse(data, {reportInput: true})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw bad(path, `${issue?.path.join('.') || '(top level)'}: ${issue ? describeSchemaIssue(issue) : 'invalid'}`)
  }
  const lint = parsed.data.lint ?? {}
  const severities: Record<string, SeveritySetting> = {}
  for (const [id, value] of Object.entries(lint.rules ?? {})) {
    if (!RULES_BY_ID.has(id)) throw bad(path, `lint.rules: unknown rule "${id}" (see \`memguard lint --list-rules\`)`)
    severities[id] = value === 'warning' ? 'warn' : value
  }
  let hostMemoryKiB: number | undefined
  if (lint.hostMemory !== undefined) {
    try {
      hostMemoryKiB = parseSize(String(lint.hostMemory), {bareUnit: 'MiB', what: 'lint.hostMemory'}).kib
    } catch (error) {
      throw bad(path, (error as Error).message)
    }
  }
  return {
    path,
    severities,
    ignore: lint.ignore ?? [],
    kinds: Object.entries(lint.kinds ?? {}).map(([pattern, kind]) => ({pattern, kind})),
    xenVersion: lint.xenVersion === undefined ? undefined : String(lint.xenVersion),
    hostMemoryKiB,
    maxWarnings: lint.maxWarnings,
  }
}

/** `--rule ID=off|warn|error` (repeatable). Throws a usage error on anything else. */
export function parseRuleFlag(text: string): [string, SeveritySetting] {
  const m = /^([a-z0-9-]+)=(off|warn|warning|error)$/.exec(text.trim())
  if (!m) throw new MemguardError(`--rule ${JSON.stringify(text)}: expected ID=off|warn|error`, {exitCode: ExitCode.usage})
  const id = m[1] as string
  if (!RULES_BY_ID.has(id)) throw new MemguardError(`--rule: unknown rule "${id}"`, {exitCode: ExitCode.usage, hint: 'memguard lint --list-rules shows them'})
  return [id, m[2] === 'warning' ? 'warn' : (m[2] as SeveritySetting)]
}
