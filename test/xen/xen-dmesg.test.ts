import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {findXenCommandLine, parseXenDmesg} from '../../src/xen/xen-dmesg.js'
import {capture, toolOutput} from './fixture-files.js'

describe('parseXenDmesg', () => {
  it('finds the command line behind the raw console timestamps of the lab boot', () => {
    const info = parseXenDmesg(capture('baseline', 'xl-dmesg').stdout)
    expect(info.commandLine).toBe('console=com1 com1=115200,8n1 dom0_mem=1536M,max:1536M dom0_max_vcpus=2 loglvl=all guest_loglvl=all console_timestamps=boot noreboot')
    expect(info.commandLineLine).toBe(4)
    expect(info.xenVersionText).toBe('4.17.7')
    expect(info.suspectWrapped).toBe(false)
  })

  it('reads a full xl dmesg whose banner and first warnings come before the version', () => {
    const info = parseXenDmesg(toolOutput('psec-xl-dmesg-4.19-alpine.txt'))
    expect(info.commandLine).toBe('placeholder loglevel=0 console=null dom0_mem=512M,max:1024M no-real-mode edd=off')
    expect(info.commandLineLine).toBe(8)
    expect(info.xenVersionText).toBe('4.19.1')
  })

  it('strips the hypervisor.log date prefix and keeps the built-in command line apart', () => {
    const info = parseXenDmesg(toolOutput('xendevel-qubes-hypervisor-log-excerpt.txt'))
    expect(info.commandLine).toBe(
      'placeholder console=none dom0_mem=min:1024M dom0_mem=max:4096M dom0_max_vcpus=1 dom0_vcpus_pin ucode=scan smt=off gnttab_max_frames=2048 gnttab_max_maptrack_frames=4096 ept=exec-sp no-real-mode edd=off',
    )
    expect(info.builtInCommandLine).toBe('ept=exec-sp')
    expect(info.xenVersionText).toBe('4.14.0')
  })

  it('reads an ARM boot log with blank (XEN) lines', () => {
    const info = parseXenDmesg(toolOutput('xendevel-s32g-arm64-xen-boot-excerpt.txt'))
    expect(info.commandLine).toBe('dom0_mem=512M dom0_max_vcpus=1 bootscrub=0')
    expect(info.xenVersionText).toBe('4.14.0')
  })

  it('ignores the Linux dom0 command line in plain dmesg', () => {
    expect(findXenCommandLine(capture('baseline', 'dmesg').stdout)).toBeNull()
  })

  it('gives null when the ring buffer no longer holds the boot lines', () => {
    const info = parseXenDmesg(capture('errors', 'xl-dmesg-tail').stdout)
    expect(info).toMatchObject({commandLine: null, commandLineLine: null, commandLineCount: 0})
  })

  it('takes the last boot of a hypervisor.log that holds several', () => {
    const log = [
      '[2024-01-01 10:00:00] (XEN) Command line: dom0_mem=1G',
      '[2024-01-01 10:00:00] (XEN) Xen version 4.16.1 (x)',
      '[2024-02-01 10:00:00] Logfile Opened',
      '[2024-02-01 10:00:00] (XEN) Command line: dom0_mem=2G,max:2G',
      '[2024-02-01 10:00:00] (XEN) Xen version 4.17.0 (x)',
    ].join('\n')
    expect(parseXenDmesg(log)).toMatchObject({commandLine: 'dom0_mem=2G,max:2G', commandLineLine: 4, commandLineCount: 2, xenVersionText: '4.17.0'})
  })

  it('joins a command line that a terminal wrapped onto a line without (XEN)', () => {
    const info = parseXenDmesg('(XEN) Command line: console=com1 dom0_mem=10\n24M,max:1024M\n(XEN) Video information:\n')
    expect(info.commandLine).toBe('console=com1 dom0_mem=1024M,max:1024M')
    expect(info.suspectWrapped).toBe(true)
  })

  it('reads console_timestamps=date stamps inside the (XEN) prefix', () => {
    expect(findXenCommandLine('(XEN) [2020-12-24 08:34:49.123] Command line: dom0_mem=1G\n')).toBe('dom0_mem=1G')
  })

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({unit: fc.constantFrom('(XEN) ', 'Command line:', '[2020-12-24 08:34:49] ', '[    3.0] ', ' Xen 4.1', '\n', ' ', 'x', 'Built-in command line:', 'Xen version ')}), (text) => {
        parseXenDmesg(text)
      }),
      {numRuns: 500},
    )
  })
})
