import {ExitCode, type ExitCodeValue} from './exit-codes.js'

export interface SourceLocation {
  file?: string
  line?: number
  column?: number
}

/**
 * The one error type memguard raises on purpose. It carries the exit code and, for input that
 * came from a file or a tool, where the bad text was. Commands turn it into a message, never a
 * stack trace.
 */
export class MemguardError extends Error {
  readonly exitCode: ExitCodeValue
  readonly location: SourceLocation | undefined
  readonly hint: string | undefined

  constructor(message: string, options: {exitCode?: ExitCodeValue; location?: SourceLocation; hint?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'MemguardError'
    this.exitCode = options.exitCode ?? ExitCode.failure
    this.location = options.location
    this.hint = options.hint
  }

  /** "file:line:col: message" when a location is known. */
  get located(): string {
    const loc = this.location
    if (!loc?.file) return this.message
    const parts = [loc.file, loc.line, loc.column].filter((p) => p !== undefined)
    return `${parts.join(':')}: ${this.message}`
  }
}

/** Input that cannot be parsed: a broken config, odd tool output, a bad size. Exit 2. */
export class ParseError extends MemguardError {
  constructor(message: string, location?: SourceLocation, hint?: string) {
    super(message, {exitCode: ExitCode.usage, location, hint})
    this.name = 'ParseError'
  }
}

/** Quote a bad value for an error message, the way execa does: short, visible whitespace. */
export function quoteValue(value: string, maxLength = 60): string {
  const shown = value.length > maxLength ? `${value.slice(0, maxLength)}…` : value
  return JSON.stringify(shown)
}
