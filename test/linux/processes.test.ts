import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import type {ProcessFiles} from '../../src/host/host.js'
import {ParseError} from '../../src/lib/errors.js'
import {childrenByPid, parseProcess, parseProcesses, programName} from '../../src/linux/processes.js'
import {processFilesFixture} from './helpers.js'

// Real /proc files captured on a 6.18 kernel (kthreadd, a kworker, a sleep copied to a file named
// "we ird) (nam", one named memguard-reverter-sleep, and sh -c 'sleep 1003 & wait' with its child).
const modern = processFilesFixture('proc-processes-6.18.json')
// 2.6.18 (RHEL5) status/stat layout, reconstructed from fs/proc/array.c of that era: SleepAVG,
// no VmSwap, no Kthread, no oom_score_adj file.
const el5 = processFilesFixture('el5-2.6.18-processes.json')

function byPid(list: ReturnType<typeof parseProcesses>['processes'], pid: number) {
  const p = list.find((x) => x.pid === pid)
  if (!p) throw new Error(`no pid ${pid}`)
  return p
}

describe('parseProcesses on a modern kernel', () => {
  const table = parseProcesses(modern)

  it('reads every captured process and skips none', () => {
    expect(table.processes).toHaveLength(6)
    expect(table.skipped).toEqual([])
  })

  it('recognises kthreadd and a kworker as kernel threads from the Kthread: line', () => {
    expect(byPid(table.processes, 2).isKernelThread).toBe(true)
    expect(byPid(table.processes, 10).isKernelThread).toBe(true)
    expect(byPid(table.processes, 10).hasMm).toBe(false)
    expect(byPid(table.processes, 10).cmdline).toEqual([])
  })

  it('takes a comm with spaces and parentheses from stat by the last parenthesis', () => {
    const p = byPid(table.processes, modern[2]?.pid as number)
    expect(p.comm).toBe('we ird) (nam')
    expect(p.state).toBe('S')
    expect(p.cmdline).toEqual(['./we ird) (nam', '1001'])
    expect(p.isKernelThread).toBe(false)
    expect(p.starttimeTicks).toBeGreaterThan(0)
  })

  it('reads sizes, ids and the OOM files of an ordinary process', () => {
    const sh = byPid(table.processes, 7267)
    expect(sh.ppid).toBe(7263)
    expect(sh.uid).toBe(0)
    expect(sh.euid).toBe(0)
    expect(sh.rssKiB).toBeGreaterThan(0)
    expect(sh.vmSizeKiB).toBeGreaterThan(sh.rssKiB)
    expect(sh.swapKnown).toBe(true)
    expect(sh.oomScore).toBe(666)
    expect(sh.oomScoreAdj).toBe(0)
    expect(sh.oomAdj).toBe(0)
    expect(sh.cmdline).toEqual(['sh', '-c', 'sleep 1003 & wait'])
    expect(sh.capSysAdmin).toBe(true)
  })

  it('links a child to its parent', () => {
    const kids = childrenByPid(table.processes).get(7267)
    expect(kids?.map((k) => k.comm)).toEqual(['sleep'])
  })

  it('skips a process whose files vanished while being read, without an error', () => {
    const gone: ProcessFiles = {pid: 99999, status: null, stat: null, cmdline: null, oomScore: null, oomScoreAdj: null, oomAdj: null}
    const half: ProcessFiles = {...(modern[4] as ProcessFiles), pid: 99998, stat: ''}
    const t = parseProcesses([...modern, gone, half])
    expect(t.processes).toHaveLength(6)
    expect(t.skipped.map((s) => s.pid)).toEqual([99999, 99998])
  })

  it('treats a missing oom_score_adj as null rather than an error', () => {
    const f = {...(modern[4] as ProcessFiles), oomScoreAdj: null, oomAdj: null}
    const p = parseProcess(f)
    expect(p?.oomScoreAdj).toBeNull()
    expect(p?.oomAdj).toBeNull()
  })
})

describe('parseProcesses on a 2.6.18 kernel', () => {
  const table = parseProcesses(el5)

  it('finds kernel threads by their missing VmSize when there is no Kthread: line', () => {
    expect(byPid(table.processes, 5).isKernelThread).toBe(true)
    expect(byPid(table.processes, 1).isKernelThread).toBe(false)
  })

  it('reports no swap figure and no oom_score_adj, but reads oom_adj', () => {
    const sshd = byPid(table.processes, 2345)
    expect(sshd.swapKnown).toBe(false)
    expect(sshd.swapKiB).toBe(0)
    expect(sshd.oomScoreAdj).toBeNull()
    expect(sshd.oomAdj).toBe(0)
    expect(sshd.vmSizeKiB).toBe(62616)
    expect(sshd.pageTablesKiB).toBe(48)
  })

  it('reads cpu ticks, nice and the console tty from stat', () => {
    const xend = byPid(table.processes, 2600)
    expect(xend.utimeTicks).toBe(900000)
    expect(xend.stimeTicks).toBe(300000)
    expect(byPid(table.processes, 7000).nice).toBe(10)
    expect(byPid(table.processes, 6000).tty).toEqual({major: 204, minor: 191})
    expect(byPid(table.processes, 2345).tty).toBeNull()
  })

  it('keeps a retitled argv as one argument', () => {
    expect(byPid(table.processes, 4100).cmdline).toEqual(['sshd: root@pts/0'])
    expect(programName(byPid(table.processes, 2600))).toBe('python')
  })
})

describe('parseProcess errors', () => {
  const base = modern[4] as ProcessFiles

  it('rejects a status line without a colon, naming the file and line', () => {
    try {
      parseProcess({...base, status: 'Name:\tx\nPPid 1\n'})
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError)
      expect((e as ParseError).location).toEqual({file: `/proc/${base.pid}/status`, line: 2, column: 1})
    }
  })

  it('rejects a non-numeric PPid and a stat without (comm)', () => {
    expect(() => parseProcess({...base, status: 'Name:\tx\nPPid:\tabc\n'})).toThrow(/PPid/)
    expect(() => parseProcess({...base, stat: '12 S 1 2 3'})).toThrow(/comm/)
    expect(() => parseProcess({...base, stat: '12 (x) S 1 2'})).toThrow(/fields/)
    expect(() => parseProcess({...base, oomScore: 'lots\n'})).toThrow(/oom_score/)
  })

  it('throws only ParseError on arbitrary file contents', () => {
    fc.assert(fc.property(fc.string({maxLength: 200}), fc.string({maxLength: 200}), fc.option(fc.string({maxLength: 10})), (status, stat, score) => {
      try {
        parseProcess({...base, status, stat, oomScore: score})
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError)
      }
    }), {numRuns: 500})
  })

  it('throws only ParseError when real files are cut short or spliced', () => {
    const s = base.status as string
    const t = base.stat as string
    fc.assert(fc.property(fc.nat({max: s.length}), fc.nat({max: t.length}), fc.string({maxLength: 5}), (i, j, junk) => {
      try {
        parseProcess({...base, status: s.slice(0, i) + junk + s.slice(i), stat: t.slice(0, j)})
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError)
      }
    }), {numRuns: 500})
  })
})

describe('parseProcesses at scale', () => {
  // DESIGN.md: speed is measured by `npm run bench`, not by timed tests. Measured while writing
  // this: ~5.5 ms for 2,000 processes with 6.x status files (1.4 KB each) on the dev VM.
  it('parses a 2,000-process table and keeps every process', () => {
    const many: ProcessFiles[] = []
    for (let i = 0; i < 2000; i++) many.push({...(modern[i % modern.length] as ProcessFiles), pid: 10000 + i})
    const t = parseProcesses(many)
    expect(t.processes).toHaveLength(2000)
    expect(t.processes.filter((p) => p.isKernelThread)).toHaveLength(668)
  })
})
