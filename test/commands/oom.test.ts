import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EXAMPLE_HOSTS, runCli} from '../helpers/cli.js'
import {rhel5Tree} from '../ops/protect-trees.js'

describe('memguard oom', () => {
  it('shows the lab dom0\'s kill order by the kernel\'s oom_score, what each kill frees, and the unprotected critical services', async () => {
    const {exitCode, stdout} = await runCli(['oom', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab-hogs')])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Model {2}the kernel’s own oom_score/)
    expect(stdout).toMatch(/child rule: since 5\.1 the chosen process itself dies/)
    expect(stdout).toMatch(/^\s+1\s+358\s+python3\s+408 MiB\s+–\s+862\s+0\s+408 MiB\s+408 MiB/m)
    expect(stdout).toMatch(/^\s+\d+\s+222\s+cron .*critical: cron/m)
    expect(stdout).toMatch(/Never chosen[\s\S]*259\s+sshd .*-1000\s+oom_score_adj −1000 \(never killed\); critical: sshd/)
    expect(stdout).toMatch(/! critical services the OOM killer may take: .*cron \(pid 222, oom_score_adj 0\)/)
    expect(stdout).toMatch(/→ memguard protect --apply --persist/)
  })

  it('gives a stable JSON shape', async () => {
    const {exitCode, stdout} = await runCli(['oom', '--json', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab-hogs')])
    expect(exitCode).toBe(0)
    const json = JSON.parse(stdout)
    expect(json.schemaVersion).toBe(1)
    expect(json.model).toMatchObject({kind: 'modern-oom-score', childRule: 'none'})
    expect(json.order[0]).toMatchObject({rank: 1, pid: 358, name: 'python3', score: 862, oomScoreAdj: 0, protection: 'none', critical: false, freesKiB: json.order[0].rssKiB, viaChildRule: false})
    expect(json.neverChosen.find((n: {pid: number}) => n.pid === 259)).toMatchObject({protected: true, service: 'sshd'})
    expect(json.findings.map((f: {id: string}) => f.id)).toEqual(['critical-unprotected'])
    expect(json.killableCount).toBe(json.order.length)
  })

  it('uses the pre-2.6.36 badness model on a RHEL5-like tree and kills children first', async () => {
    const {root} = rhel5Tree()
    const {exitCode, stdout} = await runCli(['oom', '--root', root])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Model {2}the pre-2\.6\.36 badness\(\) model/)
    expect(stdout).toMatch(/^\s+1\s+7000\s+memhog/m)
    expect(stdout).toMatch(/child of pid \d+ \(chosen; the child dies first\)/)
    expect(stdout).toMatch(/not in memguard's default set: xend, qemu-dm/)
  })

  it('lists every process with --all, kernel threads among the never chosen', async () => {
    const {stdout} = await runCli(['oom', '--all', '--json', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab')])
    const json = JSON.parse(stdout)
    expect(json.neverChosen.some((n: {kernelThread: boolean}) => n.kernelThread)).toBe(true)
    expect(json.order).toHaveLength(json.killableCount)
  })

  it('ranks this machine\'s processes', async () => {
    const {exitCode, stdout} = await runCli(['oom', '--top', '3'])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Kill order/)
    expect(stdout).toMatch(/^\s+1\s+\d+\s+\S/m)
  })
})
