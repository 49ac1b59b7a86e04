import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {mib} from '../../src/lib/size.js'
import {parseKernelRelease} from '../../src/linux/kernel-version.js'
import {parseMeminfo} from '../../src/linux/meminfo.js'
import {scanOomLog} from '../../src/linux/oom-log.js'
import {parseProcesses} from '../../src/linux/processes.js'
import {parseSysctlListing, parseSysctls} from '../../src/linux/sysctl.js'
import {computeDom0Floor} from '../../src/safety/floor.js'
import {evaluateDom0Target} from '../../src/safety/verdict.js'
import {fixture, proc, processFilesFixture, xenlabProcesses} from '../linux/helpers.js'

const kernel = parseKernelRelease('6.1.0-56-amd64')
// vm.min_free_kbytes on the lab dom0 (captures/baseline/vm-sysctls).
const minFreeKiB = parseSysctls(parseSysctlListing(fixture('xenlab-baseline-vm-sysctls.txt'))).minFreeKiB
const dom0At1536 = mib(1536) // xen_memory0 info/current_kb 1572864 before every run

function labCase(meminfoFile: string, psFile: string, hvc0GettyPid?: number) {
  const meminfo = parseMeminfo(fixture(meminfoFile))
  const processes = xenlabProcesses(fixture(psFile), {hvc0GettyPid})
  const floor = computeDom0Floor({meminfo, allocationKiB: dom0At1536})
  return (targetKiB: number) => evaluateDom0Target({targetKiB, currentAllocationKiB: dom0At1536, floor, meminfo, processes, kernel, minFreeKiB})
}

describe('evaluateDom0Target: idle lab dom0 at 1536M (captures/baseline)', () => {
  const evaluate = labCase('xenlab-baseline-proc-meminfo.txt', 'xenlab-baseline-ps-oom-proc.txt')

  it('refuses 128m: below the kernel’s own footprint and the 347 MiB floor, with cron and xenconsoled among the dead', () => {
    const v = evaluate(mib(128))
    expect(v.action).toBe('shrink')
    expect(v.safe).toBe(false)
    expect(v.floorKiB).toBe(mib(347))
    expect(v.deficitKiB).toBe(mib(347 - 128))
    // 1.375 GiB must go; MemAvailable 1349372 − min_free 4709 can go freely.
    expect(v.oomDeficitKiB).toBe(mib(1536 - 128) - (1349372 - 4709))
    expect(v.explanation.reduce((s, l) => s + l.kib, 0)).toBe(v.oomDeficitKiB)
    expect(v.reasons.join('\n')).toMatch(/own footprint/)
    expect(v.reasons.join('\n')).toMatch(/below the floor of 347 MiB/)
    expect(v.victims.nothingLeftToKill).toBe(true)
    expect(v.criticalVictims.map((c) => c.service)).toEqual(expect.arrayContaining(['cron', 'xenconsoled', 'journald']))
    expect(v.reasons.join('\n')).toMatch(/OOMPolicy=stop/)
    expect(v.suggestion).toEqual({targetKiB: mib(347), xlArg: '347m', text: 'the smallest safe dom0 size now is 347 MiB (xl mem-set 0 347m)'})
  })

  it('accepts 1024m: 512 MiB comes out of MemAvailable and nobody dies (the lab’s memset run did exactly this)', () => {
    const v = evaluate(mib(1024))
    expect(v.safe).toBe(true)
    expect(v.deficitKiB).toBe(0)
    expect(v.oomDeficitKiB).toBe(0)
    expect(v.victims.victims).toEqual([])
    expect(v.warnings).toEqual([])
  })

  it('accepts 400m but warns that it is under the Qubes-style comfort level of 435 MiB', () => {
    const v = evaluate(mib(400))
    expect(v.safe).toBe(true)
    expect(v.warnings[0]).toMatch(/435 MiB/)
  })

  it('treats growing and keeping the allocation as safe', () => {
    expect(evaluate(mib(2048))).toMatchObject({action: 'grow', safe: true, oomDeficitKiB: 0})
    expect(evaluate(mib(1536))).toMatchObject({action: 'no-op', safe: true})
  })
})

describe('evaluateDom0Target: the incident reproduction (captures/oom, 3 hogs, xl mem-set 0 256m)', () => {
  const evaluate = labCase('xenlab-oom-01-proc-meminfo-hogs.txt', 'xenlab-oom-01-ps-oom-hogs.txt', 256)
  const v = evaluate(mib(256))
  const labKills = scanOomLog(fixture('xenlab-oom-03-dmesg-oom-summary.txt')).kills

  it('refuses 256m and predicts the memory hogs die first', () => {
    expect(v.safe).toBe(false)
    expect(v.floorKiB).toBe(mib(1387))
    expect(v.oomDeficitKiB).toBe(mib(1280) - (407360 - 4709))
    expect(v.victims.victims.map((x) => [x.pid, x.comm])).toEqual([[358, 'python3'], [367, 'python3'], [375, 'node']])
    expect(v.victims.covered).toBe(true)
  })

  it('matches what the lab actually killed, and keeps sshd and cron alive as the lab did', () => {
    // The lab killed one process: 358 (python3, the 400 MiB hog), at +51 s. Our first predicted victim
    // is that process. We predict two more (the 300 MiB hog and node) because the model asks "what
    // must die for the balloon to reach 256m"; on 6.1 the balloon instead gave up after 4 failed
    // rounds (XSA-300 behaviour) and stopped at 1005188 kB, so the kernel never had to find the rest.
    // The balloon did take 1572864 − 1005188 = 567676 kB, the MemAvailable of that moment (568208 kB
    // in SUMMARY.txt): exactly the "can be given up without killing" term of the model. On a XenLinux
    // dom0 (RHEL5), whose balloon retries every second, the other two would die as predicted.
    expect(labKills.map((k) => k.pid)).toEqual([358])
    expect(v.victims.victims[0]?.pid).toBe(labKills[0]?.pid)
    // The 887 MiB deficit does not reach the daemons: SUMMARY.txt "sshd: never seen dead", "cron: never seen dead".
    expect(v.criticalVictims).toEqual([])
    expect(v.victims.victims.map((x) => x.comm)).not.toContain('sshd')
    expect(v.victims.victims.map((x) => x.comm)).not.toContain('cron')
  })
})

describe('evaluateDom0Target: the wedged 128m run (captures/idle-128m)', () => {
  const evaluate = labCase('xenlab-idle-128m-01-proc-meminfo.txt', 'xenlab-idle-128m-01-ps-oom.txt', 256)
  const v = evaluate(mib(128))

  it('refuses 128m and predicts the host is lost: every killable process dies and it is still not enough', () => {
    expect(v.safe).toBe(false)
    expect(v.victims.nothingLeftToKill).toBe(true)
    // 96 MiB would have to be found; everything killable holds 31.8 MiB.
    expect(v.oomDeficitKiB).toBe(mib(1536 - 128) - (1347940 - 4709))
    expect(v.victims.freedKiB).toBe(32548)
    expect(v.criticalVictims.map((c) => c.service)).toEqual(['cron', 'xenconsoled', 'console-getty', 'journald'])
  })

  it('names every pre-existing process the lab’s OOM killer actually took', () => {
    // The lab (serial console) logged 37 kills over 11 min; the ones of processes in the snapshot:
    // cron 222, systemd-networkd 220, login 256 (the hvc0 getty), systemd-logind 228, xenconsoled 275,
    // agetty 254. The other 31 were sshd sessions, cron children and restarts started after the
    // snapshot, which a prediction cannot name. All six are in the predicted list; the listener sshd
    // (−1000) is not, and indeed the kernel never picked it: ssh.service died by systemd's
    // OOMPolicy=stop after its session processes were killed (journal: Result 'oom-kill').
    const lab = scanOomLog(fixture('xenlab-idle-128m-serial-console-excerpt.txt')).kills
    const snapshotPids = new Set(xenlabProcesses(fixture('xenlab-idle-128m-01-ps-oom.txt')).map((p) => p.pid))
    const labOriginals = [...new Set(lab.map((k) => k.pid).filter((pid) => snapshotPids.has(pid)))]
    expect(labOriginals).toEqual([222, 220, 256, 228, 275, 254])
    const predicted = v.victims.victims.map((x) => x.pid)
    for (const pid of labOriginals) expect(predicted).toContain(pid)
    expect(predicted).not.toContain(259)
    // Order: predicted cron 4th (after the session and its shells), the lab's first original victim
    // was cron too (after a new ssh session that is not in the snapshot).
    expect(predicted.filter((pid) => labOriginals.includes(pid))[0]).toBe(222)
  })
})

describe('evaluateDom0Target on a 2.6.18 dom0 (legacy model, estimated MemAvailable)', () => {
  it('refuses squeezes that would kill a guest’s device model, then crond and sshd, and says MemAvailable was estimated', () => {
    // The 2.6.18 field layout of el5-2.6.18-proc-meminfo.txt, with numbers that fit the process
    // fixture (a 2 GiB dom0 whose memory hog holds 900 MB).
    const meminfo = parseMeminfo(fixture('el5-2.6.18-proc-meminfo.txt')
      .replace(/^MemTotal:.*$/m, 'MemTotal:      2000000 kB')
      .replace(/^MemFree:.*$/m, 'MemFree:        700000 kB')
      .replace(/^Buffers:.*$/m, 'Buffers:         50000 kB')
      .replace(/^Cached:.*$/m, 'Cached:         200000 kB'))
    const processes = parseProcesses(processFilesFixture('el5-2.6.18-processes.json')).processes
    const allocationKiB = 2000000 + 150000
    const floor = computeDom0Floor({meminfo, allocationKiB})
    const at = (targetKiB: number) => evaluateDom0Target({
      targetKiB, currentAllocationKiB: allocationKiB, floor, meminfo, processes,
      kernel: parseKernelRelease('2.6.18-419.el5xen'), uptimeSeconds: 864000,
    })
    const v256 = at(mib(256))
    expect(v256.safe).toBe(false)
    expect(v256.reserveEstimated).toBe(true)
    expect(v256.victims.model).toBe('legacy-badness')
    expect(v256.warnings.join('\n')).toMatch(/estimate/)
    // The hog, both httpd children, the ssh shell and session go first, then the device model of domain 3.
    expect(v256.victims.victims.map((x) => x.pid)).toEqual([7000, 5001, 5002, 4102, 4100, 3000])
    expect(v256.criticalVictims.map((c) => c.reason)).toEqual([expect.stringContaining('domain 3')])
    const v128 = at(mib(128))
    expect(v128.criticalVictims.map((c) => c.service)).toEqual(expect.arrayContaining(['qemu-dm', 'cron', 'sshd', 'xenconsoled']))
    // init is not systemd here: no OOMPolicy advice.
    expect(v128.reasons.join('\n')).not.toMatch(/OOMPolicy/)
  })
})

describe('evaluateDom0Target properties', () => {
  const arb = fc.record({
    total: fc.integer({min: 200_000, max: 8_000_000}),
    gap: fc.integer({min: 0, max: 300_000}),
    usedPct: fc.integer({min: 1, max: 99}),
    rss: fc.array(fc.nat({max: 400_000}), {minLength: 1, maxLength: 12}),
    t1: fc.nat(),
    t2: fc.nat(),
  })

  it('is safe only at or above the floor with no OOM kill, and stays safe for any larger shrink target', () => {
    fc.assert(fc.property(arb, ({total, gap, usedPct, rss, t1, t2}) => {
      const available = Math.floor((total * (100 - usedPct)) / 100)
      const meminfo = parseMeminfo(`MemTotal: ${total} kB\nMemFree: ${Math.floor(available / 2)} kB\nMemAvailable: ${available} kB\n`)
      const processes = [proc({pid: 1, ppid: 0, comm: 'systemd'}), ...rss.map((r, i) => proc({pid: i + 2, rssKiB: r}))]
      const current = total + gap
      const floor = computeDom0Floor({meminfo, allocationKiB: current})
      const [lo, hi] = [t1 % current, t2 % current].sort((a, b) => a - b) as [number, number]
      const ev = (t: number) => evaluateDom0Target({targetKiB: t, currentAllocationKiB: current, floor, meminfo, processes, kernel, minFreeKiB: 1024})
      const a = ev(lo)
      const b = ev(hi)
      for (const v of [a, b]) {
        if (v.safe) {
          expect(v.targetKiB).toBeGreaterThanOrEqual(v.floorKiB)
          expect(v.oomDeficitKiB).toBe(0)
          expect(v.victims.victims).toEqual([])
        } else {
          expect(v.reasons.length).toBeGreaterThan(0)
        }
        expect(v.deficitKiB).toBe(Math.max(0, v.floorKiB - v.targetKiB))
      }
      if (a.safe) expect(b.safe).toBe(true)
      expect(b.oomDeficitKiB).toBeLessThanOrEqual(a.oomDeficitKiB)
    }), {numRuns: 300})
  })
})
