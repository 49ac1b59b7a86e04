import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {EXAMPLE_HOSTS, REPO_ROOT, runCli} from '../helpers/cli.js'

// End to end: the built CLI (`npm run build` first), run as a user would.

let dir: string
const write = (rel: string, text: string) => {
  const abs = join(dir, rel)
  mkdirSync(join(abs, '..'), {recursive: true})
  writeFileSync(abs, text)
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'memguard-lint-'))
  write('clean/etc/xen/web.cfg', 'name = "web"\nmemory = 1024\nvcpus = 2\n')
  write('clean/boot/grub/grub.cfg', "menuentry 'Xen' {\n\tmultiboot2 /boot/xen.gz dom0_mem=2G,max:2G\n\tmodule2 /boot/vmlinuz root=/dev/sda1\n}\n")
  write('clean/README.md', '# not a config\nmemory = 5\n')
  write('warn/etc/xen/web.cfg', 'name = "web"\nmemory = 1024\nvcpu = 2\n')
  write('bad/etc/xen/web.cfg', 'name = "web"\nmemory = 1024\nmaxmem = 512\n')
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('memguard lint (CLI)', () => {
  it('exits 0 on a clean tree and skips what is not a Xen config', async () => {
    const r = await runCli(['lint', 'clean'], {cwd: dir})
    expect(r).toMatchObject({exitCode: 0, stderr: ''})
    expect(r.stdout).toBe('✔ no problems (2 files checked, 1 skipped (not Xen configs))')
  })

  it('exits 0 with warnings only, and 1 when warnings pass --max-warnings', async () => {
    expect((await runCli(['lint', 'warn'], {cwd: dir})).exitCode).toBe(0)
    const r = await runCli(['lint', 'warn', '--max-warnings', '0'], {cwd: dir})
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain('warn/etc/xen/web.cfg:3:1  warning  unknown key `vcpu`; did you mean `vcpus`?')
  })

  it('exits 1 on errors', async () => {
    const r = await runCli(['lint', 'bad'], {cwd: dir})
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain('maxmem-below-memory')
  })

  it('exits 2 on an unreadable path', async () => {
    const r = await runCli(['lint', 'no-such-dir'], {cwd: dir})
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toBe('memguard: cannot read no-such-dir: no such file or directory')
  })

  it('exits 2 on a bad .memguard.yml found upward from the working directory', async () => {
    write('badcfg/.memguard.yml', 'lint:\n  rules:\n    no-such-rule: off\n')
    write('badcfg/sub/etc/xen/web.cfg', 'name = "web"\nmemory = 1024\n')
    const r = await runCli(['lint', '.'], {cwd: join(dir, 'badcfg', 'sub')})
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('.memguard.yml: lint.rules: unknown rule "no-such-rule"')
  })

  it('applies .memguard.yml severities and ignores, and --rule on top', async () => {
    write('cfg/.memguard.yml', 'lint:\n  rules:\n    maxmem-below-memory: warn\n  ignore:\n    - "old/"\n')
    write('cfg/etc/xen/web.cfg', 'name = "web"\nmemory = 1024\nmaxmem = 512\n')
    write('cfg/old/etc/xen/x.cfg', 'name = "x"\nmemory = "1024M"\n')
    const r = await runCli(['lint', '.', '--format', 'json'], {cwd: join(dir, 'cfg')})
    expect(r.exitCode).toBe(0)
    const json = JSON.parse(r.stdout)
    expect(json.summary).toMatchObject({filesChecked: 1, errors: 0, warnings: 1})
    const r2 = await runCli(['lint', '.', '--rule', 'maxmem-below-memory=error'], {cwd: join(dir, 'cfg')})
    expect(r2.exitCode).toBe(1)
    const r3 = await runCli(['lint', '.', '--rule', 'nope=off'], {cwd: join(dir, 'cfg')})
    expect(r3.exitCode).toBe(2)
  })

  it('honours inline directives', async () => {
    write('inline/etc/xen/web.cfg', 'name = "web"\nmemory = 1024\n# memguard-disable-next-line maxmem-below-memory\nmaxmem = 512\n')
    expect((await runCli(['lint', 'inline'], {cwd: dir})).exitCode).toBe(0)
  })

  it('--kind forces a kind on a file detection would skip', async () => {
    write('kind/guest.txt', 'vcpu = 1\nfoo = "x"\n')
    const skipped = await runCli(['lint', 'kind/guest.txt'], {cwd: dir})
    expect(skipped.stderr).toContain('not recognised as a Xen config')
    const forced = await runCli(['lint', 'kind/guest.txt', '--kind', 'xl-domain', '--format', 'github'], {cwd: dir})
    expect(forced.stdout).toContain('::warning file=kind/guest.txt,line=1,col=1')
  })

  it('writes each format', async () => {
    for (const [format, check] of [
      ['sarif', (s: string) => expect(JSON.parse(s).version).toBe('2.1.0')],
      ['junit', (s: string) => expect(s).toMatch(/^<\?xml/)],
      ['github', (s: string) => expect(s).toContain('::error file=bad/etc/xen/web.cfg,line=3,col=10')],
      ['json', (s: string) => expect(JSON.parse(s).schemaVersion).toBe(1)],
    ] as const) {
      const r = await runCli(['lint', 'bad', '--format', format], {cwd: dir})
      expect(r.exitCode).toBe(1)
      check(r.stdout)
    }
    const json = await runCli(['lint', 'bad', '--json'], {cwd: dir})
    expect(JSON.parse(json.stdout).summary.errors).toBe(1)
  })

  it('checks the sum of guest memory against --host-memory', async () => {
    write('host/etc/xen/a.cfg', 'name = "a"\nmemory = 4096\n')
    write('host/etc/xen/b.cfg', 'name = "b"\nmemory = 4096\n')
    write('host/boot/grub/grub.cfg', "menuentry 'Xen' {\n\tmultiboot2 /boot/xen.gz dom0_mem=2G,max:2G\n}\n")
    const r = await runCli(['lint', 'host', '--host-memory', '8G'], {cwd: dir})
    expect(r.stdout).toContain('host-memory-overcommit')
    expect(r.stdout).toContain('8 GiB in total')
    expect((await runCli(['lint', 'host', '--host-memory', '16G'], {cwd: dir})).stdout).not.toContain('host-memory-overcommit')
  })

  it('reads host facts and the config files of a snapshot', async () => {
    const r = await runCli(['lint', '--snapshot', join(EXAMPLE_HOSTS, 'xenlab'), '--format', 'json'], {cwd: REPO_ROOT})
    const json = JSON.parse(r.stdout)
    expect(json.files.map((f: {path: string}) => f.path).sort()).toEqual(['etc/default/grub.d/xen.cfg', 'etc/xen/xl.conf'])
    // Debian 12's stock grub.d/xen.cfg sets no dom0_mem (the lab boots Xen without GRUB).
    expect(json.files.find((f: {path: string}) => f.path === 'etc/default/grub.d/xen.cfg').findings.map((x: {ruleId: string; line: number}) => `${x.line} ${x.ruleId}`)).toEqual(['57 dom0-mem-missing'])
  })

  it('lists the rules', async () => {
    const r = await runCli(['lint', '--list-rules'])
    expect(r.stdout.split('\n')[0]).toMatch(/^syntax-error +error +The file does not parse/)
  })

  it('exits 2 when a file cannot be read', async () => {
    if (process.getuid?.() === 0) return // root reads everything
    write('perm/etc/xen/a.cfg', 'name="a"\n')
    chmodSync(join(dir, 'perm/etc/xen/a.cfg'), 0)
    expect((await runCli(['lint', 'perm'], {cwd: dir})).exitCode).toBe(2)
  })
})
