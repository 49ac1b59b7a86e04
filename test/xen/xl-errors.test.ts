import {describe, expect, it} from 'vitest'
import fc from 'fast-check'
import {XL_ERROR_KINDS, explainXlError} from '../../src/xen/xl-errors.js'
import {capture, captureNames} from './fixture-files.js'

/** Every capture of the lab's errors/ group, with the kind memguard must give it. */
const EXPECTED: Record<string, string> = {
  'xl-mem-set-7-100M': 'unknown-domain-id',
  'xl-v-mem-set-7-100M': 'unknown-domain-id',
  'xl-mem-set-nosuchname-100M': 'unknown-domain-name',
  'xl-mem-set-0-1k': 'below-dom0-minimum',
  'xl-v-mem-set-0-1k': 'below-dom0-minimum',
  'xl-mem-set-0-0': 'below-dom0-minimum',
  'xl-mem-set-0-127m': 'below-dom0-minimum',
  'xl-mem-set-0-abc': 'invalid-size',
  'xl-mem-set-0-10x': 'invalid-size',
  'xl-mem-set-0-1.5g': 'invalid-size',
  'xl-mem-set-0-minus5m': 'above-static-max',
  'xl-mem-set-0-2048m-above-max': 'above-static-max',
  'xl-mem-set-0-1537m-above-max': 'above-static-max',
  'xl-mem-set-0-1572864-nosuffix': 'above-static-max',
  'xl-mem-set-noargs': 'usage',
  'xl-mem-set-0-only': 'usage',
  'xl-mem-set-Domain-0-1536m-byname': 'ok',
  'xl-mem-set-0-1536m-noop': 'ok',
  'xl-list-7': 'unknown-domain-id',
  'xl-list-l-7': 'unknown-domain-id',
  'xl-list-after-errors': 'ok',
  'xl-dmesg-tail': 'ok',
  'non-root-xl-list': 'permission-denied',
  'non-root-xl-mem-set': 'permission-denied',
}

const explain = (name: string) => {
  const c = capture('errors', name)
  return explainXlError({stderr: c.stderr, exitCode: c.rc, stdout: c.stdout})
}

describe('explainXlError', () => {
  it('has an expectation for every captured error case', () => {
    const names = captureNames().filter((c) => c.group === 'errors').map((c) => c.name)
    expect(names.sort()).toEqual(Object.keys(EXPECTED).sort())
  })

  it.each(Object.entries(EXPECTED))('explains the real stderr of %s as %s', (name, kind) => {
    const explanation = explain(name)
    expect(explanation.kind).toBe(kind)
    expect(explanation.explanation).not.toBe('')
    expect(explanation.advice).not.toBe('')
    expect(explanation.stderr).toBe(capture('errors', name).stderr.replace(/\s+$/, ''))
  })

  it('reports the target libxl computed for a dom0 below 128 MiB', () => {
    expect(explain('xl-mem-set-0-127m')).toMatchObject({targetKiB: 130048, requestedText: '127m', domain: '0'})
    expect(explain('xl-mem-set-0-127m').explanation).toMatch(/below 128 MiB/)
  })

  it('tells that a bare number is MiB to xl when it overshoots static-max', () => {
    const explanation = explain('xl-mem-set-0-1572864-nosuffix')
    expect(explanation.requestedText).toBe('1572864')
    expect(explanation.advice).toMatch(/as MiB.*1572864 means 1\.5 TiB/)
  })

  it('tells that a negative size is not relative', () => {
    expect(explain('xl-mem-set-0-minus5m').advice).toMatch(/-5m is negative/)
  })

  it('names the domain that does not exist', () => {
    expect(explain('xl-mem-set-7-100M').domain).toBe('7')
    expect(explain('xl-mem-set-nosuchname-100M').domain).toBe('nosuchdomain')
    expect(explain('xl-list-7').domain).toBe('7')
  })

  it('says to run as root when xl cannot open privcmd', () => {
    expect(explain('non-root-xl-mem-set').advice).toMatch(/root/)
  })

  it('recognises xend errors of the xm era', () => {
    expect(explainXlError({stderr: 'Error: Unable to connect to xend: No such file or directory. Is xend running?\n', exitCode: 1}).kind).toBe('xend-not-running')
    expect(explainXlError({stderr: 'xend is running, which may cause unpredictable results when using\nthis xl command.  Please shut down xend before continuing.\n', exitCode: 1}).kind).toBe('xend-running')
  })

  it('falls back to the first stderr line for anything else', () => {
    expect(explainXlError({stderr: 'libxl: error: something new\nmore\n', exitCode: 1})).toMatchObject({kind: 'unknown', explanation: 'The command failed: libxl: error: something new'})
    expect(explainXlError({stderr: '', exitCode: null}).explanation).toMatch(/exit none/)
  })

  it('never throws, whatever the stderr', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.integer({min: -1, max: 255})), (stderr, exitCode) => {
        expect(XL_ERROR_KINDS).toContain(explainXlError({stderr, exitCode: exitCode ?? null}).kind)
      }),
    )
  })
})
