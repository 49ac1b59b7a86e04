/**
 * `--root` host trees for `memguard oom` and `memguard protect` tests, built in a temp directory:
 *
 * - `rhel5Tree()`: a RHEL5-like Xen 3.1 dom0 – kernel 2.6.18-419.el5xen (oom_adj only, no
 *   oom_score_adj files), SysV init (/etc/rc.d/init.d/{sshd,crond,xend}, /etc/init.d a symlink to it, with RHEL's
 *   `[ -f /etc/sysconfig/sshd ] && . /etc/sysconfig/sshd` lines; xend sources nothing),
 *   /etc/rc.d/rc.local, /etc/sysctl.conf and no /etc/sysctl.d. Its process table is the
 *   reconstructed RHEL5 dom0 of test/fixtures/linux/el5-2.6.18-processes.json (sshd listener +
 *   session, crond, xenstored, xenconsoled, xend, qemu-dm, httpd, a memory hog).
 * - `debianTree()`: the real xenlab dom0 (examples/hosts/xenlab: Debian 12, kernel 6.1, Xen 4.17)
 *   plus what a Debian 12 + Xen 4.17 install has for services: /run/systemd/system, ssh.service and
 *   cron.service (no Restart=) and systemd-journald.service (OOMScoreAdjust=-250, Restart=always)
 *   in /lib/systemd/system, and /etc/init.d/xen (which starts oxenstored and xenconsoled: they run
 *   in the generated xen.service, as /proc/<pid>/cgroup says).
 *
 * The unit and init-script texts are short but keep the lines memguard reads.
 */
import {cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import type {ProcessFiles} from '../../src/host/host.js'

const REPO = resolve(import.meta.dirname, '../..')

export function put(root: string, path: string, content: string, mode?: number): void {
  const full = join(root, path)
  mkdirSync(dirname(full), {recursive: true})
  writeFileSync(full, content, mode === undefined ? undefined : {mode})
}

export function read(root: string, path: string): string {
  return readFileSync(join(root, path), 'utf8')
}

export const RHEL5_SSHD_INIT = `#!/bin/bash
#
# Init file for OpenSSH server daemon
#
# chkconfig: 2345 55 25
# processname: sshd
# config: /etc/sysconfig/sshd
# pidfile: /var/run/sshd.pid

# source function library
. /etc/rc.d/init.d/functions

# pull in sysconfig settings
[ -f /etc/sysconfig/sshd ] && . /etc/sysconfig/sshd

RETVAL=0
prog="sshd"
SSHD=/usr/sbin/sshd
PID_FILE=/var/run/sshd.pid

start()
{
	echo -n $"Starting $prog: "
	$SSHD $OPTIONS && success || failure
	RETVAL=$?
	echo
}

case "$1" in
	start) start ;;
	restart) stop; start ;;
esac
exit $RETVAL
`

export const RHEL5_CROND_INIT = `#! /bin/bash
#
# crond          Start/Stop the cron clock daemon.
#
# chkconfig: 2345 90 60
# processname: crond
# pidfile: /var/run/crond.pid

. /etc/init.d/functions
[ -f /etc/sysconfig/crond ] || {
    [ "$1" = "status" ] && exit 4 || exit 6
}
. /etc/sysconfig/crond
prog="crond"
exec=/usr/sbin/crond
start() {
    daemon $prog $CRONDARGS
}
case "$1" in start) start ;; esac
`

export const RHEL5_XEND_INIT = `#!/bin/bash
#
# xend		Script to start and stop the Xen control daemon.
#
# chkconfig: 2345 98 01
. /etc/rc.d/init.d/functions
start() {
	xend start
}
case "$1" in start) start ;; esac
`

export const RHEL5_RC_LOCAL = `#!/bin/sh
#
# This script will be executed *after* all the other init scripts.
# You can put your own initialization stuff in here if you don't
# want to do the full Sys V style init stuff.

touch /var/lock/subsys/local
`

export const RHEL5_SYSCTL_CONF = `# Kernel sysctl configuration file for Red Hat Linux
# Controls IP packet forwarding
net.ipv4.ip_forward = 0

# Controls whether core dumps will append the PID to the core filename
kernel.core_uses_pid = 1
`

export interface Tree {
  root: string
}

function writeProcessFiles(root: string, files: readonly ProcessFiles[]): void {
  for (const f of files) {
    const dir = `/proc/${f.pid}`
    if (f.status !== null) put(root, `${dir}/status`, f.status)
    if (f.stat !== null) put(root, `${dir}/stat`, f.stat)
    if (f.cmdline !== null) put(root, `${dir}/cmdline`, f.cmdline)
    if (f.oomScore !== null) put(root, `${dir}/oom_score`, f.oomScore)
    if (f.oomScoreAdj !== null) put(root, `${dir}/oom_score_adj`, f.oomScoreAdj)
    if (f.oomAdj !== null) put(root, `${dir}/oom_adj`, f.oomAdj)
  }
}

export function rhel5Tree(options: {sysconfigSshd?: string | null} = {}): Tree {
  const root = mkdtempSync(join(tmpdir(), 'mg-rhel5-'))
  const processes = JSON.parse(readFileSync(join(REPO, 'test/fixtures/linux/el5-2.6.18-processes.json'), 'utf8')) as ProcessFiles[]
  writeProcessFiles(root, processes)
  put(root, '/proc/meminfo', readFileSync(join(REPO, 'test/fixtures/linux/el5-2.6.18-proc-meminfo.txt'), 'utf8'))
  put(root, '/proc/sys/kernel/osrelease', '2.6.18-419.el5xen\n')
  put(root, '/proc/sys/kernel/hostname', 'rhel5-dom0\n')
  put(root, '/proc/sys/vm/panic_on_oom', '0\n')
  put(root, '/proc/sys/kernel/panic', '0\n')
  put(root, '/proc/uptime', '864000.00 1700000.00\n')
  put(root, '/proc/xen/capabilities', 'control_d\n')
  put(root, '/etc/redhat-release', 'Red Hat Enterprise Linux Server release 5.11 (Tikanga)\n')
  put(root, '/etc/rc.d/init.d/sshd', RHEL5_SSHD_INIT, 0o755)
  put(root, '/etc/rc.d/init.d/crond', RHEL5_CROND_INIT, 0o755)
  put(root, '/etc/rc.d/init.d/xend', RHEL5_XEND_INIT, 0o755)
  put(root, '/etc/rc.d/init.d/functions', '# functions\n')
  symlinkSync('rc.d/init.d', join(root, 'etc/init.d')) // as on RHEL
  put(root, '/etc/rc.d/rc.local', RHEL5_RC_LOCAL, 0o755)
  const sshd = options.sysconfigSshd === undefined ? '# Uncomment the following line to allow sshd to use an alternate config\n#OPTIONS=\n' : options.sysconfigSshd
  if (sshd !== null) put(root, '/etc/sysconfig/sshd', sshd)
  put(root, '/etc/sysctl.conf', RHEL5_SYSCTL_CONF)
  return {root}
}

export const DEBIAN_SSH_SERVICE = `[Unit]
Description=OpenBSD Secure Shell server
After=network.target auditd.service
ConditionPathExists=!/etc/ssh/sshd_not_to_be_run

[Service]
EnvironmentFile=-/etc/default/ssh
ExecStartPre=/usr/sbin/sshd -t
ExecStart=/usr/sbin/sshd -D $SSHD_OPTS
ExecReload=/bin/kill -HUP $MAINPID
KillMode=process
Restart=on-failure
RestartPreventExitStatus=255
Type=notify
RuntimeDirectory=sshd
RuntimeDirectoryMode=0755

[Install]
WantedBy=multi-user.target
Alias=sshd.service
`

export const DEBIAN_CRON_SERVICE = `[Unit]
Description=Regular background program processing daemon
Documentation=man:cron(8)
After=remote-fs.target nss-user-lookup.target

[Service]
EnvironmentFile=-/etc/default/cron
ExecStart=/usr/sbin/cron -f -P $EXTRA_OPTS
IgnoreSIGPIPE=false
KillMode=process

[Install]
WantedBy=multi-user.target
`

export const JOURNALD_SERVICE = `[Unit]
Description=Journal Service
DefaultDependencies=no

[Service]
ExecStart=/lib/systemd/systemd-journald
OOMScoreAdjust=-250
Restart=always
RestartSec=0
`

export const DEBIAN_XEN_INIT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          xen
# Short-Description: Xen daemons
### END INIT INFO
. /lib/init/vars.sh
. /lib/lsb/init-functions
[ -r /etc/default/xen ] && . /etc/default/xen
case "$1" in start) echo "Starting Xen daemons" ;; esac
`

export function debianTree(): Tree {
  const root = mkdtempSync(join(tmpdir(), 'mg-deb12-'))
  cpSync(join(REPO, 'examples/hosts/xenlab/files'), root, {recursive: true})
  mkdirSync(join(root, 'run/systemd/system'), {recursive: true})
  put(root, '/lib/systemd/system/ssh.service', DEBIAN_SSH_SERVICE)
  put(root, '/lib/systemd/system/cron.service', DEBIAN_CRON_SERVICE)
  put(root, '/lib/systemd/system/systemd-journald.service', JOURNALD_SERVICE)
  put(root, '/etc/init.d/xen', DEBIAN_XEN_INIT, 0o755)
  put(root, '/etc/init.d/cron', '#!/bin/sh\n# LSB wrapper; systemd uses cron.service\n[ -r /etc/default/cron ] && . /etc/default/cron\n', 0o755)
  mkdirSync(join(root, 'etc/sysctl.d'), {recursive: true})
  put(root, '/etc/sysctl.d/99-sysctl.conf', '# see /etc/sysctl.conf\n')
  put(root, '/proc/sys/kernel/panic', '0\n')
  // oxenstored (267) and xenconsoled (276) run in the unit generated from /etc/init.d/xen.
  put(root, '/proc/267/cgroup', '0::/system.slice/xen.service\n')
  put(root, '/proc/276/cgroup', '0::/system.slice/xen.service\n')
  put(root, '/proc/227/cgroup', '0::/system.slice/cron.service\n')
  put(root, '/proc/265/cgroup', '0::/system.slice/ssh.service\n')
  put(root, '/proc/194/cgroup', '0::/system.slice/systemd-journald.service\n')
  return {root}
}
