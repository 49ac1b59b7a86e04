import {spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {REVERTER_SCRIPT} from '../../src/ops/reverter-script.js'

const SYSFS = 'sys/devices/system/xen_memory/xen_memory0'
const shells = ['dash', 'bash', 'busybox'].filter((s) => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0)

/**
 * The reverter run directly, with its deadline already past, and a `grep` on PATH that answers the
 * loop's check truthfully and then swaps the state file for another change's: the window between
 * the reverter's last check and its claim, made deterministic.
 */
function runWithSwapAfterLastCheck(shell: string) {
  const root = mkdtempSync(join(tmpdir(), 'memguard-rev-'))
  mkdirSync(join(root, SYSFS), {recursive: true})
  writeFileSync(join(root, SYSFS, 'target_kb'), '1048576\n')
  mkdirSync(join(root, 'run/memguard'), {recursive: true})
  const state = '/run/memguard/rollback.json'
  writeFileSync(join(root, state), '{"token":"mg-aaaaaaaaaaaa"}\n')
  const bin = join(root, 'bin')
  mkdirSync(bin)
  const realGrep = spawnSync('sh', ['-c', 'command -v grep'], {encoding: 'utf8'}).stdout.trim()
  writeFileSync(
    join(bin, 'grep'),
    `#!/bin/sh\n"${realGrep}" "$@"; rc=$?\nif [ ! -e "${root}/swapped" ]; then : > "${root}/swapped"; printf '%s\\n' '{"token":"mg-bbbbbbbbbbbb"}' > "${root}${state}"; fi\nexit $rc\n`,
  )
  chmodSync(join(bin, 'grep'), 0o755)
  const script = join(root, 'memguard-reverter')
  writeFileSync(script, REVERTER_SCRIPT)
  const argv = shell === 'busybox' ? ['busybox', 'sh', script] : [shell, script]
  const past = String(Math.floor(Date.now() / 1000) - 5)
  const r = spawnSync(argv[0] as string, [...argv.slice(1), state, past, '0', '1572864', 'sysfs', 'none', '/var/log/memguard/reverter.log', 'mg-aaaaaaaaaaaa'], {
    env: {...process.env, PATH: `${bin}:${process.env.PATH}`, MEMGUARD_ROOT: root},
    encoding: 'utf8',
    timeout: 10_000,
  })
  return {root, state, status: r.status, log: readFileSync(join(root, 'var/log/memguard/reverter.log'), 'utf8')}
}

describe.each(shells)('the reverter script under %s', (shell) => {
  it('gives back a state file that became another change\'s between its last check and its claim, and restores nothing', () => {
    const {root, state, status, log} = runWithSwapAfterLastCheck(shell)
    expect(status).toBe(0)
    expect(log).toMatch(/superseded at the deadline by another change; exiting/)
    expect(readFileSync(join(root, state), 'utf8')).toContain('mg-bbbbbbbbbbbb')
    expect(existsSync(join(root, `${state}.firing`))).toBe(false)
    expect(readFileSync(join(root, SYSFS, 'target_kb'), 'utf8').trim()).toBe('1048576')
  })
})
