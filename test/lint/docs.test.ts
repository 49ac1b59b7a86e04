import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ALL_RULES} from '../../src/lint/registry.js'
import {ruleDocsPath} from '../../src/lint/types.js'

const ROOT = join(import.meta.dirname, '..', '..')

describe('rule documentation', () => {
  for (const rule of ALL_RULES) {
    it(`docs/rules/${rule.id}.md explains what, why, how to fix, with examples and the right severity`, () => {
      expect(rule.docs).toBe(ruleDocsPath(rule.id))
      const path = join(ROOT, rule.docs)
      expect(existsSync(path)).toBe(true)
      const text = readFileSync(path, 'utf8')
      expect(text.startsWith(`# ${rule.id}\n`)).toBe(true)
      for (const heading of ['## What it finds', '## Why it matters', '## How to fix', '## Examples']) expect(text).toContain(heading)
      expect(text).toContain(`default severity: \`${rule.severity}\``)
    })
  }

  it('lists every rule in the index', () => {
    const index = readFileSync(join(ROOT, 'docs', 'rules', 'README.md'), 'utf8')
    for (const rule of ALL_RULES) expect(index).toContain(`[\`${rule.id}\`](${rule.id}.md)`)
  })

  it('uses stable kebab-case ids', () => {
    for (const rule of ALL_RULES) expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length)
  })
})
