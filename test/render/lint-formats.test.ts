import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import * as ajvDraft04 from 'ajv-draft-04'
import {describe, expect, it} from 'vitest'
import {renderLintGithub} from '../../src/render/lint-github.js'
import {lintJson, renderLintJson} from '../../src/render/lint-json.js'
import {renderLintJunit} from '../../src/render/lint-junit.js'
import {lintSarif, toUriReference} from '../../src/render/lint-sarif.js'
import type {LintReport} from '../../src/render/lint-shared.js'
import {renderLintStylish} from '../../src/render/lint-stylish.js'
import {lintFiles} from '../lint/lint-helpers.js'

const files = {
  'etc/xen/web one.cfg': 'name = "web"\nmemory = 1024\nmaxmem = 512\nvcpu = 2\n',
  'etc/xen/ok.cfg': 'name = "ok"\nmemory = 512\n',
  'etc/xen/db.cfg': 'name = "web"\nmemory = "1024M"\nextra = "a, b: 100%\\nnext"\n',
}
const report = (maxWarnings?: number): LintReport => ({result: lintFiles(files), skipped: 3, memguardVersion: '0.1.0', maxWarnings})

describe('stylish output', () => {
  it('groups by file, puts file:line:col first and the rule id last, and sums up', () => {
    const out = renderLintStylish(report(), {color: false})
    expect(out).toContain('  etc/xen/web one.cfg:3:10  error    maxmem (512 MiB) is below memory (1024 MiB)')
    expect(out.startsWith('etc/xen/web one.cfg\n')).toBe(true)
    expect(out).toMatch(/etc\/xen\/web one\.cfg:4:1 {3}warning {2}unknown key `vcpu`; did you mean `vcpus`\?.* {2}unknown-key\n/)
    expect(out).not.toContain('ok.cfg')
    expect(out.trimEnd().split('\n').at(-1)).toBe('✖ 4 problems (3 errors, 1 warning) in 2 files; 3 files checked, 3 skipped (not Xen configs)')
    expect(out).toContain('etc/xen/web one.cfg:1:8   error    domain name "web" is also used by etc/xen/db.cfg:1')
  })

  it('has no escape codes without colour, and some with', () => {
    // eslint-disable-next-line no-control-regex
    expect(renderLintStylish(report(), {color: false})).not.toMatch(/\x1b\[/)
    // eslint-disable-next-line no-control-regex
    expect(renderLintStylish(report(), {color: true})).toMatch(/\x1b\[31m/)
  })

  it('says when there is nothing to report, and when warnings pass --max-warnings', () => {
    const clean = {result: lintFiles({'etc/xen/ok.cfg': files['etc/xen/ok.cfg']}), skipped: 0, memguardVersion: '0.1.0'}
    expect(renderLintStylish(clean, {color: false})).toBe('✔ no problems (1 file checked)\n')
    expect(renderLintStylish(report(0), {color: false})).toContain('✖ 1 warning: more than --max-warnings 0')
  })
})

describe('JSON output', () => {
  it('has a stable shape with 1-based positions', () => {
    const json = lintJson(report())
    expect(json.summary).toEqual({filesChecked: 3, filesSkipped: 3, filesWithProblems: 2, errors: 3, warnings: 1, maxWarnings: null})
    const web = json.files.find((f) => f.path === 'etc/xen/web one.cfg')
    expect(web?.findings[1]).toMatchObject({ruleId: 'maxmem-below-memory', severity: 'error', line: 3, column: 10, endLine: 3, endColumn: 13, related: [{path: 'etc/xen/web one.cfg', line: 2}]})
    expect(json.rules.find((r) => r.id === 'unknown-key')).toMatchObject({severity: 'warning', docs: 'docs/rules/unknown-key.md'})
    expect(JSON.parse(renderLintJson(report()))).toEqual(JSON.parse(JSON.stringify(json)))
  })
})

describe('SARIF output', () => {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8'))
  // ajv-draft-04 is CommonJS: its class is the default export.
  const Ajv = ajvDraft04.default.default
  const ajv = new Ajv({allErrors: true, strict: false})
  ajv.addFormat('uri', (s: string) => /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s))
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s))
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)))
  const validate = ajv.compile(schema)

  it('is valid against the official OASIS SARIF 2.1.0 schema', () => {
    const sarif = lintSarif(report())
    const ok = validate(sarif)
    expect(validate.errors ?? []).toEqual([])
    expect(ok).toBe(true)
  })

  it('is valid for a clean run and for the whole rule set', () => {
    expect(validate(lintSarif({result: lintFiles({}), skipped: 0, memguardVersion: '0.1.0'}))).toBe(true)
  })

  it('points results at rules by index, with relative URIs and regions', () => {
    const sarif = lintSarif(report())
    const run = sarif.runs[0] as (typeof sarif.runs)[0]
    const result = run.results.find((r) => r.ruleId === 'maxmem-below-memory')
    expect(run.tool.driver.rules[result?.ruleIndex as number]?.id).toBe('maxmem-below-memory')
    expect(result?.locations[0]?.physicalLocation).toEqual({artifactLocation: {uri: 'etc/xen/web%20one.cfg', uriBaseId: '%SRCROOT%'}, region: {startLine: 3, startColumn: 10, endLine: 3, endColumn: 13}})
    expect(toUriReference('/abs/a b.cfg')).toBe('file:///abs/a%20b.cfg')
  })
})

describe('JUnit output', () => {
  it('has one suite per file and one failing testcase per finding, escaped', () => {
    const xml = renderLintJunit(report())
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="memguard lint" tests="5" failures="4" errors="0">')).toBe(true)
    expect(xml).toContain('<testsuite name="etc/xen/ok.cfg" tests="1" failures="0"')
    expect(xml).toContain('<testcase classname="etc/xen/db.cfg" name="memory-invalid etc/xen/db.cfg:2:10">')
    expect(xml).toContain('<failure type="error" message="xl cannot read `memory = &quot;1024M&quot;`')
    expect(xml.match(/<testcase /g)).toHaveLength(5)
    expect(xml.match(/<\/testcase>/g)).toHaveLength(4)
  })
})

describe('GitHub annotations', () => {
  it('emits one ::error/::warning per finding with escaped properties and data', () => {
    const out = renderLintGithub(report())
    const lines = out.trimEnd().split('\n')
    expect(lines).toContain('::error file=etc/xen/db.cfg,line=2,col=10,endLine=2,endColumn=17,title=memguard memory-invalid::' + lines[3]?.split('::')[2])
    expect(out).toContain('::warning file=etc/xen/web one.cfg,line=4,col=1,endLine=4,endColumn=5,title=memguard unknown-key::')
    expect(out).toContain('%0A%0Ahint: ')
    expect(lines.at(-1)).toBe('memguard lint: 3 errors, 1 warning in 3 files')
  })
})
