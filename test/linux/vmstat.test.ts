import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {vmstatOomKills} from '../../src/linux/vmstat.js'

describe('vmstatOomKills', () => {
  it('reads the oom_kill counter the lab recorded after its OOM run', () => {
    // captures/oom/03-vmstat-oom: `grep -E "^oom_kill|^pgscan|…" /proc/vmstat` after one OOM kill.
    const text = 'pgscan_kswapd 2317571\npgscan_direct 3154713\noom_kill 1\n'
    expect(vmstatOomKills(text)).toBe(1)
  })

  it('gives null on kernels before 4.13 (no counter) and when the file could not be read', () => {
    expect(vmstatOomKills('nr_free_pages 1234\npgfault 99\n')).toBeNull()
    expect(vmstatOomKills(null)).toBeNull()
  })

  it('reads this machine\'s /proc/vmstat when it has one', () => {
    let text: string
    try {
      text = readFileSync('/proc/vmstat', 'utf8')
    } catch {
      return
    }
    const kills = vmstatOomKills(text)
    if (/^oom_kill /m.test(text)) expect(kills).toBeGreaterThanOrEqual(0)
    else expect(kills).toBeNull()
  })
})
