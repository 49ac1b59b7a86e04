/** Exit codes shared by every command (DESIGN.md "Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** Toolstack error, I/O failure, not a Xen dom0 where one is needed. */
  failure: 1,
  /** Usage error or invalid input (bad size, unknown domain, broken config). */
  usage: 2,
  /** Refused as unsafe. */
  refused: 3,
  /** Applied but did not converge, or rolled back. */
  notConverged: 4,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]
