import {describe, expect, it} from 'vitest'
import {formatSshTarget, parseSshTarget} from '../../src/host/ssh-target.js'
import {MemguardError} from '../../src/lib/errors.js'

describe('parseSshTarget', () => {
  it.each([
    ['dom0', {host: 'dom0'}],
    ['root@dom0.example', {host: 'dom0.example', user: 'root'}],
    ['root@dom0.example:2222', {host: 'dom0.example', user: 'root', port: 2222}],
    ['dom0:22', {host: 'dom0', port: 22}],
    ['[fe80::1%eth0]:2222', {host: 'fe80::1%eth0', port: 2222}],
    ['admin@[2001:db8::5]', {host: '2001:db8::5', user: 'admin'}],
    ['2001:db8::5', {host: '2001:db8::5'}],
    ['AD\\user@dom0', {host: 'dom0', user: 'AD\\user'}],
    ['user@corp@dom0', {host: 'dom0', user: 'user@corp'}],
  ])('reads %s', (text, expected) => {
    expect(parseSshTarget(text)).toEqual({...expected, label: text})
  })

  it.each(['', '-oProxyCommand=touch /tmp/x', 'root@-p', 'host:0', 'host:65536', 'host:22x', '[::1', '[::1]x', 'a b', 'x;id', '@host', "o'brien@h", 'ho\nst'])('refuses %j as a usage error', (text) => {
    let error: unknown
    try {
      parseSshTarget(text)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MemguardError)
    expect((error as MemguardError).exitCode).toBe(2)
  })

  it('formats a target back to text, bracketing IPv6', () => {
    expect(formatSshTarget({host: '2001:db8::5', user: 'root', port: 22})).toBe('root@[2001:db8::5]:22')
    expect(formatSshTarget({host: 'dom0'})).toBe('dom0')
  })
})
