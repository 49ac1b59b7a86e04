import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {
  findDomain,
  isDomainCrashed,
  isDomainDying,
  isDomainLive,
  isDomainPaused,
  isDomainRunning,
  parseDomainState,
  parseXlList,
} from '../../src/xen/xl-list.js'
import {ParseError} from '../../src/lib/errors.js'
import {capture, toolOutput} from './fixture-files.js'

describe('parseXlList', () => {
  it('parses the tab-separated header xl really prints', () => {
    const list = parseXlList(capture('baseline', 'xl-list').stdout)
    expect(list.memHeader).toBe('Mem')
    expect(list.extraColumns).toEqual([])
    expect(list.domains).toEqual([
      {
        name: 'Domain-0',
        nameIsNull: false,
        id: 0,
        memMiB: 1536,
        vcpus: 2,
        state: {text: 'r-----', running: true, blocked: false, paused: false, shutdown: false, shutdownReason: null, dying: false},
        timeSeconds: 41,
        extra: {},
        line: 2,
      },
    ])
  })

  it('shows the actual allocation, not the target, while the balloon is stuck (lab OOM run)', () => {
    expect(parseXlList(capture('oom', '03-xl-list-after').stdout).domains[0]?.memMiB).toBe(981)
  })

  it('reads the verbose columns of xl list -v, including the two-word Security Label', () => {
    const list = parseXlList(capture('baseline', 'xl-list-v').stdout)
    expect(list.extraColumns).toEqual(['UUID', 'Reason-Code', 'Security Label'])
    expect(list.domains[0]?.extra).toEqual({UUID: '00000000-0000-0000-0000-000000000000', 'Reason-Code': '-', 'Security Label': '-'})
  })

  it('reads (null) names, wide IDs and crashed dying domains', () => {
    const list = parseXlList(toolOutput('ganeti-xl-list-crashed.txt'))
    const nameless = findDomain(list, 28441)
    expect(nameless?.name).toBe('(null)')
    expect(nameless?.nameIsNull).toBe(true)
    expect(nameless?.memMiB).toBe(789)
    expect(nameless?.state?.shutdownReason).toBe('crash')
    expect(nameless && isDomainCrashed(nameless)).toBe(true)
    expect(nameless && isDomainPaused(nameless)).toBe(true)
    expect(nameless && isDomainLive(nameless)).toBe(false)
    const dom0 = findDomain(list, 'Domain-0')
    expect(dom0 && isDomainRunning(dom0)).toBe(true)
    expect(dom0?.timeSeconds).toBe(154706.1)
  })

  it('reads a paused guest', () => {
    const guest = findDomain(parseXlList(toolOutput('uvasne-xl-list-paused.txt')), 'guest-01')
    expect(guest?.state?.text).toBe('-bp---')
    expect(guest && isDomainPaused(guest)).toBe(true)
    expect(guest && isDomainDying(guest)).toBe(false)
  })

  it('reads the Claimed column of xl list --claim with the POD indent', () => {
    const list = parseXlList(toolOutput('xen-xl-list-claims-manpage.txt'))
    expect(list.extraColumns).toEqual(['Claimed'])
    expect(findDomain(list, 'Windows_XP')?.extra.Claimed).toBe('1989')
    expect(findDomain(list, 'OL5')?.state?.paused).toBe(true)
  })

  it('reads the old Mem(MiB) header of xm and its four-space indent', () => {
    const list = parseXlList(toolOutput('xen-xm-list-manpage.txt'))
    expect(list.memHeader).toBe('Mem(MiB)')
    expect(list.domains.map((d) => [d.name, d.id, d.memMiB])).toEqual([
      ['Domain-0', 0, 98],
      ['Fedora3', 164, 128],
      ['Fedora4', 165, 128],
      ['Mandrake2006', 166, 128],
      ['Mandrake10.2', 167, 128],
      ['Suse9.2', 168, 100],
    ])
    expect(findDomain(list, 'Fedora4')?.state?.text).toBe('------')
  })

  it('reads the Label column of xm list --label', () => {
    const list = parseXlList(toolOutput('xen-xm-list-label-acm.txt'))
    expect(list.domains[0]?.extra).toEqual({Label: 'ACM:DEFAULT:SystemManagement'})
  })

  it('gives no domains for header-only output (xenstored down)', () => {
    expect(parseXlList(toolOutput('xendevel-s32g-xl-list-header-only.txt')).domains).toEqual([])
  })

  it('keeps spaces inside a domain name, since it reads the numeric columns from the right', () => {
    const list = parseXlList('Name                                        ID   Mem VCPUs\tState\tTime(s)\nmy test vm 2                                 3   512     1     -b----       1.5\n')
    expect(list.domains[0]).toMatchObject({name: 'my test vm 2', id: 3, memMiB: 512})
  })

  it('reads an xend inactive domain, which has no ID and no state', () => {
    const list = parseXlList('Name                                      ID   Mem VCPUs      State   Time(s)\nvm01                                           512     1                0.0\n')
    expect(list.domains[0]).toMatchObject({name: 'vm01', id: null, memMiB: 512, vcpus: 1, state: null})
    expect(isDomainLive(list.domains[0] as never)).toBe(false)
  })

  it('finds a domain the way xl does: digits are an ID, anything else a name', () => {
    const list = parseXlList(toolOutput('ganeti-xl-list-four-instances.txt'))
    expect(findDomain(list, '2')?.name).toBe('testinstance.example.com')
    expect(findDomain(list, 'server01.example.com')?.id).toBe(1)
    expect(findDomain(list, 'nosuchdomain')).toBeUndefined()
    expect(findDomain(list, 7)).toBeUndefined()
  })

  it('decodes the shutdown reason letters of xl', () => {
    expect(parseDomainState('---sr-')?.shutdownReason).toBe('reboot')
    expect(parseDomainState('---sw-')?.shutdownReason).toBe('watchdog')
    expect(parseDomainState('---sS-')?.shutdownReason).toBe('soft_reset')
    expect(parseDomainState('---s--')?.shutdownReason).toBe('poweroff')
    expect(parseDomainState('-----d')?.dying).toBe(true)
    expect(parseDomainState('rb')).toBeUndefined()
  })

  it('refuses something that is not an xl list table, pointing at the header', () => {
    try {
      parseXlList('\nError: Domain \'7\' does not exist.\n', {file: 'xl-list'})
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ParseError)
      expect((error as ParseError).location).toEqual({file: 'xl-list', line: 2, column: 1})
    }
    expect(() => parseXlList('')).toThrow(/empty output/)
  })

  it('points at the column of a bad value', () => {
    try {
      parseXlList('Name ID Mem VCPUs State Time(s)\nDomain-0 0 lots 2 r----- 41.0\n')
      expect.unreachable()
    } catch (error) {
      expect((error as ParseError).message).toMatch(/Mem is "lots"/)
      expect((error as ParseError).location).toMatchObject({line: 2, column: 12})
    }
  })

  it('never throws anything but a ParseError, whatever follows the header', () => {
    const header = 'Name                                        ID   Mem VCPUs\tState\tTime(s)\n'
    fc.assert(
      fc.property(fc.string({unit: fc.constantFrom('Domain-0', ' ', '  ', '\t', '\n', '0', '12', '1.5', 'r-----', '--psc-', '(null)', 'x', '-')}), (rows) => {
        try {
          parseXlList(header + rows)
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError)
        }
      }),
      {numRuns: 500},
    )
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseXlList(text)
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError)
        }
      }),
    )
  })
})
