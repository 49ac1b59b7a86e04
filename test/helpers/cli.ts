import {execa} from 'execa'
import {resolve} from 'node:path'

export const REPO_ROOT = resolve(import.meta.dirname, '../..')
export const BIN = resolve(REPO_ROOT, 'bin/run.js')
export const FAKE_BIN = resolve(REPO_ROOT, 'test/fixtures/bin')
export const EXAMPLE_HOSTS = resolve(REPO_ROOT, 'examples/hosts')

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Run the built memguard as a user would: `node bin/run.js …`, never throwing on exit codes. */
export async function runCli(args: string[], options: {env?: Record<string, string>; fakeToolstack?: boolean; cwd?: string; timeoutMs?: number} = {}): Promise<CliResult> {
  const env: Record<string, string> = {NO_COLOR: '1', ...options.env}
  if (options.fakeToolstack) env.PATH = `${FAKE_BIN}:${process.env.PATH}`
  const result = await execa('node', [BIN, ...args], {reject: false, env, cwd: options.cwd ?? REPO_ROOT, timeout: options.timeoutMs ?? 60_000, stdin: 'ignore'})
  return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)}
}
