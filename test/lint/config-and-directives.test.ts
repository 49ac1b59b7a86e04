import {describe, expect, it} from 'vitest'
import {parseLintConfig, parseRuleFlag} from '../../src/lint/config.js'
import {compileGlobs} from '../../src/lint/glob.js'
import {closest} from '../../src/lint/suggest.js'
import {findings, lintFiles, where} from './lint-helpers.js'

const bad = 'name = "a"\nmemory = 1024\nvcpu = 2\nmaxcpus = 2\n'

describe('inline directives', () => {
  it('disable-next-line silences one rule on the next line only', () => {
    const text = 'name = "a"\nmemory = 1024\n# memguard-disable-next-line unknown-key -- legacy\nvcpu = 2\nmaxcpus = 2\n'
    expect(findings({'etc/xen/a.cfg': text}).map(where)).toEqual(['etc/xen/a.cfg:5:1 unknown-key'])
  })

  it('disable-line works as a trailing comment', () => {
    expect(findings({'etc/xen/a.cfg': 'name = "a"\nmemory = 1024\nvcpu = 2 # memguard-disable-line unknown-key\n'})).toEqual([])
  })

  it('disable … enable covers a range, and no ids means every rule', () => {
    const text = 'name = "a"\n# memguard-disable\nmemory = "1024"\nvcpu = 2\n# memguard-enable\nmaxcpus = 2\n'
    expect(findings({'etc/xen/a.cfg': text}).map(where)).toEqual(['etc/xen/a.cfg:6:1 unknown-key'])
  })

  it('disable without enable lasts to the end of the file and leaves other rules on', () => {
    const text = '# memguard-disable unknown-key\nname = "a"\nmemory = "1024"\nvcpu = 2\n'
    expect(findings({'etc/xen/a.cfg': text}).map(where)).toEqual(['etc/xen/a.cfg:3:10 memory-quoted-string'])
  })

  it('tells about a directive naming an unknown rule', () => {
    const result = lintFiles({'etc/xen/a.cfg': `# memguard-disable unknwon-key\n${bad}`})
    expect(result.notices).toEqual(['etc/xen/a.cfg:1: memguard directive names an unknown rule "unknwon-key"'])
  })
})

describe('severity settings', () => {
  it('turns rules off, demotes errors and promotes warnings', () => {
    const result = lintFiles({'etc/xen/a.cfg': `${bad}maxmem = 512\n`}, {severities: {'unknown-key': 'error', 'maxmem-below-memory': 'warn', 'memory-quoted-string': 'off'}})
    const all = result.files.flatMap((f) => f.findings.map((x) => `${x.ruleId}:${x.severity}`))
    expect(all).toEqual(['unknown-key:error', 'unknown-key:error', 'maxmem-below-memory:warning'])
    expect(result.rules.some((r) => r.rule.id === 'memory-quoted-string')).toBe(false)
  })
})

describe('.memguard.yml', () => {
  it('reads rules, ignores, kinds and host facts from the lint section', () => {
    const cfg = parseLintConfig({lint: {rules: {'unknown-key': 'off', 'dom0-mem-no-max': 'warning'}, ignore: ['archive/**'], kinds: {'guests/*.conf': 'xl-domain'}, xenVersion: 4.17, hostMemory: '64G', maxWarnings: 3}, other: {x: 1}}, '/r/.memguard.yml')
    expect(cfg).toMatchObject({severities: {'unknown-key': 'off', 'dom0-mem-no-max': 'warn'}, ignore: ['archive/**'], kinds: [{pattern: 'guests/*.conf', kind: 'xl-domain'}], xenVersion: '4.17', hostMemoryKiB: 64 * 1024 * 1024, maxWarnings: 3})
  })

  it('accepts an empty file', () => {
    expect(parseLintConfig(null).severities).toEqual({})
  })

  it('rejects unknown rules, bad severities and unknown keys with the file name (exit 2)', () => {
    expect(() => parseLintConfig({lint: {rules: {'no-such-rule': 'off'}}}, 'x.yml')).toThrow(/x\.yml: lint\.rules: unknown rule "no-such-rule"/)
    expect(() => parseLintConfig({lint: {rules: {'unknown-key': 'loud'}}}, 'x.yml')).toThrow(/x\.yml: lint\.rules\.unknown-key/)
    expect(() => parseLintConfig({lint: {ignores: []}}, 'x.yml')).toThrow(/x\.yml/)
    try {
      parseLintConfig({lint: {hostMemory: 'lots'}}, 'x.yml')
    } catch (error) {
      expect((error as {exitCode: number}).exitCode).toBe(2)
    }
  })

  it('parses --rule ID=LEVEL and rejects anything else', () => {
    expect(parseRuleFlag('unknown-key=off')).toEqual(['unknown-key', 'off'])
    expect(() => parseRuleFlag('unknown-key')).toThrow(/ID=off\|warn\|error/)
    expect(() => parseRuleFlag('nope=off')).toThrow(/unknown rule/)
  })
})

describe('ignore globs', () => {
  it('match names anywhere, anchored paths, ** and directories', () => {
    const m = compileGlobs(['*.bak', '/archive/', 'tool-output/**', 'hosts/*/old.cfg'])
    expect(['a.bak', 'x/y/z.bak', 'archive/a.cfg', 'tool-output/a/b.txt', 'hosts/h1/old.cfg'].map(m)).toEqual([true, true, true, true, true])
    expect(['x/archive/a.cfg', 'a.cfg', 'hosts/h1/x/old.cfg'].map(m)).toEqual([false, false, false])
  })
})

describe('did-you-mean', () => {
  it('suggests close keys and transpositions, not far ones', () => {
    expect(closest('vpcus', ['vcpus', 'memory'])).toBe('vcpus')
    expect(closest('memroy', ['memory', 'maxmem'])).toBe('memory')
    expect(closest('arch', ['vcpus', 'memory', 'kernel'])).toBeUndefined()
  })
})
