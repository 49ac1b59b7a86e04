/**
 * The one place where text becomes remote shell syntax.
 *
 * OpenSSH joins its arguments with spaces and the remote shell parses the result again, so an
 * unquoted argument is code. Every argument memguard sends to a remote POSIX shell – paths,
 * program arguments, domain names, file contents – goes through `quoteArg`: it is wrapped in
 * single quotes, inside which a POSIX shell treats every byte literally, and each `'` becomes
 * `'\''` (close quote, escaped quote, reopen). A domain named `x; rm -rf /` is therefore the
 * single word `'x; rm -rf /'`: data, never code.
 */

/** Quote one argument for a POSIX shell. NUL cannot be passed to a program, so it is refused. */
export function quoteArg(value: string): string {
  if (value.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte')
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/** Quote a whole argv into one shell word list: `quoteCommand(['ls', 'a b'])` is `'ls' 'a b'`. */
export function quoteCommand(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ')
}
