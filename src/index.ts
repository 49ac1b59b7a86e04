// Explicit command registry (oclif "explicit" strategy): no directory scan at start-up.
// Command modules are light; each imports its heavy domain code inside run().
export {execute} from '@oclif/core'
import Lint from './commands/lint.js'
import Snapshot from './commands/snapshot.js'
import Status from './commands/status.js'

export const COMMANDS = {
  lint: Lint,
  snapshot: Snapshot,
  status: Status,
}
