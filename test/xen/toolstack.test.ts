import {describe, expect, it} from 'vitest'
import type {CommandResult} from '../../src/host/host.js'
import {TOOLSTACK_GATHER_PLAN, XEN_COMMANDS, commandsFor, detectToolstack} from '../../src/xen/toolstack.js'
import {capture} from './fixture-files.js'

function result(argv: string[], partial: Partial<CommandResult>): CommandResult {
  return {argv, exitCode: 0, stdout: '', stderr: '', notFound: false, timedOut: false, notCaptured: false, durationMs: 1, ...partial}
}
const notFound = (argv: string[]) => result(argv, {exitCode: null, notFound: true})
const fromCapture = (group: string, name: string, argv: string[]) => {
  const c = capture(group, name)
  return result(argv, {exitCode: c.rc, stdout: c.stdout, stderr: c.stderr})
}

describe('detectToolstack', () => {
  it('finds xl on the lab dom0 and hands back its parsed info', () => {
    const detection = detectToolstack({
      xlInfo: fromCapture('baseline', 'xl-info', ['xl', 'info']),
      xmInfo: notFound(['xm', 'info']),
      capabilities: capture('baseline', 'proc-xen-capabilities').stdout,
    })
    expect(detection.toolstack).toBe('xl')
    expect(detection.isDom0).toBe(true)
    expect(detection.info?.totalMemoryMiB).toBe(2559)
    expect(detection.problems).toEqual([])
    expect(detection.problem).toBeUndefined()
  })

  it('shows the real stderr verbatim when xl runs without root', () => {
    const detection = detectToolstack({xlInfo: fromCapture('errors', 'non-root-xl-list', ['xl', 'info']), xmInfo: notFound(['xm', 'info']), capabilities: 'control_d\n'})
    expect(detection.toolstack).toBeNull()
    expect(detection.isDom0).toBe(true)
    expect(detection.problem?.code).toBe('xl-permission-denied')
    expect(detection.problems[0]?.stderr).toBe(
      'xencall: error: Could not obtain handle on privileged command interface: Permission denied\nlibxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: Permission denied\ncannot init xl context',
    )
  })

  it('falls back to xm on a Xen 3.x host and reads its info', () => {
    const xmInfo = result(['xm', 'info'], {stdout: 'host : rhel5\nrelease : 2.6.18-398.el5xen\ntotal_memory : 8191\nfree_memory : 0\nxen_major : 3\nxen_minor : 1\nxen_extra : .2-398.el5\n'})
    const detection = detectToolstack({xlInfo: notFound(['xl', 'info']), xmInfo, capabilities: 'control_d\n'})
    expect(detection.toolstack).toBe('xm')
    expect(detection.info?.xenVersion?.text).toBe('3.1.2-398.el5')
    expect(detection.info?.xenCommandline).toBeUndefined()
  })

  it('says xend is not running when xm cannot reach it', () => {
    const xmInfo = result(['xm', 'info'], {exitCode: 1, stderr: 'Error: Unable to connect to xend: No such file or directory. Is xend running?\n'})
    const detection = detectToolstack({xlInfo: notFound(['xl', 'info']), xmInfo, capabilities: 'control_d\n'})
    expect(detection.toolstack).toBeNull()
    expect(detection.problems.map((p) => p.code)).toEqual(['xend-not-running'])
  })

  it('uses xm when xl refuses to run beside xend (Xen 4.1–4.4), and says why', () => {
    const xlInfo = result(['xl', 'info'], {exitCode: 1, stderr: 'xend is running, which may cause unpredictable results when using\nthis xl command.  Please shut down xend before continuing.\n\n(This check can be overridden with the -f option.)\n'})
    const xmInfo = result(['xm', 'info'], {stdout: 'total_memory : 4096\nfree_memory : 100\n'})
    const detection = detectToolstack({xlInfo, xmInfo, capabilities: null})
    expect(detection.toolstack).toBe('xm')
    expect(detection.problems.map((p) => p.code)).toEqual(['xl-blocked-by-xend'])
  })

  it('tells a machine without Xen from a dom0 without tools', () => {
    expect(detectToolstack({xlInfo: notFound(['xl', 'info']), xmInfo: notFound(['xm', 'info']), capabilities: null})).toMatchObject({
      toolstack: null,
      isDom0: false,
      problems: [{code: 'no-toolstack'}],
    })
    const dom0 = detectToolstack({xlInfo: notFound(['xl', 'info']), xmInfo: notFound(['xm', 'info']), capabilities: 'control_d'})
    expect(dom0.isDom0).toBe(true)
    expect(dom0.problems[0]?.message).toMatch(/neither xl nor xm is installed/)
  })

  it('recognises a domU by its capabilities', () => {
    const detection = detectToolstack({xlInfo: notFound(['xl', 'info']), xmInfo: notFound(['xm', 'info']), capabilities: ''})
    expect(detection.isDom0).toBe(false)
    expect(detection.problems.map((p) => p.code)).toContain('not-dom0')
  })

  it('reports a timeout and output it cannot read', () => {
    expect(detectToolstack({xlInfo: result(['xl', 'info'], {exitCode: null, timedOut: true})}).problems[0]?.code).toBe('timed-out')
    expect(detectToolstack({xlInfo: result(['xl', 'info'], {stdout: 'garbage\n'})}).problems[0]?.code).toBe('unreadable-output')
  })

  it('says when a snapshot did not record the commands', () => {
    const missing = result(['xl', 'info'], {exitCode: null, notCaptured: true})
    expect(detectToolstack({xlInfo: missing}).problems.map((p) => p.code)).toEqual(['not-captured'])
  })
})

describe('XEN_COMMANDS', () => {
  it('gives every reader a command with a timeout and no shell', () => {
    for (const spec of Object.values(XEN_COMMANDS)) {
      expect(spec.timeoutMs).toBeGreaterThan(0)
      expect(['xl', 'xm']).toContain(spec.argv[0])
    }
    expect(XEN_COMMANDS.xlListLong.argv).toEqual(['xl', 'list', '-l'])
    expect(XEN_COMMANDS.xmListLong.argv).toEqual(['xm', 'list', '--long'])
    expect(new Set(Object.values(XEN_COMMANDS).map((s) => s.id)).size).toBe(8)
    expect(commandsFor('xm').dmesg.argv).toEqual(['xm', 'dmesg'])
    expect(TOOLSTACK_GATHER_PLAN.files).toEqual(['/proc/xen/capabilities'])
  })
})
