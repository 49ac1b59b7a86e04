import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {LocalHost} from '../../src/host/local.js'
import {rewriteFile} from '../../src/ops/rewrite-file.js'

function tree(content?: string) {
  const root = mkdtempSync(join(tmpdir(), 'memguard-rewrite-'))
  if (content !== undefined) writeFileSync(join(root, 'f.conf'), content)
  return {root, host: new LocalHost(root), read: () => readFileSync(join(root, 'f.conf'), 'utf8')}
}

describe('rewriteFile', () => {
  it('writes a file still as the plan read it, keeping a backup', async () => {
    const {root, host, read} = tree('old\n')
    const r = await rewriteFile(host, {path: '/f.conf', before: 'old\n', after: 'new\n'}, 0o644)
    expect(r).toMatchObject({outcome: 'written', backupPath: expect.stringMatching(/^\/f\.conf\.memguard-/)})
    expect(read()).toBe('new\n')
    expect(readdirSync(root).filter((n) => n.startsWith('f.conf.memguard-'))).toHaveLength(1)
  })

  it('creates a file the plan found absent', async () => {
    const {host, read} = tree()
    expect(await rewriteFile(host, {path: '/f.conf', before: null, after: 'new\n'}, 0o644)).toMatchObject({outcome: 'created'})
    expect(read()).toBe('new\n')
  })

  it('leaves a file that changed since the plan read it, and one that already says what the plan wants', async () => {
    const edited = tree('edited meanwhile\n')
    expect(await rewriteFile(edited.host, {path: '/f.conf', before: 'old\n', after: 'new\n'}, 0o644)).toEqual({outcome: 'conflict'})
    expect(edited.read()).toBe('edited meanwhile\n')
    const done = tree('new\n')
    expect(await rewriteFile(done.host, {path: '/f.conf', before: 'old\n', after: 'new\n'}, 0o644)).toEqual({outcome: 'already'})
    expect(readdirSync(done.root)).toEqual(['f.conf'])
  })

  it('writes when the plan could not read the file (nothing to compare with)', async () => {
    const {host, read} = tree('whatever\n')
    expect(await rewriteFile(host, {path: '/f.conf', before: null, after: 'new\n', beforeKnown: false}, 0o644)).toMatchObject({outcome: 'written'})
    expect(read()).toBe('new\n')
  })
})
