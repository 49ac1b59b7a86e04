import {describe, expect, it} from 'vitest'
import {classifySshFailure, sshDetail, sshFailure} from '../../src/host/ssh-errors.js'

// stderr as OpenSSH 9 prints it (exit status 255).
const SAMPLES: Array<[string, string, RegExp]> = [
  ['refused', 'ssh: connect to host 10.0.0.5 port 22: Connection refused\r\n', /^cannot connect to dom0: connection refused \(ssh: connect to host 10\.0\.0\.5 port 22: Connection refused\)$/],
  ['timeout', 'ssh: connect to host 10.0.0.5 port 22: Connection timed out\r\n', /^cannot connect to dom0: the connection timed out/],
  ['dns', 'ssh: Could not resolve hostname dom0: Name or service not known\r\n', /^cannot resolve the host name of dom0/],
  ['no-route', 'ssh: connect to host 10.0.0.5 port 22: No route to host\r\n', /^cannot reach dom0: no route to host/],
  ['auth', 'root@10.0.0.5: Permission denied (publickey,password).\r\n', /^authentication to dom0 failed/],
  [
    'host-key-changed',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\nHost key for 10.0.0.5 has changed and you have requested strict checking.\nHost key verification failed.\r\n',
    /^the host key of dom0 does not match the one in known_hosts/,
  ],
  ['host-key-unknown', 'No ED25519 host key is known for 10.0.0.5 and you have requested strict checking.\r\nHost key verification failed.\r\n', /^the host key of dom0 is not known/],
  ['algorithms', 'Unable to negotiate with 10.0.0.5 port 22: no matching host key type found. Their offer: ssh-rsa,ssh-dss\r\n', /^cannot agree on ssh algorithms with dom0/],
  ['dropped', 'Connection to 10.0.0.5 closed by remote host.\r\n', /^the connection to dom0 dropped/],
  ['dropped', 'Timeout, server 10.0.0.5 not responding.\r\n', /^the connection to dom0 dropped/],
  ['ssh', 'something new\n', /^ssh to dom0 failed with exit code 255 \(ssh: something new\)$/],
]

describe('ssh failures', () => {
  it.each(SAMPLES)('classifies %s from ssh stderr into a message that names the host', (kind, stderr, message) => {
    expect(classifySshFailure(stderr)).toBe(kind)
    const error = sshFailure('dom0', stderr, 255)
    expect(error.message).toMatch(message)
    expect(error.exitCode).toBe(1)
  })

  it('after the remote side started, any ssh failure is a connection that dropped mid-command', () => {
    const error = sshFailure('dom0', 'client_loop: send disconnect: Broken pipe\r\n', 255, {started: true, what: 'writing /etc/default/grub'})
    expect(error.message).toBe('the connection to dom0 dropped mid-command while writing /etc/default/grub (ssh: client_loop: send disconnect: Broken pipe)')
    expect(error.hint).toMatch(/nothing is half-written/)
  })

  it('keeps the last informative stderr lines and drops banners', () => {
    expect(sshDetail('@@@@\nWarning: Permanently added x\n\nssh: a\nb\nc\n')).toBe('b / c')
  })
})
