import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {parseSxp, sxpChildren, sxpValue, type SxpList} from '../../src/xen/sxp.js'
import {ParseError} from '../../src/lib/errors.js'

describe('parseSxp', () => {
  it('reads xend settings with comments, quoted empties and bare empties', () => {
    const forms = parseSxp("# comment\n(dom0-min-mem 196)\n(enable-dom0-ballooning no) \n  (xend-address '')\n(bootloader )\n")
    expect(forms).toHaveLength(4)
    const doc: SxpList = {type: 'list', items: forms, line: 1, column: 1, endLine: 1, endColumn: 1}
    expect(sxpValue(doc, 'dom0-min-mem')).toBe('196')
    expect(sxpValue(doc, 'xend-address')).toBe('')
    expect(sxpValue(doc, 'bootloader')).toBeUndefined()
  })

  it('keeps comments inside open lists out of the data', () => {
    const [form] = parseSxp('(tg3\n  (pci_ids\n    # a comment (with parens)\n    (\'14e4:1644\')\n  )\n)')
    expect(form?.type).toBe('list')
    const ids = sxpChildren(form as SxpList, 'pci_ids')[0]
    expect(ids?.items).toHaveLength(2)
  })

  it('locates an unclosed list at the line and column where it opened', () => {
    try {
      parseSxp('(a 1)\n  (b (c 2)\n')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ParseError)
      expect((error as ParseError).location).toEqual({file: undefined, line: 2, column: 3})
    }
  })

  it('locates a stray closing paren', () => {
    expect(() => parseSxp('(a)\n)', 'x.sxp')).toThrow(/unbalanced "\)"/)
  })

  it('never throws anything but a ParseError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({unit: fc.constantFrom('(', ')', "'", '"', '#', '\n', ' ', 'a', '\\')}), (text) => {
        try {
          parseSxp(text)
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError)
        }
      }),
    )
  })
})
