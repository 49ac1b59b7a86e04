import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EXAMPLE_HOSTS, runCli} from '../helpers/cli.js'

describe('memguard status', () => {
  it('shows the real Xen 4.17 lab host: fixed dom0_mem, the floor and the unprotected critical services', async () => {
    const {exitCode, stdout} = await runCli(['status', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab')])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/toolstack\s+xl, Xen 4\.17\.7/)
    expect(stdout).toMatch(/dom0_mem\s+dom0_mem=1536M,max:1536M\s+fixed/)
    expect(stdout).toMatch(/Safe floor\n\s+347 MiB/)
    expect(stdout).toMatch(/critical services the OOM killer may take: .*cron .*xenconsoled/)
  })

  it('gives a stable JSON shape with the numbers behind the floor', async () => {
    const {exitCode, stdout} = await runCli(['status', '--json', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab')])
    expect(exitCode).toBe(0)
    const json = JSON.parse(stdout)
    expect(json.schemaVersion).toBe(1)
    expect(json.xen).toMatchObject({isDom0: true, toolstack: 'xl', version: '4.17.7', totalMemoryKiB: 2559 * 1024})
    expect(json.xen.dom0).toMatchObject({allocationKiB: 1572864, targetKiB: 1572864, staticMaxKiB: 1572864})
    expect(json.floor.floorKiB).toBe(347 * 1024)
    expect(json.floor.explanation.map((l: {label: string}) => l.label)).toEqual(['kernel gap', 'in use', 'headroom', 'rounding'])
    expect(json.warnings.map((w: {id: string}) => w.id)).toContain('critical-unprotected')
  })

  it('takes the headroom rule from --headroom and echoes it', async () => {
    const {stdout} = await runCli(['status', '--json', '--headroom', '512m', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab')])
    expect(JSON.parse(stdout).floor).toMatchObject({headroomKiB: 512 * 1024, headroomRule: '512 MiB as given'})
  })

  it('refuses a bad --headroom with exit 2 and the bad value quoted', async () => {
    const {exitCode, stderr} = await runCli(['status', '--headroom', 'lots', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab')])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/--headroom "lots" is not a size/)
    expect(stderr).not.toMatch(/at .*\.js/)
  })

  it('shows the Linux part of this machine and says plainly that it is not a Xen dom0', async () => {
    const {exitCode, stdout} = await runCli(['status'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/not a Xen dom0/)
    expect(stdout).toMatch(/MemAvailable/)
  })

  it('reads a --root tree and reports what it could not read instead of failing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'memguard-status-'))
    cpSync(join(EXAMPLE_HOSTS, 'xenlab/files'), root, {recursive: true})
    rmSync(join(root, 'proc/meminfo'))
    const {exitCode, stdout, stderr} = await runCli(['status', '--root', root])
    expect(exitCode).toBe(1)
    expect(stdout + stderr).toMatch(/\/proc\/meminfo could not be read/)
  })

  it('says what is wrong with a directory that is not a snapshot', async () => {
    const {exitCode, stderr} = await runCli(['status', '--snapshot', tmpdir()])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/is not a memguard snapshot/)
  })
})

describe('memguard snapshot', () => {
  it('captures this machine so that status reads it back the same', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'memguard-snapcmd-')), 'snap')
    const taken = await runCli(['snapshot', '-o', out, '--json'])
    expect(taken.exitCode).toBe(0)
    const {manifest} = JSON.parse(taken.stdout)
    expect(manifest).toMatchObject({schemaVersion: 1, toolstack: null})
    expect(manifest.processCount).toBeGreaterThan(5)
    const status = await runCli(['status', '--json', '--snapshot', out])
    expect(status.exitCode).toBe(0)
    expect(JSON.parse(status.stdout).processCount).toBe(manifest.processCount)
  })

  it('refuses to overwrite a non-empty directory without --force', async () => {
    const out = mkdtempSync(join(tmpdir(), 'memguard-snapcmd-'))
    cpSync(join(EXAMPLE_HOSTS, 'xenlab/manifest.json'), join(out, 'manifest.json'))
    const {exitCode, stderr} = await runCli(['snapshot', '-o', out])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/exists and is not empty/)
  })

  it('replaces an older snapshot with --force, but never a directory that is not a snapshot', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'memguard-snapcmd-'))
    const out = join(parent, 'snap')
    expect((await runCli(['snapshot', '-o', out])).exitCode).toBe(0)
    expect((await runCli(['snapshot', '-o', out, '--force'])).exitCode).toBe(0)
    const notASnapshot = mkdtempSync(join(tmpdir(), 'memguard-precious-'))
    writeFileSync(join(notASnapshot, 'keep-me'), 'data')
    const {exitCode, stderr} = await runCli(['snapshot', '-o', notASnapshot, '--force'])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/is not a memguard snapshot \(no manifest\.json\): not replacing it/)
    expect(readFileSync(join(notASnapshot, 'keep-me'), 'utf8')).toBe('data')
  })
})
