import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const COMMANDS = ['status', 'snapshot', 'mem-set', 'confirm', 'rollback', 'oom', 'protect', 'dom0-mem', 'lint', 'doctor']

describe('memguard <command> --help', () => {
  it.each(COMMANDS)('%s prints a usage line without an empty alternative', async (command) => {
    const {exitCode, stdout} = await runCli([command, '--help'])
    expect(exitCode).toBe(0)
    const usage = stdout.slice(stdout.indexOf('USAGE'), stdout.indexOf('\n\n', stdout.indexOf('USAGE')))
    expect(usage).toMatch(new RegExp(`\\$ memguard ${command}`))
    expect(usage.replace(/\s+/g, ' ')).not.toMatch(/\|\s*\]|\[\s*\||\|\s*\|/)
  })
})
