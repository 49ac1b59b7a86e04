// Explicit command registry (oclif "explicit" strategy): no directory scan at start-up.
// Command modules are light; each imports its heavy domain code inside run().
export {execute} from '@oclif/core'
import Confirm from './commands/confirm.js'
import Doctor from './commands/doctor.js'
import Dom0Mem from './commands/dom0-mem.js'
import Lint from './commands/lint.js'
import Oom from './commands/oom.js'
import Protect from './commands/protect.js'
import MemSet from './commands/mem-set.js'
import Rollback from './commands/rollback.js'
import Snapshot from './commands/snapshot.js'
import Status from './commands/status.js'

export const COMMANDS = {
  confirm: Confirm,
  doctor: Doctor,
  'dom0-mem': Dom0Mem,
  lint: Lint,
  oom: Oom,
  protect: Protect,
  'mem-set': MemSet,
  rollback: Rollback,
  snapshot: Snapshot,
  status: Status,
}
