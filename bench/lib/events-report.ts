/**
 * The events benchmark's table (bench/events.ts), rendered from its raw result, so
 * docs/benchmarks.md can cite rows that test/ci/bench-citations.test.ts checks against the
 * committed JSON.
 */
/** `control` is a second server with events off: its ratio to `off` is the spread between two identical servers. */
export type EventsMode = 'off' | 'standard' | 'control' | 'fifo'

export interface EventsSide {
  cpuUsPerDelivery: number
  cpuUs: number
  sent: number
  delivered: number
  deliveredRatio: number
  p50Ms?: number
  p99Ms?: number
}

export interface EventsResult {
  benchmark: 'events'
  subscribers: number
  rate: number
  sides: Record<EventsMode, EventsSide>
  ratios: { control: number; standard: number; fifo: number }
  blockRatios: Record<'control' | 'standard' | 'fifo', number[]>
  published: { standard: number; fifo: number; calls?: { standard: number; fifo: number } }
  hotRoom: {
    rateAsked: number
    seconds: number
    acked: number
    storedPerSecond: number
    eventsPerSecondWhileSending: number
    eventsPerSecondUntilCaughtUp: number
    caughtUpAfterMs: number
    events: number
    batchCalls: number
  }
}

const label: Record<EventsMode, string> = {
  off: 'events off',
  control: 'events off, a second server (control)',
  standard: 'events on, standard queue',
  fifo: 'events on, FIFO queue',
}

export function eventsTable(r: EventsResult): string {
  const side = (m: EventsMode) => {
    const s = r.sides[m]
    const ratio = m === 'off' ? '' : `, ${r.ratios[m]}x off (blocks ${r.blockRatios[m].join(', ')})`
    return `| ${label[m]}, server CPU per delivery | ${s.cpuUsPerDelivery} µs${ratio}; ${s.delivered} deliveries, p50 / p99 ${s.p50Ms ?? '-'} / ${s.p99Ms ?? '-'} ms |`
  }
  const h = r.hotRoom
  return [
    '| measure | value |',
    '|---|---|',
    side('off'),
    side('control'),
    side('standard'),
    side('fifo'),
    `| events published during the fan-out | standard ${r.published.standard}, FIFO ${r.published.fifo} (one per message sent, warm-ups included)${r.published.calls ? `, in ${r.published.calls.standard} and ${r.published.calls.fifo} SendMessageBatch calls` : ''} |`,
    `| one hot room (FIFO), events/s | ${h.eventsPerSecondWhileSending} while ${h.storedPerSecond} messages/s were stored (${h.rateAsked}/s asked, ${h.seconds} s); ${h.eventsPerSecondUntilCaughtUp} until all ${h.events} were on the queue, ${h.caughtUpAfterMs} ms after the sending stopped; ${h.batchCalls} SendMessageBatch calls |`,
  ].join('\n')
}
