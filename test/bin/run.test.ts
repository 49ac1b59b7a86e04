import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN} from '../helpers/cli.js'

describe('bin/run.js', () => {
  it('works through a symlink, as npm installs it, with arguments containing spaces and quotes', () => {
    const link = join(mkdtempSync(join(tmpdir(), 'memguard-bin-')), 'memguard')
    symlinkSync(BIN, link)
    const result = spawnSync(link, ['lint', '--kind', 'xl-domain', `/nonexistent/a b'c.cfg`], {encoding: 'utf8'})
    expect(result.stderr + result.stdout).toContain(`/nonexistent/a b'c.cfg`)
    expect(result.status).toBe(2)
  })

  it('runs under `node bin/run.js`', () => {
    expect(execFileSync(process.execPath, [BIN, '--version'], {encoding: 'utf8'})).toMatch(/^memguard\/\d+\.\d+\.\d+ /)
  })
})
