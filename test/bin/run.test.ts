import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN} from '../helpers/cli.js'

// bin/run.js is both a sh script (for the V8 flag) and the ES module node runs.
describe('bin/run.js', () => {
  it('runs as an executable through sh and hands node the capped young generation', () => {
    const traced = spawnSync('sh', ['-x', BIN, '--version'], {encoding: 'utf8'})
    expect(traced.status).toBe(0)
    expect(traced.stdout).toMatch(/^memguard\/\d+\.\d+\.\d+ /)
    expect(traced.stderr).toMatch(/exec node --max-semi-space-size=1 .*bin\/run\.js --version/)
  })

  it('works through a symlink, as npm installs it, with arguments containing spaces and quotes', () => {
    const link = join(mkdtempSync(join(tmpdir(), 'memguard-bin-')), 'memguard')
    symlinkSync(BIN, link)
    const result = spawnSync(link, ['lint', '--kind', 'xl-domain', `/nonexistent/a b'c.cfg`], {encoding: 'utf8'})
    expect(result.stderr + result.stdout).toContain(`/nonexistent/a b'c.cfg`)
    expect(result.status).toBe(2)
  })

  it('still runs as a plain ES module under `node bin/run.js`', () => {
    expect(execFileSync(process.execPath, [BIN, '--version'], {encoding: 'utf8'})).toMatch(/^memguard\//)
  })
})
