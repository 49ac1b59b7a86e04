import {spawnSync} from 'node:child_process'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {quoteArg, quoteCommand} from '../../src/host/remote-quote.js'

/** What a real shell makes of `printf '%s\0' <quoted words>`: the words it saw. */
function wordsSeenBy(shell: string, quoted: string): string[] {
  const result = spawnSync(shell, ['-c', `printf '%s\\0' START ${quoted}`], {encoding: 'utf8'})
  if (result.status !== 0) throw new Error(`${shell} failed: ${result.stderr}`)
  return result.stdout.split('\0').slice(1, -1)
}

const shells = ['sh', 'dash', 'bash'].filter((s) => spawnSync(s, ['-c', 'true']).status === 0)
const HOSTILE = ['x; rm -rf /', "it's", "'", "''", '"', '\\', '$(id)', '`id`', '$HOME', '${IFS}', '*', '~', 'a\nb', '\t', ' ', '', '-n', '!', '#', '&&', '|', '>out', 'ünï', '\x01\x7f', '%s']

describe('quoteArg', () => {
  it.each(shells)('makes every hostile word arrive unchanged in %s', (shell) => {
    expect(wordsSeenBy(shell, quoteCommand(HOSTILE))).toEqual(HOSTILE)
  })

  it('round-trips any string without NUL through a real shell (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({unit: fc.integer({min: 1, max: 255}).map((c) => String.fromCharCode(c))}), {maxLength: 5}), (words) => {
        expect(wordsSeenBy('sh', words.map(quoteArg).join(' '))).toEqual(words)
      }),
      {numRuns: 200},
    )
  })

  it('wraps in single quotes and spells a quote as close-escape-reopen', () => {
    expect(quoteArg('x; rm -rf /')).toBe("'x; rm -rf /'")
    expect(quoteArg("it's")).toBe("'it'\\''s'")
    expect(quoteArg('')).toBe("''")
  })

  it('refuses NUL, which no program argument can hold', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL/)
  })
})
