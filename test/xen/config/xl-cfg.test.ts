import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {effectiveSettings, parseXlConfig, valueText, xlInteger, type XlValue} from '../../../src/xen/config/xl-cfg.js'

// Behaviours marked "libxlu:" were checked against xl's own parser (libxlu_cfg_{l,y}.c from
// xen-project/xen c447b7308b, built standalone with gcc) – see docs/rules/syntax-error.md.

const parse = (text: string) => parseXlConfig(text, {file: 't.cfg'})
const values = (text: string) => Object.fromEntries([...effectiveSettings(parse(text)).values()].map((e) => [e.key, plain(e.value)]))

function plain(v: XlValue): unknown {
  if (v.type === 'list') return v.items.map(plain)
  if (v.type === 'expr') return {expr: v.raw}
  return v.value
}

describe('the xl config parser', () => {
  it('reads strings in both quotes, numbers, lists and nested lists', () => {
    expect(values(`name = "a"\nkernel='/boot/k'\nmemory = 1024\nvif = [ 'bridge=br0', "mac=00:16:3e:00:00:01" ]\nvnuma = [ [ "pnode=0", "size=2048" ], [ "pnode=1" ] ]\n`)).toEqual({
      name: 'a',
      kernel: '/boot/k',
      memory: '1024',
      vif: ['bridge=br0', 'mac=00:16:3e:00:00:01'],
      vnuma: [['pnode=0', 'size=2048'], ['pnode=1']],
    })
  })

  it('accepts multi-line lists with tabs, trailing commas, comments after items and commented-out items', () => {
    const cfg = parse(`disk = [\n\t'phy:/dev/a,xvda,w',      # root\n#  'phy:/dev/b,xvdb,w',\n\t'phy:/dev/c,xvdc,w',\n              ]\nmemory = 512\n`)
    expect(cfg.problems).toEqual([])
    expect(values(`disk = [\n\t'a',  # x\n#'b',\n\t'c',\n]\n`)).toEqual({disk: ['a', 'c']})
  })

  it('accepts empty lists and a list of one empty string', () => {
    expect(values('disk = []\nvif = [ \'\' ]\n')).toEqual({disk: [], vif: ['']})
  })

  it('treats ; like a newline, several statements per line and leading indentation included', () => {
    const cfg = parse('    type="hvm"; extra="console=hvc0";\n    pae=1; acpi=1; apic=1;\n')
    expect(cfg.problems).toEqual([])
    expect(values('    type="hvm"; extra="console=hvc0";\n    pae=1; acpi=1;\n')).toEqual({type: 'hvm', extra: 'console=hvc0', pae: '1', acpi: '1'})
  })

  it('ends a comment at the newline, also right after a value with no space', () => {
    expect(values("vif=['bridge=xenbr0'] #Can put MAC in here!\nmemory=256\n")).toEqual({vif: ['bridge=xenbr0'], memory: '256'})
  })

  it('keeps # inside quoted strings', () => {
    expect(values('extra = "console=hvc0 #not a comment"\n')).toEqual({extra: 'console=hvc0 #not a comment'})
  })

  it('decodes backslash escapes as libxlu does (\\\\: in an RBD target becomes \\:)', () => {
    expect(values('t = "mon\\\\:6321\\\\;x \\"q\\" \\x41"\n')).toEqual({t: 'mon\\:6321\\;x "q" A'})
  })

  it('reports an escape libxlu rejects, with its column', () => {
    const cfg = parse('a = "x\\qy"\n')
    expect(cfg.problems).toMatchObject([{kind: "syntax", span: {start: {line: 1, column: 7}}}])
    expect(cfg.problems[0]?.message).toContain('invalid escape')
  })

  it('makes the last assignment win and folds += into it', () => {
    const cfg = parse('extra = "a"\nextra="b"\nextra += " c"\ndisk = ["x"]\ndisk += ["y"]\n')
    expect(values('extra = "a"\nextra="b"\nextra += " c"\ndisk = ["x"]\ndisk += ["y"]\n')).toEqual({extra: 'b c', disk: ['x', 'y']})
    expect(effectiveSettings(cfg).get('extra')?.all).toHaveLength(3)
  })

  it('keeps spans of keys and values that point into the text (for in-place edits)', () => {
    const text = 'name = "web"\n  memory   =  2048 # MiB\n'
    const cfg = parse(text)
    const memory = cfg.settings.find((s) => s.key === 'memory')
    expect(memory?.keySpan.start).toEqual({line: 2, column: 3, offset: 15})
    expect(text.slice(memory?.value.span.start.offset, memory?.value.span.end.offset)).toBe('2048')
    const name = cfg.settings[0]
    expect(text.slice(name?.value.span.start.offset, name?.value.span.end.offset)).toBe('"web"')
  })

  it('locates a bareword line pasted from xen-tools.conf as a syntax error (libxlu: lexical error near `-method`)', () => {
    const cfg = parse('install-method = debootstrap\nmemory = 1\n')
    expect(cfg.problems).toMatchObject([{kind: 'syntax', span: {start: {line: 1, column: 1}}}])
    expect(values('install-method = debootstrap\nmemory = 1\n')).toEqual({memory: '1'})
  })

  it('reports an unquoted value and suggests the quotes', () => {
    const cfg = parse('boot = c\n')
    expect(cfg.problems[0]).toMatchObject({kind: 'syntax', hint: 'write boot = "c"'})
  })

  it('reports a stray quote after the last statement (libxlu: lexical error)', () => {
    const cfg = parse('    boot="c";\'\n')
    expect(cfg.problems).toMatchObject([{kind: 'syntax', span: {start: {line: 1, column: 14}}}])
    expect(values('    boot="c";\'\n')).toEqual({boot: 'c'})
  })

  it('reports units on numbers, which xl cannot lex (libxlu: lexical error near `M`)', () => {
    const cfg = parse('memory = 1024M\n')
    expect(cfg.problems[0]).toMatchObject({kind: 'syntax', hint: 'xl memory keys take MiB without a unit: memory = 1024'})
  })

  it('reports upper-case keys, which xl cannot lex', () => {
    expect(parse('Memory = 5\n').problems[0]?.kind).toBe('syntax')
  })

  it('reports a comment on the last line without a newline (libxlu: lexical error near `#`)', () => {
    const cfg = parse('memory = 5\n# last words')
    expect(cfg.problems).toMatchObject([{kind: 'syntax', span: {start: {line: 2, column: 1}}}])
    expect(parse('memory = 5').problems).toEqual([])
  })

  it('reports CRLF line endings once and still reads the settings (libxlu: lexical error on every line)', () => {
    const cfg = parse('memory = 1024\r\nname = "a"\r\n')
    expect(cfg.problems.filter((p) => p.message.includes('CRLF'))).toHaveLength(1)
    expect(values('memory = 1024\r\nname = "a"\r\n')).toEqual({memory: '1024', name: 'a'})
  })

  it('reports a list that is never closed and goes on with the next key', () => {
    const cfg = parse("disk = [ 'a',\nmemory = 128\n")
    expect(cfg.problems[0]?.message).toContain('never closed')
    expect(values("disk = [ 'a',\nmemory = 128\n").memory).toBe('128')
  })

  it('recognises xm-era Python and still returns the literal settings', () => {
    const text = [
      'import os, re',
      'arch = os.uname()[4]',
      "if re.search('64', arch):",
      "    arch_libdir = 'lib64'",
      'else:',
      "    arch_libdir = 'lib'",
      'def vmid_check(var, val):',
      '    val = int(val)',
      '    return val',
      "xm_vars.var('vmid',",
      '            use="Virtual machine id.",',
      '            check=vmid_check)',
      'xm_vars.check()',
      'memory = 128',
      'name = "VM%d" % vmid',
      "device_model = '/usr/' + arch_libdir + '/xen/bin/qemu-dm'",
      "disk = [ 'phy:sda%d,sda1,w' % (7+vmid),",
      "         'phy:sda6,sda6,r' ]",
      'vif = [ """phy:/dev/x\'",hdb,w""" ]',
      '',
    ].join('\n')
    const cfg = parse(text)
    expect(cfg.python).toBe(true)
    expect(cfg.problems.every((p) => p.kind === 'python')).toBe(true)
    expect(cfg.problems.map((p) => p.span.start.line)).toEqual([1, 2, 3, 5, 7, 10, 13, 15, 16, 17, 19])
    const v = values(text)
    expect(v.memory).toBe('128')
    expect(v.name).toEqual({expr: '"VM%d" % vmid'})
    expect(v.vif).toEqual(['phy:/dev/x\'",hdb,w'])
    expect(v).not.toHaveProperty('arch_libdir')
  })

  it('does not call an ordinary xl file Python', () => {
    expect(parse('# -*- mode: python; -*-\nname = "a"\nmemory = 1\n').python).toBe(false)
  })

  it('survives any input: never throws, spans stay inside the text', () => {
    const alphabet = fc.constantFrom(...'ab =[]\'",;#\n\t\r%+()0x9M:."""\\\ufeffé'.split(''))
    fc.assert(
      fc.property(fc.array(alphabet, {maxLength: 200}).map((a) => a.join('')), (text) => {
        const cfg = parseXlConfig(text)
        for (const s of cfg.settings) {
          expect(s.span.start.offset).toBeLessThanOrEqual(s.span.end.offset)
          expect(s.span.end.offset).toBeLessThanOrEqual(text.length)
          expect(text.slice(s.keySpan.start.offset, s.keySpan.end.offset)).toBe(s.key)
        }
        for (const p of cfg.problems) expect(p.span.end.offset).toBeLessThanOrEqual(text.length)
      }),
      {numRuns: 2000},
    )
  })

  it('round-trips generated configs: print, parse, same values', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/)
    const str = fc.string({maxLength: 12}).filter((s) => !/[\n\\'"]/.test(s))
    const atom = fc.oneof(fc.nat({max: 100000}).map((n) => ({t: 'n' as const, v: String(n)})), str.map((s) => ({t: 's' as const, v: s})))
    type Gen = {t: 'n' | 's'; v: string} | {t: 'l'; v: Gen[]}
    const value: fc.Arbitrary<Gen> = fc.letrec<{v: Gen}>((tie) => ({
      v: fc.oneof({depthSize: 'small'}, atom, fc.array(tie('v'), {maxLength: 4}).map((v) => ({t: 'l' as const, v}))),
    })).v
    const print = (g: Gen): string => (g.t === 'n' ? (g.v as string) : g.t === 's' ? `"${g.v as string}"` : `[ ${(g.v as Gen[]).map(print).join(', ')} ]`)
    const expected = (g: Gen): unknown => (g.t === 'l' ? (g.v as Gen[]).map(expected) : g.v)
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), {selector: ([k]) => k, maxLength: 8}), fc.constantFrom('\n', ';\n', ' # c\n'), (entries, sep) => {
        const text = entries.map(([k, v]) => `${k} = ${print(v)}`).join(sep) + '\n'
        const cfg = parseXlConfig(text)
        expect(cfg.problems).toEqual([])
        expect(Object.fromEntries(cfg.settings.map((s) => [s.key, plain(s.value)]))).toEqual(Object.fromEntries(entries.map(([k, v]) => [k, expected(v)])))
        cfg.settings.forEach((s, i) => expect(text.slice(s.value.span.start.offset, s.value.span.end.offset)).toBe(print((entries[i] as [string, Gen])[1])))
        for (const s of cfg.settings) expect(valueText(s.value)).toBeTypeOf('string')
      }),
      {numRuns: 500},
    )
  })
})

describe('reading a number the way xl does (strtol base 0, whole string)', () => {
  it('reads decimal, hex and octal, and a leading blank', () => {
    expect(xlInteger('2048')).toEqual({ok: true, value: 2048, radix: 10})
    expect(xlInteger('0x10')).toEqual({ok: true, value: 16, radix: 16})
    expect(xlInteger('0512')).toEqual({ok: true, value: 330, radix: 8})
    expect(xlInteger(' 4')).toMatchObject({ok: true, value: 4})
  })

  it('rejects units, fractions, trailing blanks and 08 (libxlu: "not a valid number")', () => {
    for (const s of ['1024M', '1.5', '4 ', '08', '', 'abc']) expect(xlInteger(s).ok).toBe(false)
    expect(xlInteger('08')).toMatchObject({reason: expect.stringContaining('octal')})
  })
})
