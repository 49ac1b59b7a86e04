import {describe, expect, it} from 'vitest'
import {
  buildServiceInventory,
  candidateDropInUnits,
  candidateInitScripts,
  dropInPath,
  lastDirective,
  parseSystemdVersion,
  sourcedDefaultsFile,
  sysctlSettings,
  unitDirectives,
  unitFromCgroup,
} from '../../src/linux/init-system.js'
import {DEBIAN_CRON_SERVICE, JOURNALD_SERVICE, RHEL5_CROND_INIT, RHEL5_SSHD_INIT, RHEL5_XEND_INIT, DEBIAN_XEN_INIT} from '../ops/protect-trees.js'
import {proc} from './helpers.js'

const gathered = (files: Record<string, string | null>, dirs: Record<string, string[] | null> = {}, systemctl?: string) => ({
  files: new Map(Object.entries(files)),
  dirs: new Map(Object.entries(dirs)),
  commands: new Map(systemctl === undefined ? [] : [['systemctl-version', {argv: ['systemctl', '--version'], exitCode: 0, stdout: systemctl, stderr: '', notFound: false, timedOut: false, notCaptured: false, durationMs: 1}]]),
})

describe('the unit a process runs in', () => {
  it('is read from the cgroup v2 path', () => {
    expect(unitFromCgroup('0::/system.slice/ssh.service\n')).toBe('ssh.service')
  })

  it('is read from the named systemd hierarchy on cgroup v1 hosts', () => {
    expect(unitFromCgroup('11:memory:/system.slice/crond.service\n1:name=systemd:/system.slice/crond.service\n')).toBe('crond.service')
  })

  it('is the innermost service of a nested path (a service in a sub-slice)', () => {
    expect(unitFromCgroup('0::/system.slice/xen.slice/xenconsoled.service\n')).toBe('xenconsoled.service')
  })

  it('is not a login scope: an sshd started by hand in a session has no service', () => {
    expect(unitFromCgroup('0::/user.slice/user-0.slice/session-3.scope\n')).toBeNull()
    expect(unitFromCgroup('0::/init.scope\n')).toBeNull()
  })
})

describe('unit file directives', () => {
  it('reads the [Service] section only, with the last assignment winning', () => {
    expect(lastDirective(JOURNALD_SERVICE, 'OOMScoreAdjust')).toBe('-250')
    expect(lastDirective(JOURNALD_SERVICE, 'Restart')).toBe('always')
    expect(lastDirective(DEBIAN_CRON_SERVICE, 'Restart')).toBeNull()
    expect(lastDirective('[Unit]\nRestart=no\n[Service]\nRestart=always\nRestart=on-failure\n', 'Restart')).toBe('on-failure')
  })

  it('skips comments and joins backslash continuations', () => {
    const d = unitDirectives('[Service]\n# OOMScoreAdjust=-1000\n; Restart=always\nExecStart=/usr/sbin/sshd \\\n  -D\n')
    expect(d.has('OOMScoreAdjust')).toBe(false)
    expect(d.has('Restart')).toBe(false)
    expect(d.get('ExecStart')?.[0]).toMatch(/^\/usr\/sbin\/sshd\s+-D$/)
  })

  it('reads the systemd version from systemctl --version', () => {
    expect(parseSystemdVersion('systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT\n')).toBe(252)
    expect(parseSystemdVersion('systemd 219\n+PAM +AUDIT\n')).toBe(219)
    expect(parseSystemdVersion('sh: systemctl: not found')).toBeNull()
  })
})

describe('the defaults file an init script sources', () => {
  it('finds RHEL\'s `[ -f /etc/sysconfig/sshd ] && . /etc/sysconfig/sshd`', () => {
    expect(sourcedDefaultsFile(RHEL5_SSHD_INIT)).toBe('/etc/sysconfig/sshd')
  })

  it('finds a bare `. /etc/sysconfig/crond` after a test', () => {
    expect(sourcedDefaultsFile(RHEL5_CROND_INIT)).toBe('/etc/sysconfig/crond')
  })

  it('finds Debian\'s `[ -r /etc/default/xen ] && . /etc/default/xen` and `source`', () => {
    expect(sourcedDefaultsFile(DEBIAN_XEN_INIT)).toBe('/etc/default/xen')
    expect(sourcedDefaultsFile('#!/bin/bash\nsource "/etc/default/cron"\n')).toBe('/etc/default/cron')
  })

  it('is none for RHEL5\'s xend, which sources only the function library', () => {
    expect(sourcedDefaultsFile(RHEL5_XEND_INIT)).toBeNull()
  })

  it('ignores a commented-out source line and a mere mention in a comment', () => {
    expect(sourcedDefaultsFile('#!/bin/sh\n# . /etc/sysconfig/sshd\n# config: /etc/sysconfig/sshd\n')).toBeNull()
  })
})

describe('the service inventory', () => {
  it('says systemd when /run/systemd/system exists, and keeps the systemd version', () => {
    const inv = buildServiceInventory(gathered({'/lib/systemd/system/ssh.service': '[Service]\n'}, {'/run/systemd/system': [], '/lib/systemd/system': ['ssh.service', 'cron.service', 'ssh.socket', 'rescue-ssh.target']}, 'systemd 252 (252.22-1~deb12u1)\n'), [])
    expect(inv.initSystem).toBe('systemd')
    expect(inv.systemdVersion).toBe(252)
    expect([...inv.unitNames].sort()).toEqual(['cron.service', 'rescue-ssh.target', 'ssh.service', 'ssh.socket'])
    expect(inv.unitFiles.get('ssh.service')?.path).toBe('/lib/systemd/system/ssh.service')
  })

  it('says systemd from pid 1 when only a snapshot\'s process table tells', () => {
    const inv = buildServiceInventory(gathered({}), [proc({pid: 1, comm: 'systemd', cmdline: ['/sbin/init']})])
    expect(inv.initSystem).toBe('systemd')
    expect(inv.initEvidence).toBe('pid 1 is systemd')
  })

  it('says sysvinit on a RHEL5-style host, where systemctl does not exist', () => {
    const inv = buildServiceInventory(gathered({'/etc/rc.d/init.d/sshd': RHEL5_SSHD_INIT}, {'/etc/rc.d/init.d': ['sshd', 'crond', 'functions']}, 'systemd 252\n'), [proc({pid: 1, comm: 'init', cmdline: ['init [3]']})])
    expect(inv.initSystem).toBe('sysvinit')
    expect(inv.systemdVersion).toBeNull()
    expect(inv.initScripts.get('sshd')?.path).toBe('/etc/rc.d/init.d/sshd')
  })

  it('prefers /etc/systemd/system over the vendor copy of a unit', () => {
    const inv = buildServiceInventory(gathered({'/lib/systemd/system/cron.service': 'vendor', '/etc/systemd/system/cron.service': 'admin'}, {'/run/systemd/system': []}), [])
    expect(inv.unitFiles.get('cron.service')?.text).toBe('admin')
  })

  it('maps pids to units from their cgroups and finds a xenwatchdogd binary in the listed directories', () => {
    const inv = buildServiceInventory(gathered({}), [], {
      cgroups: new Map([[267, '0::/system.slice/xen.service\n'], [300, null]]),
      binDirs: new Map([['/usr/sbin', ['xl']], ['/usr/lib/xen-4.17/bin', ['xenconsoled', 'xenwatchdogd']]]),
    })
    expect(inv.cgroupUnits.get(267)).toBe('xen.service')
    expect(inv.cgroupUnits.has(300)).toBe(false)
    expect(inv.xenwatchdogdPath).toBe('/usr/lib/xen-4.17/bin/xenwatchdogd')
    expect(buildServiceInventory(gathered({}), []).xenwatchdogdPath).toBeUndefined()
  })

  it('lists the drop-ins memguard may have written, generated units included', () => {
    const units = candidateDropInUnits()
    for (const u of ['ssh.service', 'sshd.service', 'cron.service', 'crond.service', 'xen.service', 'xencommons.service', 'systemd-journald.service']) expect(units).toContain(u)
    expect(dropInPath('xen.service')).toBe('/etc/systemd/system/xen.service.d/50-memguard-oom.conf')
    expect(candidateInitScripts()).toContain('/etc/init.d/sshd')
  })
})

describe('sysctl files', () => {
  it('reads name = value settings, last one winning, comments skipped', () => {
    const s = sysctlSettings('# vm.panic_on_oom = 2\nvm.panic_on_oom = 0\nkernel.panic=5\n; x = 1\nvm/swappiness = 10\n-kernel.panic = 7\n')
    expect(s.get('vm.panic_on_oom')).toBe('0')
    expect(s.get('kernel.panic')).toBe('7')
    expect(s.get('vm.swappiness')).toBe('10')
    expect(s.has('x')).toBe(false)
  })
})
