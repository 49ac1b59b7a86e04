import {describe, expect, it} from 'vitest'
import {classifyCritical, isProtected} from '../../src/linux/critical-services.js'
import {parseProcesses, type ProcessInfo} from '../../src/linux/processes.js'
import {fixture, proc, processFilesFixture, xenlabProcesses} from './helpers.js'

function find(list: readonly ProcessInfo[], pid: number): ProcessInfo {
  const p = list.find((x) => x.pid === pid)
  if (!p) throw new Error(`no pid ${pid}`)
  return p
}

describe('classifyCritical on the lab dom0 (oom run 2 process table)', () => {
  const all = xenlabProcesses(fixture('xenlab-oom-01-ps-oom-hogs.txt'), {hvc0GettyPid: 256})
  const cls = (pid: number) => classifyCritical(find(all, pid), all)

  it('calls the sshd listener critical and its session child not', () => {
    expect(cls(259)).toMatchObject({critical: true, service: 'sshd'})
    expect(cls(418)).toMatchObject({critical: false, service: 'sshd-session'})
  })

  it('calls cron, oxenstored, xenconsoled, journald and init critical, each with a reason', () => {
    for (const [pid, service] of [[222, 'cron'], [266, 'xenstored'], [275, 'xenconsoled'], [191, 'journald'], [1, 'init']] as const) {
      const c = cls(pid)
      expect(c?.critical).toBe(true)
      expect(c?.service).toBe(service)
      expect(c?.reason.length).toBeGreaterThan(10)
    }
  })

  it('calls the getty on hvc0 critical and the one on tty1 not', () => {
    expect(cls(256)).toMatchObject({critical: true, service: 'console-getty'})
    expect(cls(254)).toBeNull()
  })

  it('has no opinion about the memory hogs or the capture pipeline', () => {
    for (const pid of [358, 367, 375, 424, 426, 220, 228]) expect(cls(pid)).toBeNull()
  })
})

describe('classifyCritical on a RHEL5-shaped dom0', () => {
  const all = parseProcesses(processFilesFixture('el5-2.6.18-processes.json')).processes
  const cls = (pid: number) => classifyCritical(find(all, pid), all)

  it('tells the listener from a session by the parent and the title', () => {
    expect(cls(2345)?.service).toBe('sshd')
    expect(cls(4100)?.service).toBe('sshd-session')
  })

  it('finds crond, xenstored, xend, the qemu-dm of domain 3 and the xvc0 console getty', () => {
    expect(cls(2410)?.service).toBe('cron')
    expect(cls(2500)?.service).toBe('xenstored')
    expect(cls(2600)?.service).toBe('xend')
    expect(cls(3000)).toMatchObject({critical: true, service: 'qemu-dm'})
    expect(cls(3000)?.reason).toContain('domain 3')
    expect(cls(6000)?.service).toBe('console-getty')
  })

  it('ignores kernel threads', () => {
    expect(cls(5)).toBeNull()
  })
})

describe('classifyCritical on single processes', () => {
  it('recognises the memguard reverter by its command line', () => {
    const p = proc({pid: 50, comm: 'sh', cmdline: ['/bin/sh', '/run/memguard/memguard-reverter', '1572864']})
    expect(classifyCritical(p, [p])).toMatchObject({critical: true, service: 'memguard-reverter'})
  })

  it('recognises xenwatchdogd and an upstream qemu device model with its domid', () => {
    const w = proc({pid: 60, comm: 'xenwatchdogd', cmdline: ['/usr/sbin/xenwatchdogd', '30', '15']})
    const q = proc({pid: 61, comm: 'qemu-system-i38', cmdline: ['/usr/bin/qemu-system-i386', '-xen-domid', '7', '-no-shutdown']})
    expect(classifyCritical(w, [w, q])?.service).toBe('xenwatchdogd')
    expect(classifyCritical(q, [w, q])?.reason).toContain('domain 7')
  })

  it('treats OpenSSH 9.8 sshd-session processes and Debian’s CRON job runner as non-critical', () => {
    const listener = proc({pid: 70, comm: 'sshd', cmdline: ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups']})
    const session = proc({pid: 71, ppid: 70, comm: 'sshd-session', cmdline: ['sshd-session: alice [priv]']})
    const cron = proc({pid: 80, comm: 'cron', cmdline: ['/usr/sbin/cron', '-f']})
    const job = proc({pid: 81, ppid: 80, comm: 'cron', cmdline: ['/usr/sbin/CRON', '-f']})
    const all = [listener, session, cron, job]
    expect(classifyCritical(listener, all)?.critical).toBe(true)
    expect(classifyCritical(session, all)?.critical).toBe(false)
    expect(classifyCritical(cron, all)?.critical).toBe(true)
    expect(classifyCritical(job, all)).toMatchObject({critical: false, service: 'cron-job'})
  })

  it('accepts a pid map as well as an array', () => {
    const p = proc({pid: 90, comm: 'crond', cmdline: ['crond']})
    expect(classifyCritical(p, new Map([[90, p]]))?.service).toBe('cron')
  })
})

describe('isProtected', () => {
  it('is true for oom_score_adj −1000 and for oom_adj −17, and false otherwise', () => {
    expect(isProtected({oomScoreAdj: -1000, oomAdj: -17})).toBe(true)
    expect(isProtected({oomScoreAdj: null, oomAdj: -17})).toBe(true)
    expect(isProtected({oomScoreAdj: -999, oomAdj: -16})).toBe(false)
    expect(isProtected({oomScoreAdj: null, oomAdj: null})).toBe(false)
  })
})
