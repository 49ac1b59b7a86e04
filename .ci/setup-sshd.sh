#!/bin/sh
# Install what the SSH transport tests need (test/host/*): a real OpenSSH server and client, plus
# dash and busybox to run the remote collector under other POSIX shells. Idempotent: does nothing
# when everything is already there. Debian/Ubuntu (apt-get); run as root or with sudo available.
set -eu

need=
[ -x /usr/sbin/sshd ] || need="$need openssh-server"
command -v ssh >/dev/null 2>&1 || need="$need openssh-client"
command -v ssh-keygen >/dev/null 2>&1 || need="$need openssh-client"
command -v dash >/dev/null 2>&1 || need="$need dash"
command -v busybox >/dev/null 2>&1 || need="$need busybox"

SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

if [ -n "$need" ]; then
  echo "setup-sshd: installing$need"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# sshd refuses to start without its privilege separation directory (normally made by systemd).
if [ ! -d /run/sshd ]; then $SUDO mkdir -p -m 0755 /run/sshd; fi

# The package's postinst may not start sshd in a container (policy-rc.d); the tests start their
# own on a random port of 127.0.0.1, so nothing else is needed.
echo "setup-sshd: $(/usr/sbin/sshd -V 2>&1 | head -n 1 || true)"
