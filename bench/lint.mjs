// Benchmark for `memguard lint`: 10,000 generated domain configs plus the bootloader and toolstack
// files of 100 hosts, linted in one run, beside `cat` of the same files in the same run.
// Target: under 2 s median wall time on the 2-core development machine.
//
//   node bench/lint.mjs [--runs N] [--keep]        (npm run bench runs it too; build first)
//
// NODE_EXTRA_CA_CERTS is removed from the environment of every measured command: on Node 20 it
// adds ~30 ms to every process start (146 certificates parsed eagerly).
// Peak RSS: `/usr/bin/time -f %M` when it exists; otherwise memguard reports its own
// process.resourceUsage().maxRSS through a preload, and `cat` is measured with getrusage through
// python (bench/measure.py).
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

const root = resolve(import.meta.dirname, '..')
const bin = join(root, 'bin/run.js')
const args = process.argv.slice(2)
const RUNS = Number(args[args.indexOf('--runs') + 1] || process.env.BENCH_RUNS || 7)
const KEEP = args.includes('--keep')
const HOSTS = 100
const DOMAINS_PER_HOST = 100
const TARGET_MS = 2000

const env = {...process.env, NO_COLOR: '1'}
delete env.NODE_EXTRA_CA_CERTS

if (!existsSync(join(root, 'dist/index.js'))) {
  console.error('bench/lint.mjs: dist/ is missing; run `npm run build` first')
  process.exit(2)
}

// ---- generate -------------------------------------------------------------------------------------

function rng(seed) {
  let s = seed >>> 0
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

function domainConfig(host, i, rand) {
  const hvm = rand() < 0.3
  const memory = [256, 512, 768, 1024, 2048, 4096][Math.floor(rand() * 6)]
  const mac = `00:16:3e:${(host & 0xff).toString(16).padStart(2, '0')}:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`
  const lines = [
    '#',
    `# Configuration file for the Xen instance h${host}-vm${i}, generated for the memguard benchmark`,
    '#',
    '',
    hvm ? 'type = "hvm"' : `bootloader = '/usr/lib/xen-4.17/bin/pygrub'`,
    `name        = 'h${host}-vm${i}'`,
    `uuid        = '${(host * 100000 + i).toString(16).padStart(8, '0')}-28ba-4730-a5ba-88de9d25652a'`,
    rand() < 0.5 ? `memory      = '${memory}'` : `memory      = ${memory}`,
    rand() < 0.2 ? `maxmem      = ${memory * 2}` : `# maxmem = ${memory}`,
    `vcpus       = ${1 + Math.floor(rand() * 4)}`,
    'disk        = [',
    `                  'phy:/dev/vg0/h${host}-vm${i}-disk,xvda2,w',`,
    `                  'phy:/dev/vg0/h${host}-vm${i}-swap,xvda1,w',`,
    '              ]',
    `vif         = [ 'ip=10.${host % 250}.${i >> 8}.${i & 0xff} ,mac=${mac},bridge=xenbr0' ]`,
    "on_poweroff = 'destroy'",
    "on_reboot   = 'restart'",
    "on_crash    = 'restart'",
  ]
  if (rand() < 0.05) lines.push('vcpu = 2') // a typo now and then
  if (hvm && rand() < 0.3) lines.push('builder = "hvm"')
  return `${lines.join('\n')}\n`
}

function generate(dir) {
  const rand = rng(42)
  const files = []
  const put = (rel, text) => {
    const abs = join(dir, rel)
    mkdirSync(join(abs, '..'), {recursive: true})
    writeFileSync(abs, text)
    files.push(abs)
  }
  for (let h = 0; h < HOSTS; h++) {
    const base = `hosts/h${String(h).padStart(3, '0')}`
    for (let i = 0; i < DOMAINS_PER_HOST; i++) put(`${base}/etc/xen/vm${String(i).padStart(3, '0')}.cfg`, domainConfig(h, i, rand))
    const dom0 = h % 7 === 0 ? 'dom0_mem=4096M' : 'dom0_mem=4096M,max:4096M'
    put(`${base}/etc/xen/xl.conf`, `## Global XL config file ##\n#autoballoon="auto"\nautoballoon="${h % 5 === 0 ? 'on' : 'off'}"\nlockfile="/var/lock/xl"\n`)
    put(`${base}/etc/default/grub`, `GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n`)
    put(`${base}/etc/default/grub.d/xen.cfg`, `echo "Including Xen overrides" >&2\nGRUB_CMDLINE_XEN_DEFAULT="${h % 3 === 0 ? dom0 + ' ' : ''}dom0_max_vcpus=2"\n${h % 3 === 0 ? '' : `GRUB_CMDLINE_XEN="${dom0}"\n`}`)
    put(
      `${base}/boot/grub/grub.cfg`,
      [
        '### BEGIN /etc/grub.d/20_linux_xen ###',
        "submenu 'Xen 4.17' {",
        `menuentry 'Debian GNU/Linux, with Xen 4.17 and Linux 6.1.0' --class debian --class xen {`,
        '\tinsmod part_gpt',
        `\tmultiboot2\t/boot/xen-4.17-amd64.gz placeholder ${dom0} dom0_max_vcpus=2 \${xen_rm_opts}`,
        '\tmodule2\t/boot/vmlinuz-6.1.0-56-amd64 placeholder root=/dev/mapper/vg0-root ro quiet',
        '\tmodule2\t--nounzip /boot/initrd.img-6.1.0-56-amd64',
        '}',
        `menuentry 'Debian GNU/Linux, with Xen 4.17 and Linux 6.1.0 (recovery mode)' --class xen {`,
        `\tmultiboot2\t/boot/xen-4.17-amd64.gz placeholder ${h % 3 === 0 ? '' : dom0} \${xen_rm_opts}`,
        '\tmodule2\t/boot/vmlinuz-6.1.0-56-amd64 placeholder root=/dev/mapper/vg0-root ro single',
        '}',
        '}',
        '### END /etc/grub.d/20_linux_xen ###',
        '',
      ].join('\n'),
    )
    if (h % 4 === 0) put(`${base}/boot/efi/EFI/xen/xen.cfg`, `[global]\ndefault=xen\n\n[xen]\noptions=console=vga ${dom0}\nkernel=vmlinuz root=/dev/sda2 #quiet\nramdisk=initrd.img\n`)
    if (h % 10 === 0) put(`${base}/etc/xen/xend-config.sxp`, '(xend-relocation-server no)\n(dom0-min-mem 196)\n(enable-dom0-ballooning yes)\n(dom0-cpus 0)\n')
  }
  return files
}

// ---- measure --------------------------------------------------------------------------------------

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
const PRELOAD = join(tmpdir(), `memguard-bench-rss-${process.pid}.cjs`)
writeFileSync(PRELOAD, "process.on('exit', () => { require('fs').writeFileSync(process.env.MEMGUARD_BENCH_RSS, String(process.resourceUsage().maxRSS)) })\n")

function once(cmd, cmdArgs, {selfReport = false} = {}) {
  if (TIME) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(TIME, ['-f', '%M', cmd, ...cmdArgs], {env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26})
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    const rssKiB = Number(r.stderr.trim().split('\n').at(-1))
    return {ms, rssKiB, code: r.status}
  }
  if (selfReport) {
    const rssFile = join(tmpdir(), `memguard-bench-rss-${process.pid}.txt`)
    const t0 = process.hrtime.bigint()
    const r = spawnSync(cmd, ['--require', PRELOAD, ...cmdArgs], {env: {...env, MEMGUARD_BENCH_RSS: rssFile}, stdio: 'ignore', maxBuffer: 1 << 26})
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    return {ms, rssKiB: Number(readFileSync(rssFile, 'utf8')), code: r.status}
  }
  const out = JSON.parse(execFileSync('python3', [join(root, 'bench/measure.py'), '1', '0', '--', cmd, ...cmdArgs], {env, encoding: 'utf8', maxBuffer: 1 << 26}))
  return {ms: out.wallMs, rssKiB: out.peakRssKiB, code: out.exitCodes[0]}
}

function measure(cmd, cmdArgs, options) {
  for (let i = 0; i < 2; i++) once(cmd, cmdArgs, options) // warm the page cache and the CPU
  const runs = Array.from({length: RUNS}, () => once(cmd, cmdArgs, options))
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  return {ms: median(runs.map((r) => r.ms)), rssKiB: median(runs.map((r) => r.rssKiB)), codes: [...new Set(runs.map((r) => r.code))]}
}

const dir = mkdtempSync(join(tmpdir(), 'memguard-bench-lint-'))
try {
  const t0 = Date.now()
  const files = generate(dir)
  const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0)
  console.error(`memguard bench lint: ${files.length} files (${HOSTS * DOMAINS_PER_HOST} domain configs + ${files.length - HOSTS * DOMAINS_PER_HOST} bootloader/toolstack files, ${(bytes / 1048576).toFixed(1)} MiB) generated in ${Date.now() - t0} ms under ${dir}`)
  console.error(`median of ${RUNS} runs after 2 warm-ups; NODE_EXTRA_CA_CERTS unset for measured commands; peak RSS via ${TIME ? '/usr/bin/time -f %M' : 'process.resourceUsage() (memguard) and getrusage (cat)'}`)

  const check = spawnSync('node', [bin, 'lint', dir, '--format', 'json'], {env, encoding: 'utf8', maxBuffer: 1 << 28})
  const summary = JSON.parse(check.stdout).summary
  const lint = measure('node', [bin, 'lint', dir, '--format', 'json'], {selfReport: true})
  const cat = measure('cat', files)

  const pad = (s, n) => String(s).padEnd(n)
  console.log(`\n${pad('command', 58)} ${pad('median', 10)} ${pad('peak RSS', 10)} exit`)
  console.log(`${pad(`memguard lint (${files.length} files, --format json)`, 58)} ${pad(`${lint.ms.toFixed(0)} ms`, 10)} ${pad(`${(lint.rssKiB / 1024).toFixed(1)} MB`, 10)} ${lint.codes.join(',')}`)
  console.log(`${pad(`cat of the same ${files.length} files`, 58)} ${pad(`${cat.ms.toFixed(0)} ms`, 10)} ${pad(`${(cat.rssKiB / 1024).toFixed(1)} MB`, 10)} ${cat.codes.join(',')}`)
  console.log(`\nfindings: ${summary.errors} errors, ${summary.warnings} warnings in ${summary.filesWithProblems} of ${summary.filesChecked} files (${summary.filesSkipped} skipped)`)
  console.log(`ratio ${(lint.ms / cat.ms).toFixed(1)}x cat; target < ${TARGET_MS} ms: ${lint.ms < TARGET_MS ? 'met' : 'MISSED'}`)
  if (lint.ms >= TARGET_MS) process.exitCode = 1
} finally {
  rmSync(PRELOAD, {force: true})
  if (KEEP) console.error(`kept ${dir}`)
  else rmSync(dir, {recursive: true, force: true})
}
