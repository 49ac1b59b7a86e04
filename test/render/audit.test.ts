import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'
import {renderAuditRecord} from '../../src/render/audit.js'

const c = new Chalk({level: 0})

describe('renderAuditRecord', () => {
  it('names the log and syslog when both took the entry', () => {
    expect(renderAuditRecord({path: '/var/log/memguard/audit.log', recordedIn: ['/var/log/memguard/audit.log', 'syslog'], warnings: []}, c)).toEqual(['  recorded in /var/log/memguard/audit.log and syslog'])
  })

  it('does not claim the log when writing it failed, and shows why', () => {
    const lines = renderAuditRecord({path: '/var/log/memguard/audit.log', recordedIn: ['syslog'], warnings: ['could not write the audit log /var/log/memguard/audit.log: EROFS']}, c)
    expect(lines).toEqual(['  recorded in syslog', '  ! could not write the audit log /var/log/memguard/audit.log: EROFS'])
  })

  it('says nothing was recorded where nothing was', () => {
    expect(renderAuditRecord({path: '/a', recordedIn: [], warnings: ['could not write the audit log /a: EACCES']}, c)).toEqual(['  ! could not write the audit log /a: EACCES'])
  })
})
