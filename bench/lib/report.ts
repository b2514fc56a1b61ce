/**
 * The markdown table: each scenario's headline figures per system, the ratio
 * guildhall/peer, and the issue's goals marked met or missed.
 */

export interface ScenarioResult {
  name: string
  unit: string
  results: Record<string, Record<string, unknown>>
}

const PEERS = ['ws', 'socketio', 'durable-object']
const FIELDS: Record<string, string[]> = {
  fanout: ['msgsPerSec', 'maxRateHeld', 'commonRate', 'p50Ms', 'p99Ms', 'cpuUsPerDelivery'],
  rooms: ['msgsPerSec', 'p50Ms', 'p99Ms', 'cpuUsPerDelivery'],
  connect: ['connsPerSec', 'p50Ms', 'p99Ms', 'cpuUsPerConn'],
  memory: ['rssPerConnKB', 'rssBeforeMB', 'rssAfterMB'],
}

/** [scenario, field, peer, bound, "max"|"min"]: guildhall/peer must be ≤ (max) or ≥ (min) bound. */
const GOALS: [string, string, string, number, 'max' | 'min'][] = [
  ['fanout', 'cpuUsPerDelivery', 'ws', 1.25, 'max'],
  ['fanout', 'msgsPerSec', 'ws', 0.8, 'min'],
  ['fanout', 'msgsPerSec', 'socketio', 2, 'min'],
  ['fanout', 'msgsPerSec', 'durable-object', 1, 'min'],
  ['fanout', 'p99Ms', 'ws', 1.5, 'max'],
  ['memory', 'rssPerConnKB', 'ws', 1.5, 'max'],
]

/** Goals of the busy room, listed only for a run that has it (older runs did not). */
const BUSY_GOALS: typeof GOALS = [
  ['busy', 'p99Ms', 'ws', 1.5, 'max'],
  ['busy', 'rssPerConnKB', 'ws', 1.5, 'max'],
]

/** The busy room's own table: one row per system that ran it, then guildhall/peer ratios. */
const BUSY_FIELDS = ['rssPerConnKB', 'maxRateHeld', 'commonRate', 'p50Ms', 'p99Ms', 'cpuUsPerDelivery']
/** Every other system against bare ws, and guildhall on Deno against bare Deno. */
function busyRatios(systems: string[]): [string, string][] {
  const pairs = systems.filter((s) => s !== 'ws').map((s): [string, string] => [s, 'ws'])
  return [...pairs, ['guildhall-deno', 'deno-ws']]
}

function busyTable(s: ScenarioResult): string[] {
  const systems = Object.keys(s.results)
  const lines = [
    '',
    'One busy room (400 subscribers; ratios are row/column system):',
    '',
    `| busy | system | ${BUSY_FIELDS.join(' | ')} | p99ByRate |`,
    `|---|---|${BUSY_FIELDS.map(() => '---:').join('|')}|---|`,
  ]
  for (const sys of systems) {
    const r = s.results[sys] ?? {}
    const cells = BUSY_FIELDS.map((f) => fmt(r[f] ?? (r.error ? 'error' : undefined)))
    lines.push(`| busy | ${sys} | ${cells.join(' | ')} | ${fmt(r.p99ByRate)} |`)
  }
  for (const [a, b] of busyRatios(systems)) {
    if (!s.results[a] || !s.results[b]) continue
    const cells = BUSY_FIELDS.map((f) => fmt(ratio(s.results[a]?.[f], s.results[b]?.[f])))
    lines.push(`| busy | ${a}/${b} | ${cells.join(' | ')} | – |`)
  }
  return lines
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const fmt = (v: unknown): string => (num(v) !== undefined ? String(v) : typeof v === 'string' ? v : '–')

function ratio(a: unknown, b: unknown): number | undefined {
  const x = num(a)
  const y = num(b)
  return x !== undefined && y !== undefined && y !== 0 ? Math.round((x / y) * 100) / 100 : undefined
}

export function markdown(scenarios: ScenarioResult[], machine: Record<string, unknown>): string {
  const systems = ['guildhall', ...PEERS]
  const lines = [
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGB} GB, Node ${machine.node}, ${machine.date}; guildhall's DATA_DIR on ${machine.dataFilesystem ?? 'an unrecorded filesystem'}`,
    '',
    `| scenario | metric | ${systems.join(' | ')} | ${PEERS.map((p) => `guildhall/${p}`).join(' | ')} |`,
    `|---|---|${systems.map(() => '---:').join('|')}|${PEERS.map(() => '---:').join('|')}|`,
  ]
  const errors: string[] = []
  for (const s of scenarios) {
    for (const field of FIELDS[s.name] ?? []) {
      const cells = systems.map((sys) => fmt(s.results[sys]?.[field] ?? (s.results[sys]?.error ? 'error' : undefined)))
      const ratios = PEERS.map((p) => fmt(ratio(s.results.guildhall?.[field], s.results[p]?.[field])))
      lines.push(`| ${s.name} | ${field} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`)
    }
    for (const sys of Object.keys(s.results)) {
      const err = s.results[sys]?.error
      if (typeof err === 'string') errors.push(`- ${s.name} / ${sys}: ${err.split('\n')[0]}`)
    }
  }
  const busy = scenarios.find((s) => s.name === 'busy')
  if (busy) lines.push(...busyTable(busy))
  lines.push('', 'Goals (guildhall/peer):', '')
  for (const [scenario, field, peer, bound, kind] of busy ? [...GOALS, ...BUSY_GOALS] : GOALS) {
    const r = scenarios.find((s) => s.name === scenario)?.results
    const x = ratio(r?.guildhall?.[field], r?.[peer]?.[field])
    const verdict = x === undefined ? 'not measured' : (kind === 'max' ? x <= bound : x >= bound) ? 'met' : 'missed'
    lines.push(`- ${scenario} ${field} ${kind === 'max' ? '≤' : '≥'} ${bound}x ${peer}: ${fmt(x)} (${verdict})`)
  }
  if (errors.length > 0) lines.push('', 'Errors:', '', ...errors)
  return `${lines.join('\n')}\n`
}
