import {describe, expect, it} from 'vitest'
import {ParseError} from '../../src/lib/errors.js'
import {BALLOON_SYSFS_PATHS, parseBalloonSysfs} from '../../src/xen/balloon.js'
import {judgeDom0Mem} from '../../src/xen/dom0-mem.js'
import {detectToolstack} from '../../src/xen/toolstack.js'
import {parseXenDmesg} from '../../src/xen/xen-dmesg.js'
import {explainXlError} from '../../src/xen/xl-errors.js'
import {parseXlInfo} from '../../src/xen/xl-info.js'
import {findDomain, parseXlList} from '../../src/xen/xl-list.js'
import {findDomainConfig, parseXlListLong} from '../../src/xen/xl-list-long.js'
import {capture, captureNames, toolOutput, toolOutputNames} from './fixture-files.js'

/**
 * Every real file we hold goes through the reader its name says, and must either parse or fail
 * with a ParseError that names the file and line. Files no src/xen reader is for are listed
 * with the reason, so a new fixture cannot slip through unrouted.
 */

type Reader = (text: string, file: string) => unknown

const READERS = {
  'xl info': (text, file) => parseXlInfo(text, {file}),
  'xl list': (text, file) => parseXlList(text, {file}),
  'xl list -l': (text, file) => parseXlListLong(text, {file}),
  'xl dmesg': (text, file) => parseXenDmesg(text, {file}),
  // sysfs errors name the sysfs file itself, so the capture is read as both target and current.
  'balloon sysfs': (text) => parseBalloonSysfs({targetKb: text, currentKb: text, lowKb: null, highKb: null}),
} satisfies Record<string, Reader>
type ReaderName = keyof typeof READERS

/** Corpus files that no src/xen reader is for (they belong to src/linux or to nobody yet). */
const NOT_XEN_TOOL_OUTPUT: Record<string, string> = {
  'ganeti-xl-uptime.txt': 'xl uptime: memguard does not read it',
  'uvasne-xentop-4.9.txt': 'xentop: memguard does not read it',
  'xendevel-xentop-4.18-wrapped.txt': 'xentop: memguard does not read it',
  'xengt-15-dom0-free-m.txt': 'free -m: a Linux tool',
  'xcpng-258-dom0-proc-meminfo-head.txt': '/proc/meminfo: src/linux',
}

function routeToolOutput(name: string): ReaderName | undefined {
  if (/x[lm]-info/.test(name)) return 'xl info'
  if (/list-long|list-l-|domconfig|\.sexpr$|\.sxp$/.test(name)) return 'xl list -l'
  if (/x[lm]-list/.test(name)) return 'xl list'
  if (/dmesg|hypervisor-log|boot-excerpt/.test(name)) return 'xl dmesg'
  return undefined
}

function routeCapture(name: string): ReaderName | 'xl error' | 'capabilities' | undefined {
  if (/mem-set/.test(name)) return 'xl error'
  if (/xl-info/.test(name)) return 'xl info'
  if (/xl-list-l/.test(name)) return 'xl list -l'
  if (/xl-list/.test(name)) return 'xl list'
  if (/dmesg/.test(name)) return 'xl dmesg'
  if (/xen-memory-(target|current)_kb/.test(name)) return 'balloon sysfs'
  if (name === 'proc-xen-capabilities') return 'capabilities'
  return undefined
}

type Outcome = 'parsed' | `ParseError at line ${number}`

function run(reader: ReaderName, text: string, file: string): Outcome {
  try {
    READERS[reader](text, file)
    return 'parsed'
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError)
    const location = (error as ParseError).location
    expect(location?.file).toBe(reader === 'balloon sysfs' ? BALLOON_SYSFS_PATHS.targetKb : file)
    expect(location?.line).toBeGreaterThan(0)
    return `ParseError at line ${location?.line as number}`
  }
}

/** The only real files that must fail, and where. Everything else must parse. */
const EXPECTED_FAILURES: Record<string, Outcome> = {
  // `xl list; xenstore-ls …; cat target_kb` in one capture: the xenstore lines are not rows.
  'xenlab/errors/xl-list-after-errors': 'ParseError at line 3',
}

describe('the real tool output corpus', () => {
  const names = toolOutputNames()

  it('routes every copied corpus file to a reader or says why not', () => {
    for (const name of names) {
      expect(routeToolOutput(name) !== undefined || name in NOT_XEN_TOOL_OUTPUT, name).toBe(true)
    }
    expect(names.length).toBeGreaterThanOrEqual(27)
  })

  it.each(names.filter((name) => routeToolOutput(name) !== undefined))('reads %s or fails with a located ParseError', (name) => {
    const outcome = run(routeToolOutput(name) as ReaderName, toolOutput(name), `tool-output/${name}`)
    expect(outcome).toBe(EXPECTED_FAILURES[`tool-output/${name}`] ?? 'parsed')
  })
})

describe('the xenlab captures', () => {
  const captures = captureNames()

  it('routes every copied capture', () => {
    for (const c of captures) expect(routeCapture(c.name), `${c.group}/${c.name}`).toBeDefined()
  })

  it.each(captures.map((c) => [`${c.group}/${c.name}`, c] as const))('reads %s', (_label, c) => {
    const {stdout, stderr, rc} = capture(c.group, c.name)
    const route = routeCapture(c.name)
    if (route === 'xl error' || rc !== 0) {
      // A failed run (or any mem-set): its stderr must get an explanation, never a crash.
      const {kind} = explainXlError({stderr, exitCode: rc, stdout})
      if (rc === 0) expect(kind).toBe('ok')
      else if (rc === 255) expect(kind).toBe('unknown') // ssh itself failed (idle-128m): no xl output at all
      else expect(kind).not.toBe('unknown')
      return
    }
    if (route === 'capabilities') {
      expect(detectToolstack({capabilities: stdout}).isDom0).toBe(true)
      return
    }
    const file = `xenlab/${c.group}/${c.name}`
    expect(run(route as ReaderName, stdout, file)).toBe(EXPECTED_FAILURES[file] ?? 'parsed')
  })

  it('pins the lab host: 2559 MiB total, 994 MiB free, Xen 4.17.7', () => {
    const info = parseXlInfo(capture('baseline', 'xl-info').stdout)
    expect([info.totalMemoryMiB, info.freeMemoryMiB, info.xenVersion?.text]).toEqual([2559, 994, '4.17.7'])
    const after = parseXlInfo(capture('memset', '03-xl-info-after').stdout)
    expect(after.freeMemoryMiB).toBe(1506) // dom0 gave back 512 MiB
  })

  it('pins dom0: max_memkb 1572864 in every listing, Mem 1536 MiB in xl list', () => {
    for (const name of ['xl-list-l-0', 'xl-list-l']) {
      expect(findDomainConfig(parseXlListLong(capture('baseline', name).stdout), 0)?.maxMemKiB).toBe(1572864)
    }
    expect(findDomain(parseXlList(capture('baseline', 'xl-list').stdout), 0)?.memMiB).toBe(1536)
    expect(findDomainConfig(parseXlListLong(capture('memset', '03-xl-list-l-0-after').stdout), 0)?.targetKiB).toBe(1024 * 1024)
  })

  it('pins the lab command line dom0_mem=1536M,max:1536M, judged fixed, from xl info and from xl dmesg alike', () => {
    const fromInfo = parseXlInfo(capture('baseline', 'xl-info').stdout).xenCommandline as string
    const fromDmesg = parseXenDmesg(capture('baseline', 'xl-dmesg').stdout).commandLine as string
    expect(fromDmesg).toBe(fromInfo)
    const judgement = judgeDom0Mem(fromInfo, {xenVersion: '4.17.7', hostMemoryKiB: 2559 * 1024})
    expect(judgement).toMatchObject({present: true, amountKiB: 1572864, maxKiB: 1572864, fixed: true, problems: []})
  })

  it('pins the corpus command lines: what each real host got', () => {
    const judged = (name: string) => judgeDom0Mem(parseXlInfo(toolOutput(name)).xenCommandline ?? '')
    expect(judged('psec-xl-info-4.19-alpine.txt')).toMatchObject({amountKiB: 512 * 1024, maxKiB: 1024 * 1024, fixed: false})
    expect(judged('ganeti-xl-info-4.0.1.txt').problems.map((p) => p.code)).toEqual(['no-max'])
    expect(judged('xendevel-qubes-xl-info-4.14.txt').problems.map((p) => p.code)).toEqual(['multiple-tokens'])
    expect(parseXlInfo(toolOutput('xen-xm-info-3.0-manpage.txt')).xenCommandline).toBeUndefined()
  })
})
