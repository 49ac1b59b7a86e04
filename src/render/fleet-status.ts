import {stripVTControlCharacters} from 'node:util'
import type {ChalkInstance} from 'chalk'
import {formatKiB} from '../lib/size.js'
import type {StatusJson} from './status.js'

/** One host of a fleet status: its status JSON, or why it could not be read. */
export type FleetStatusEntry =
  | {host: string; ok: true; status: StatusJson}
  | {host: string; ok: false; error: string; exitCode: number}

/** A host's one-word verdict for the summary table. */
export function fleetVerdict(entry: FleetStatusEntry): 'ok' | 'warnings' | 'at risk' | 'unreachable' | 'no data' {
  if (!entry.ok) return 'unreachable'
  if (!entry.status.memory) return 'no data'
  const severities = entry.status.warnings.map((w) => w.severity)
  if (severities.includes('critical')) return 'at risk'
  return severities.includes('warning') ? 'warnings' : 'ok'
}

/** The fleet summary: host, dom0 size, floor, headroom above the floor, dom0_mem, verdict. */
export function renderFleetStatusText(entries: readonly FleetStatusEntry[], c: ChalkInstance): string {
  const header = ['HOST', 'XEN', 'DOM0 HOLDS', 'FLOOR', 'ABOVE FLOOR', 'DOM0_MEM', 'VERDICT']
  const rows = entries.map((e) => {
    const verdict = fleetVerdict(e)
    const paint = verdict === 'ok' ? c.green : verdict === 'warnings' ? c.yellow : c.red
    if (!e.ok) return [e.host, '–', '–', '–', '–', '–', paint(verdict), c.dim(e.error.split('\n')[0] ?? '')]
    const s = e.status
    const holds = s.xen.dom0?.allocationKiB ?? s.memory?.memTotalKiB ?? null
    const floor = s.floor?.floorKiB ?? null
    const above = holds !== null && floor !== null ? holds - floor : null
    const dom0Mem = !s.xen.dom0Mem ? '?' : !s.xen.dom0Mem.present ? 'absent' : s.xen.dom0Mem.fixed ? 'fixed' : 'not fixed'
    const top = s.warnings.find((w) => w.severity === 'critical') ?? s.warnings.find((w) => w.severity === 'warning')
    return [
      s.host.hostname && s.host.hostname !== e.host ? `${e.host} (${s.host.hostname})` : e.host,
      s.xen.isDom0 ? `${s.xen.toolstack ?? '?'} ${s.xen.version ?? ''}`.trim() : 'not dom0',
      holds === null ? '–' : formatKiB(holds),
      floor === null ? '–' : formatKiB(floor),
      above === null ? '–' : formatKiB(above),
      dom0Mem,
      paint(verdict),
      top ? c.dim(top.message.split('\n')[0]?.slice(0, 80) ?? '') : '',
    ]
  })
  const plain = (s: string) => stripVTControlCharacters(s)
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((cell, i) => (i < widths.length ? cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - plain(cell).length)) : cell)).join('  ').trimEnd()
  const counts = new Map<string, number>()
  for (const e of entries) counts.set(fleetVerdict(e), (counts.get(fleetVerdict(e)) ?? 0) + 1)
  return [c.bold(line(header)), ...rows.map(line), '', `${entries.length} hosts: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`].join('\n')
}
