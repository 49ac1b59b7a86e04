// Explicit command registry (oclif "explicit" strategy): no directory scan at start-up.
// Command modules are light; each imports its heavy domain code inside run().
export {execute} from '@oclif/core'
import Status from './commands/status.js'

export const COMMANDS = {
  status: Status,
}
