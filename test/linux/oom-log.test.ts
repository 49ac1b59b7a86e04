import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {killsSince, oomCursor, scanOomLog} from '../../src/linux/oom-log.js'
import {fixture} from './helpers.js'

describe('scanOomLog on the lab’s kernel logs', () => {
  it('finds the single kill of oom run 2 in dmesg, with its rss, invoker and cgroup', () => {
    const scan = scanOomLog(fixture('xenlab-oom-03-dmesg-since-start.txt'))
    expect(scan.invocations).toBe(1)
    expect(scan.fatal).toBe(false)
    expect(scan.kills).toHaveLength(1)
    expect(scan.kills[0]).toMatchObject({
      pid: 358,
      name: 'python3',
      line: 78,
      rssKiB: 412432 + 5268,
      anonRssKiB: 412432,
      totalVmKiB: 423516,
      uid: 0,
      oomScoreAdj: 0,
      invoker: 'sshd',
      constraint: 'CONSTRAINT_NONE',
      taskMemcg: '/system.slice/xenlab-hog1-py400.service',
      memcg: false,
      reaped: false,
      timestamp: {text: '154.496989', wallclock: null, monotonicSeconds: 154.496989},
    })
    const invoked = scan.events.find((e) => e.kind === 'invoked')
    expect(invoked).toMatchObject({invoker: 'sshd', gfpMask: '0x140cca', order: 0, invokerOomScoreAdj: -1000, line: 2})
  })

  it('marks a kill the oom_reaper reported as reaped (run 1)', () => {
    const scan = scanOomLog(fixture('xenlab-oom-run1-03-dmesg-since-start.txt'))
    expect(scan.kills.map((k) => [k.pid, k.reaped])).toEqual([[357, true]])
  })

  it('reads the journal of the wedged 128m run with wall-clock timestamps', () => {
    const scan = scanOomLog(fixture('xenlab-idle-128m-journal-kernel-oom.txt'))
    expect(scan.kills).toHaveLength(20)
    expect(scan.invocations).toBe(21)
    const cron = scan.kills.find((k) => k.pid === 222)
    expect(cron).toMatchObject({name: 'cron', invoker: 'sshd', taskMemcg: '/system.slice/cron.service', timestamp: {wallclock: 'Nov 26 00:01:54.497252', monotonicSeconds: null}})
    expect(scan.kills.find((k) => k.pid === 275)?.name).toBe('xenconsoled')
    expect(scan.kills.find((k) => k.pid === 220)?.uid).toBe(998)
  })

  it('reads all 37 kills off the serial console, including an interleaved "[[" line and names in parentheses', () => {
    const scan = scanOomLog(fixture('xenlab-idle-128m-serial-console-excerpt.txt'))
    expect(scan.kills).toHaveLength(37)
    const xenconsoled = scan.kills.find((k) => k.pid === 275)
    expect(xenconsoled?.timestamp.monotonicSeconds).toBe(990.651427)
    expect(scan.kills.find((k) => k.pid === 3287)?.name).toBe('(d-logind)')
    expect(scan.kills.find((k) => k.pid === 3296)?.name).toBe('(agetty)')
    const names = new Set(scan.kills.map((k) => k.name))
    for (const n of ['sshd', 'cron', 'login', 'agetty', 'xenconsoled', 'systemd-logind', 'systemd-network']) expect(names).toContain(n)
    expect(scan.kills.filter((k) => k.name === 'cron')).toHaveLength(5)
  })
})

describe('scanOomLog on other people’s logs and older kernels', () => {
  it('reads a Qubes dom0 journal and dmesg report (4.9, syslog and dmesg stamps)', () => {
    const j = scanOomLog(fixture('qubes-3079-dom0-oom-xorg-journal.log'))
    expect(j.events[0]).toMatchObject({kind: 'invoked', invoker: 'Xorg', order: 3, gfpMask: '0x240c0d0', invokerOomScoreAdj: 0, timestamp: {wallclock: 'Sep 07 11:03:27'}})
    const d = scanOomLog(fixture('qubes-3487-dom0-oom-xorg-dmesg.log'))
    expect(d.events[0]?.timestamp.monotonicSeconds).toBe(105178.253424)
    expect(scanOomLog(fixture('qubes-3487-dom0-oom-process-table.log')).events).toEqual([])
  })

  it('reads the xenconsoled log format, wall clock and kernel stamp together', () => {
    const line = '[2025-07-05 07:35:09] [    9.545152] Out of memory: Killed process 1234 (sshd) total-vm:15912kB, anon-rss:1496kB, file-rss:1512kB, shmem-rss:0kB, UID:0 pgtables:68kB oom_score_adj:0'
    const scan = scanOomLog(`${fixture('qubes-10035-xen-balloon-vmemmap-alloc-failure.log')}\n${line}\n`)
    expect(scan.kills).toHaveLength(1)
    expect(scan.kills[0]?.timestamp).toEqual({text: '2025-07-05 07:35:09', wallclock: '2025-07-05 07:35:09', monotonicSeconds: 9.545152})
    expect(scan.kills[0]?.rssKiB).toBe(3008)
  })

  it('reads RHEL5, 2.6.18, 3.x/4.x, RHEL7, memcg and dmesg -T forms', () => {
    const scan = scanOomLog(fixture('old-kernel-oom-messages.log'))
    expect(scan.kills.map((k) => [k.pid, k.name, k.uid])).toEqual([
      [123, 'httpd', 48],
      [2592, 'crond', null],
      [2603, 'flasherav', null],
      [62185, 'httpd', 48],
      [21945, 'tidb-server', 1000],
      [4182, 'order-worker', null],
      [345646, 'vector', 0],
    ])
    const [rhel5, el5child, flash, , , memcg, dmesgT] = scan.kills
    expect(rhel5).toMatchObject({invoker: 'httpd', timestamp: {wallclock: 'Jan  1 00:00:00'}})
    expect(scan.events.find((e) => e.line === 1)?.invokerOomScoreAdj).toBe(0)
    // 2.6.18 picked crond (2590) and killed its child 2592 first.
    expect(el5child).toMatchObject({selectedPid: 2590, selectedName: 'crond', invoker: null, score: null})
    expect(flash).toMatchObject({score: 761, selectedPid: null, rssKiB: 721784 + 4228})
    expect(memcg).toMatchObject({memcg: true, reaped: true})
    expect(dmesgT?.timestamp.wallclock).toBe('Sun Dec  8 09:23:39 2024')
    expect(scan.kills[3]?.timestamp.monotonicSeconds).toBe(668192.383946)
  })

  it('reads RFC 3339 syslog stamps and raw printk levels', () => {
    const scan = scanOomLog([
      '2026-11-25T23:51:32.859072+00:00 xenlab-dom0 kernel: Out of memory: Killed process 358 (python3) total-vm:423516kB, anon-rss:412432kB, file-rss:5268kB, shmem-rss:0kB, UID:0 pgtables:868kB oom_score_adj:0',
      '<3>[  154.496989] Out of memory: Killed process 359 (python3) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0',
    ].join('\n'))
    expect(scan.kills.map((k) => k.timestamp)).toEqual([
      {text: '2026-11-25T23:51:32.859072+00:00', wallclock: '2026-11-25T23:51:32.859072+00:00', monotonicSeconds: null},
      {text: '154.496989', wallclock: null, monotonicSeconds: 154.496989},
    ])
  })

  it('notices a fatal "no killable processes" or panic_on_oom report', () => {
    expect(scanOomLog('[  99.1] Out of memory and no killable processes...\n').fatal).toBe(true)
    expect(scanOomLog('[  99.1] Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled\n').fatal).toBe(true)
    expect(scanOomLog('xc: error: panic: xc_dom_boot.c:122: can\'t allocate low memory for domain: Out of memory\n').fatal).toBe(false)
  })

  it('never throws, on random text or on spliced real lines', () => {
    const real = fixture('xenlab-idle-128m-journal-kernel-oom.txt').split('\n')
    fc.assert(fc.property(fc.string({maxLength: 300}), (t) => {
      scanOomLog(t)
    }), {numRuns: 500})
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.nat(200), fc.string({maxLength: 8})), {maxLength: 10}), (cuts) => {
      const text = cuts.map(([i, at, junk]) => {
        const l = real[i] as string
        return l.slice(0, at) + junk + l.slice(at)
      }).join('\n')
      const scan = scanOomLog(text)
      for (const k of scan.kills) expect(Number.isInteger(k.pid)).toBe(true)
    }), {numRuns: 300})
  })
})

describe('OOM cursors (mem-set’s emergency brake)', () => {
  const serial = fixture('xenlab-idle-128m-serial-console-excerpt.txt')
  const lines = serial.split('\n')
  const cut = lines.findIndex((l) => l.includes('Killed process 222 (cron)')) + 1

  it('reports exactly the kills after the cursor', () => {
    const before = oomCursor(scanOomLog(lines.slice(0, cut).join('\n')))
    expect(before.killCount).toBe(2)
    const after = killsSince(scanOomLog(serial), before)
    expect(after.method).toBe('cursor')
    expect(after.kills).toHaveLength(35)
    expect(after.kills[0]?.pid).toBe(3248)
  })

  it('reports nothing new when nothing happened', () => {
    const scan = scanOomLog(serial)
    expect(killsSince(scan, oomCursor(scan)).kills).toEqual([])
  })

  it('treats every kill as new when the cursor was taken on a clean log', () => {
    const clean = oomCursor(scanOomLog('[    1.0] Linux version 6.1.0\n'))
    expect(killsSince(scanOomLog(serial), clean).kills).toHaveLength(37)
  })

  it('falls back to kernel timestamps when the cursor’s kill has scrolled out of the ring buffer', () => {
    const before = oomCursor(scanOomLog(lines.slice(0, cut).join('\n')))
    const wrapped = lines.slice(cut).join('\n')
    const result = killsSince(scanOomLog(wrapped), before)
    expect(result.method).toBe('monotonic')
    expect(result.kills).toHaveLength(35)
  })

  it('errs on the side of stopping when there is no way to tell old from new', () => {
    const cursor = oomCursor(scanOomLog('Out of memory: Killed process 5 (a).\n'))
    const result = killsSince(scanOomLog('Out of memory: Killed process 6 (b).\n'), cursor)
    expect(result).toMatchObject({method: 'all'})
    expect(result.kills).toHaveLength(1)
  })
})
