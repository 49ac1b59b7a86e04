import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, REPO_ROOT} from '../helpers/cli.js'

describe('bin/run.js', () => {
  it('works through a symlink, as npm installs it, with arguments containing spaces and quotes', () => {
    const link = join(mkdtempSync(join(tmpdir(), 'memguard-bin-')), 'memguard')
    symlinkSync(BIN, link)
    const result = spawnSync(link, ['lint', '--kind', 'xl-domain', `/nonexistent/a b'c.cfg`], {encoding: 'utf8'})
    expect(result.stderr + result.stdout).toContain(`/nonexistent/a b'c.cfg`)
    expect(result.status).toBe(2)
  })

  it('writes all of a large output into a pipe whose reader is slow (no exit before stdout drains)', () => {
    const corpus = join(REPO_ROOT, 'test/fixtures/corpus')
    // lint exits 1 here (the corpus has errors): only the bytes matter.
    const whole = spawnSync(process.execPath, [BIN, 'lint', '--format', 'sarif', corpus], {maxBuffer: 64 * 1024 * 1024}).stdout.length
    expect(whole).toBeGreaterThan(128 * 1024)
    const piped = spawnSync('sh', ['-c', '"$0" "$1" lint --format sarif "$2" | (sleep 1; wc -c)', process.execPath, BIN, corpus], {encoding: 'utf8'})
    expect(Number(piped.stdout.trim())).toBe(whole)
  })

  it('runs under `node bin/run.js`', () => {
    expect(execFileSync(process.execPath, [BIN, '--version'], {encoding: 'utf8'})).toMatch(/^memguard\/\d+\.\d+\.\d+ /)
  })
})
