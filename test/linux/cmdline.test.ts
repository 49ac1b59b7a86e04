import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {cmdlineHas, cmdlineValue, parseKernelCmdline} from '../../src/linux/cmdline.js'
import {fixture} from './helpers.js'

describe('parseKernelCmdline', () => {
  it('splits the lab dom0’s /proc/cmdline into key/value tokens', () => {
    const c = parseKernelCmdline(fixture('xenlab-baseline-proc-cmdline.txt'))
    expect(c.tokens.map((t) => t.text)).toEqual(['root=/dev/vda', 'rw', 'console=hvc0', 'earlyprintk=xen', 'net.ifnames=0'])
    expect(cmdlineValue(c, 'console')).toBe('hvc0')
    expect(cmdlineValue(c, 'rw')).toBeNull()
    expect(cmdlineValue(c, 'quiet')).toBeUndefined()
    expect(cmdlineHas(c, 'earlyprintk')).toBe(true)
  })

  it('keeps quoted values with spaces together and drops the quotes, as the kernel does', () => {
    const c = parseKernelCmdline('a="b c" "d=e f" g=')
    expect(c.tokens).toEqual([
      {text: 'a="b c"', key: 'a', value: 'b c'},
      {text: '"d=e f"', key: 'd', value: 'e f'},
      {text: 'g=', key: 'g', value: ''},
    ])
  })

  it('lets the last of repeated keys win', () => {
    expect(cmdlineValue(parseKernelCmdline('console=tty0 console=hvc0'), 'console')).toBe('hvc0')
  })

  it('never throws and never yields an empty token', () => {
    fc.assert(fc.property(fc.string({maxLength: 100}), (t) => {
      for (const tok of parseKernelCmdline(t).tokens) expect(tok.text.length).toBeGreaterThan(0)
    }))
  })
})
