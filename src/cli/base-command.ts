import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {MemguardError} from '../lib/errors.js'
import {ExitCode, type ExitCodeValue} from '../lib/exit-codes.js'
import type {Host} from '../host/host.js'

/**
 * --root, --snapshot and --host, each exclusive of the others and of `alsoExclusive`: a flag named
 * in an exclusive list must exist on the command, or oclif's usage line shows an empty alternative.
 */
function hostFlagsExclusiveOf(alsoExclusive: string[]) {
  return {
    root: Flags.directory({
      description: 'Read (and, for commands that change a host, write) /proc, /sys, /etc, /boot, /run, /var/log under DIR instead of /.',
      helpValue: 'DIR',
      exclusive: ['snapshot', 'host', ...alsoExclusive],
    }),
    snapshot: Flags.directory({
      description: 'Read a host captured by `memguard snapshot` instead of this machine. Read-only: changes become dry runs.',
      helpValue: 'DIR',
      exclusive: ['root', 'host', ...alsoExclusive],
    }),
    host: Flags.string({
      description:
        'Work on this host over ssh instead of this machine (agentless: the host needs only sshd and a POSIX sh). Honours ~/.ssh/config, ssh-agent and ProxyJump; never prompts. Commands with fleet support take it several times.',
      helpValue: '[USER@]HOST[:PORT]',
      multiple: true,
      exclusive: ['root', 'snapshot'],
    }),
  }
}

/** Flags every command that reads a host accepts. */
export const hostFlags = hostFlagsExclusiveOf([])

/** Flags of commands that can work on many hosts at once: the host flags, --inventory and --parallel. */
export const fleetFlags = {
  ...hostFlagsExclusiveOf(['inventory']),
  inventory: Flags.file({
    description: 'Work on every host of this Ansible inventory (INI or YAML: groups, children, ansible_host/ansible_user/ansible_port).',
    helpValue: 'FILE',
    exclusive: ['root', 'snapshot'],
  }),
  parallel: Flags.integer({
    description: 'Talk to at most N hosts at once.',
    helpValue: 'N',
    min: 1,
    default: 8,
  }),
}

/**
 * The base of every memguard command: `--json`, the exit-code contract of DESIGN.md, and error
 * output without stack traces. Commands stay thin: flags in, domain call, render.
 */
export abstract class MemguardCommand extends Command {
  static override enableJsonFlag = true
  private openedHosts: Host[] = []

  /** Set the exit code without cutting the output short (JSON is still printed). */
  protected setExitCode(code: ExitCodeValue): void {
    process.exitCode = code
  }

  protected async openHost(flags: {root?: string; snapshot?: string; host?: string[]}): Promise<Host> {
    const {openHost} = await import('../host/open.js')
    const host = await openHost(flags)
    this.openedHosts.push(host)
    return host
  }

  /** Colour only on a TTY, and never with NO_COLOR or --json. */
  protected get useColor(): boolean {
    return process.stdout.isTTY === true && !process.env.NO_COLOR && !this.jsonEnabled()
  }

  /** A chalk instance that honours useColor. */
  protected async chalk(): Promise<import('chalk').ChalkInstance> {
    const {Chalk} = await import('chalk')
    return new Chalk({level: this.useColor ? 1 : 0})
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await Promise.all(this.openedHosts.map((h) => h.close().catch(() => undefined)))
    return super.finally(error)
  }

  /**
   * --json output, written as JSON.stringify does it. oclif's own logJson re-tokenizes the whole
   * document with regular expressions to colour it, and memguard sets no JSON theme, so that pass
   * changed nothing and cost time that grows with the output (`lint --json` over 10,000 files).
   */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }

  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error
    // oclif's own parse errors (unknown flag, missing arg) are usage errors: exit 2.
    if (error instanceof Errors.CLIError && !(error instanceof MemguardError)) {
      const oclifExit = (error as Errors.CLIError).oclif?.exit
      this.report(error.message, undefined, oclifExit === undefined || oclifExit === 1 ? ExitCode.usage : (oclifExit as ExitCodeValue))
    }
    if (error instanceof MemguardError) this.report(error.located, error.hint, error.exitCode)
    const debug = process.env.DEBUG?.includes('memguard')
    this.report(`internal error: ${error.message}${debug ? `\n${error.stack}` : ''}`, 'this is a bug in memguard; set DEBUG=memguard for details and report it', ExitCode.failure)
  }

  private report(message: string, hint: string | undefined, code: ExitCodeValue): never {
    if (this.jsonEnabled()) {
      this.logJson({error: {message, hint: hint ?? null, exitCode: code}})
    } else {
      process.stderr.write(`memguard: ${message}\n`)
      if (hint) process.stderr.write(`  hint: ${hint}\n`)
    }
    throw new Errors.ExitError(code)
  }
}

export type {ExitCodeValue}
