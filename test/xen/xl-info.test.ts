import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {parseXlInfo} from '../../src/xen/xl-info.js'
import {ParseError} from '../../src/lib/errors.js'
import {capture, toolOutput} from './fixture-files.js'

describe('parseXlInfo', () => {
  it('reads the lab host: memory in MiB, the version and the hypervisor command line', () => {
    const info = parseXlInfo(capture('baseline', 'xl-info').stdout)
    expect(info.host).toBe('xenlab-dom0')
    expect(info.release).toBe('6.1.0-56-amd64')
    expect(info.totalMemoryMiB).toBe(2559)
    expect(info.freeMemoryMiB).toBe(994)
    expect(info.nrCpus).toBe(2)
    expect(info.xenVersion).toEqual({major: 4, minor: 17, extra: '.7', text: '4.17.7'})
    expect(info.xenScheduler).toBe('credit2')
    expect(info.xendConfigFormat).toBe(4)
    // The trailing space xl prints after the command line is not part of it.
    expect(info.xenCommandline).toBe('console=com1 com1=115200,8n1 dom0_mem=1536M,max:1536M dom0_max_vcpus=2 loglvl=all guest_loglvl=all console_timestamps=boot noreboot')
    expect(info.raw.xen_changeset).toBe('')
    expect(info.raw.build_id).toBe('151b373fd64b321593bf987fd923cd10dabadac4')
    expect(info.lines.free_memory).toBe(14)
  })

  it('keeps empty values with and without the space after the colon', () => {
    const psec = parseXlInfo(toolOutput('psec-xl-info-4.19-alpine.txt'))
    expect(psec.raw.xen_changeset).toBe('')
    expect(psec.raw.cc_compile_domain).toBe('')
    expect(psec.xenVersion?.text).toBe('4.19.1')
    const ganeti = parseXlInfo(toolOutput('ganeti-xl-info-4.0.1.txt'))
    expect(ganeti.raw.virt_caps).toBe('')
    expect(ganeti.xenCommandline).toBe('placeholder dom0_mem=1024M com1=115200,8n1 console=com1')
  })

  it('builds the version from major, minor and extra when xen_version is not printed (Xen 4.0, 4.2)', () => {
    expect(parseXlInfo(toolOutput('ganeti-xl-info-4.0.1.txt')).xenVersion).toEqual({major: 4, minor: 0, extra: '.1', text: '4.0.1'})
    expect(parseXlInfo(toolOutput('xen-xl-info-4.2-manpage.txt')).xenVersion).toEqual({major: 4, minor: 2, extra: '-unstable', text: '4.2-unstable'})
  })

  it('reads the one-space POD indent and joins hand-wrapped values of the xm(1) sample', () => {
    const info = parseXlInfo(toolOutput('xen-xm-info-3.0-manpage.txt'))
    expect(info.host).toBe('talon')
    expect(info.totalMemoryMiB).toBe(767)
    expect(info.freeMemoryMiB).toBe(37)
    expect(info.raw.xen_changeset).toBe('Mon Nov 14 18:13:38 2005 +0100 7793:090e44133d40')
    expect(info.raw.cc_compiler).toBe('gcc version 3.4.3 (Mandrakelinux 10.2 3.4.3-7mdk)')
    expect(info.xendConfigFormat).toBe(3)
  })

  it('has no command line for an xm info that predates xen_commandline', () => {
    expect(parseXlInfo(toolOutput('xen-xm-info-3.0-manpage.txt')).xenCommandline).toBeUndefined()
  })

  it('accepts a grep subset that keeps only the memory lines', () => {
    const info = parseXlInfo(toolOutput('xengt-15-xl-info-grep-memory.txt'))
    expect(info.totalMemoryMiB).toBe(32673)
    expect(info.freeMemoryMiB).toBe(19947)
    expect(info.host).toBeUndefined()
    expect(info.xenVersion).toBeUndefined()
  })

  it('reads CRLF output', () => {
    const info = parseXlInfo('total_memory           : 2559\r\nfree_memory            : 994\r\n')
    expect(info.freeMemoryMiB).toBe(994)
  })

  it('points at the line that is not key : value', () => {
    try {
      parseXlInfo('total_memory : 1\nfree_memory : 2\nlibxl: oops\nsomething else\n', {file: 'xl-info'})
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ParseError)
      expect((error as ParseError).location).toEqual({file: 'xl-info', line: 4, column: 1})
    }
  })

  it('points at a memory value that is not a number', () => {
    try {
      parseXlInfo('total_memory           : 2559\nfree_memory            : lots\n')
      expect.unreachable()
    } catch (error) {
      expect((error as ParseError).message).toMatch(/free_memory is "lots"/)
      expect((error as ParseError).location).toMatchObject({line: 2, column: 26})
    }
  })

  it('refuses output without total_memory', () => {
    expect(() => parseXlInfo('host : x\nfree_memory : 1\n')).toThrow(/no total_memory field/)
    expect(() => parseXlInfo('')).toThrow(ParseError)
  })

  it('does not let a field named __proto__ or constructor change anything but raw', () => {
    const info = parseXlInfo('__proto__ : x\nconstructor : y\ntotal_memory : 1\nfree_memory : 1\n')
    expect(info.totalMemoryMiB).toBe(1)
    expect(Object.getPrototypeOf(info.raw)).toBe(Object.prototype)
    expect(info.raw.constructor).toBe('y')
  })

  it('never throws anything but a ParseError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({unit: fc.constantFrom('total_memory', 'free_memory', ' : ', ':', '\n', ' ', '  ', 'a', '9', '-', '\t', '\r')}), (text) => {
        try {
          parseXlInfo(text)
        } catch (error) {
          expect(error).toBeInstanceOf(ParseError)
        }
      }),
      {numRuns: 500},
    )
  })
})
