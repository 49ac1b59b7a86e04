import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {findDomainConfig, parseXlListLong} from '../../src/xen/xl-list-long.js'
import {ParseError} from '../../src/lib/errors.js'
import {capture, toolOutput} from './fixture-files.js'

describe('parseXlListLong', () => {
  it('reads dom0 from xl list -l JSON and undoes the off-by-one target of libxl before 4.21', () => {
    const [dom0] = parseXlListLong(capture('baseline', 'xl-list-l-0').stdout)
    expect(dom0).toEqual({
      domid: 0,
      name: 'Domain-0',
      type: 'pv',
      maxMemKiB: 1572864,
      maxMemUnlimited: false,
      targetKiB: 1572864,
      printedTargetKiB: 1572863,
      targetCorrection: 'libxl-dom0-video-memkb',
      source: 'xl-json',
      line: 4,
    })
  })

  it('applies the correction by version when the caller knows it', () => {
    const text = capture('memset', '03-xl-list-l-0-after').stdout
    expect(parseXlListLong(text, {xenVersion: '4.17.7'})[0]?.targetKiB).toBe(1048576)
    expect(parseXlListLong(text, {xenVersion: '4.21.0'})[0]).toMatchObject({targetKiB: 1048575, targetCorrection: null})
  })

  it('reads the lab target after a shrink to 256 MiB', () => {
    expect(parseXlListLong(capture('idle-256m', '03-xl-list-l-0-after').stdout)[0]?.targetKiB).toBe(262144)
  })

  it('reads a bare libxl domain_config object, without a domid', () => {
    const [domain] = parseXlListLong(toolOutput('libvirt-libxl-domconfig-basic-pv.json'))
    expect(domain).toMatchObject({domid: null, name: 'test-pv', type: 'pv', maxMemKiB: 524288, targetKiB: 524288, targetCorrection: null})
  })

  it('reads xm list --long: MiB values, and maxmem 16777215 as no limit', () => {
    const domains = parseXlListLong(toolOutput('ganeti-xl-list-long-4.0.1.sxp'))
    const dom0 = findDomainConfig(domains, 0)
    expect(dom0).toMatchObject({name: 'Domain-0', maxMemKiB: null, maxMemUnlimited: true, targetKiB: 1023 * 1024, source: 'xend-sxp', type: 'pv'})
    expect(findDomainConfig(domains, 119)).toMatchObject({name: 'instance1.example.com', maxMemKiB: 128 * 1024, targetKiB: 128 * 1024})
  })

  it('shows a ballooned-down RHEL5 guest: memory below maxmem', () => {
    const [guest] = parseXlListLong(toolOutput('libvirt-xm-list-l-rhel5-curmem.sexpr'))
    expect(guest).toMatchObject({domid: 5, name: 'rhel5', targetKiB: 175 * 1024, maxMemKiB: 385 * 1024})
  })

  it('reads the SXP of old xl (output_format="sxp"), where -1 means unset', () => {
    const text = '(domain\n\t(domid 3)\n\t(create_info)\n\t(hvm 1)\n\t(name win)\n\t(build_info)\n\t(max_memkb 2097152)\n\t(target_memkb -1)\n)\n'
    expect(parseXlListLong(text)).toEqual([
      {domid: 3, name: 'win', type: 'hvm', maxMemKiB: 2097152, maxMemUnlimited: false, targetKiB: null, printedTargetKiB: null, targetCorrection: null, source: 'xl-sxp', line: 1},
    ])
  })

  it('treats LIBXL_MEMKB_DEFAULT (2^64-1) as unset', () => {
    const [domain] = parseXlListLong('[{"domid": 1, "config": {"c_info": {"name": "a"}, "b_info": {"max_memkb": 18446744073709551615, "target_memkb": 1024}}}]')
    expect(domain?.maxMemKiB).toBeNull()
  })

  it('locates broken JSON', () => {
    try {
      parseXlListLong('[\n  {"domid": 0,\n   "config": }\n]', {file: 'xl-list-l'})
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ParseError)
      expect((error as ParseError).location).toMatchObject({file: 'xl-list-l', line: 3})
    }
  })

  it('locates a memory value that is not a number', () => {
    const text = '[\n {"domid": 0, "config": {"b_info": {"max_memkb": 1}}},\n {"domid": 1,\n  "config": {"b_info": {"max_memkb": "lots"}}}\n]'
    try {
      parseXlListLong(text)
      expect.unreachable()
    } catch (error) {
      expect((error as ParseError).message).toMatch(/domain 2: max_memkb is/)
      expect((error as ParseError).location?.line).toBe(4)
    }
  })

  it('refuses text that is neither JSON nor S-expressions', () => {
    expect(() => parseXlListLong('Error: Domain \'7\' does not exist.')).toThrow(/not a long domain listing/)
    expect(() => parseXlListLong('  \n')).toThrow(/empty output/)
    expect(() => parseXlListLong('(vcpu 1)')).toThrow(/expected a \(domain …\) form/)
  })

  it('never throws anything but a ParseError, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string({unit: fc.constantFrom('(', ')', 'domain', 'memory', 'maxmem', ' ', '1', '-', '{', '}', '[', ']', '"', ':', ',')})), (text) => {
        try {
          parseXlListLong(text)
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError)
        }
      }),
      {numRuns: 500},
    )
  })
})
