/**
 * A trace as text: a header (trace id, total duration, room, message ids), then one line per
 * span in tree order (siblings by start), its name indented two spaces per level:
 *
 *   node  span  +start ms  duration ms  status
 *
 * Start offsets are from the trace's first start; times are printed to 0.1 ms.
 */
import type { TraceView } from './segments.ts'

const ms = (seconds: number): string => (seconds * 1_000).toFixed(1)

export function renderTrace(view: TraceView): string[] {
  const total = ms(view.end - view.start)
  const header = [
    `trace ${view.id}`,
    `${total} ms`,
    `room ${view.rooms.join(', ') || '-'}`,
    `messages ${view.messages.join(', ') || '-'}`,
  ]
  if (view.limitExceeded) header.push('incomplete (X-Ray trace size limit)')
  if (view.unreadable > 0) header.push(`${view.unreadable} unreadable segment(s) skipped`)
  const cells = view.rows.map((row) => ({
    node: row.node,
    name: '  '.repeat(row.depth) + row.name,
    offset: `+${ms(row.start - view.start)} ms`,
    duration: row.end === undefined ? 'in progress' : `${ms(row.end - row.start)} ms`,
    status: row.status,
  }))
  const width = (key: 'node' | 'name' | 'offset' | 'duration') => Math.max(0, ...cells.map((c) => c[key].length))
  const w = { node: width('node'), name: width('name'), offset: width('offset'), duration: width('duration') }
  const lines = cells.map(
    (c) =>
      `  ${c.node.padEnd(w.node)}  ${c.name.padEnd(w.name)}  ${c.offset.padStart(w.offset)}  ${c.duration.padStart(w.duration)}  ${c.status}`,
  )
  return [header.join('  '), ...lines]
}
