// The lower bound for any Node.js `status`: start node, then read the same five /proc files of
// every process that memguard reads (status, stat, cmdline, oom_score, oom_score_adj) the way
// src/host/file-tree.ts does (one open/read/close per file into one shared buffer), and parse
// nothing. `npm run bench` prints it beside `ps` so the live-status ratio can be read against what
// is physically possible here: if this alone is near 1.5x ps, no parser or start-up work fits.
import {closeSync, openSync, readSync, readdirSync} from 'node:fs'

const buffer = Buffer.allocUnsafe(64 * 1024)
let bytes = 0
for (const entry of readdirSync('/proc')) {
  const c = entry.charCodeAt(0)
  if (c < 48 || c > 57) continue
  for (const name of ['status', 'stat', 'cmdline', 'oom_score', 'oom_score_adj']) {
    let fd
    try {
      fd = openSync(`/proc/${entry}/${name}`, 'r')
    } catch {
      continue
    }
    try {
      const n = readSync(fd, buffer, 0, buffer.length, null)
      bytes += buffer.toString('latin1', 0, n).length
    } catch {
      // exited mid-read
    } finally {
      closeSync(fd)
    }
  }
}
if (bytes === 0) process.exit(1)
