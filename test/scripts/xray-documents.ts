/**
 * Recorded X-Ray traces for the traces CLI's tests: what BatchGetTraces returns for spans
 * exported by the server (segment documents as JSON strings, times in epoch seconds with
 * microseconds, subsegments, annotations, error/fault/throttle flags), for room GUILD#raiders
 * and one other room.
 */

/** 2025-11-30T14:40:00Z, the second every trace here starts near. */
export const T0 = 1_764_513_600

export interface RecordedTrace {
  Id: string
  Duration: number
  LimitExceeded: boolean
  Segments: { Id: string; Document: string }[]
}

type Doc = Record<string, unknown>

export function traceId(second: number, n: number): string {
  return `1-${second.toString(16)}-${n.toString(16).padStart(24, '0')}`
}

/** A span from `fromMs` to `toMs` after `base` (epoch seconds); `toMs` undefined: in progress. */
function span(id: string, name: string, base: number, fromMs: number, toMs: number | undefined, extra: Doc = {}): Doc {
  return {
    id,
    name,
    start_time: base + fromMs / 1_000,
    ...(toMs === undefined ? { in_progress: true } : { end_time: base + toMs / 1_000 }),
    ...extra,
  }
}

function segment(trace: string, doc: Doc): Doc {
  return { trace_id: trace, origin: 'AWS::ECS::Container', aws: { xray: { sdk: 'opentelemetry for js' } }, ...doc }
}

function recorded(id: string, docs: Doc[]): RecordedTrace {
  const starts = docs.map((d) => d.start_time as number)
  const ends = docs.map((d) => (d.end_time as number | undefined) ?? (d.start_time as number))
  return {
    Id: id,
    Duration: Math.max(...ends) - Math.min(...starts),
    LimitExceeded: false,
    Segments: docs.map((d) => ({ Id: d.id as string, Document: JSON.stringify(d) })),
  }
}

const raiders = { room_id: 'GUILD#raiders', guild_id: 'raiders' }

/**
 * bob's message m-1, sent on node-a to the room owned by node-b: one trace over both. Server
 * spans become segments named after the service (`frame send` on node-a, `link.frame` on
 * node-b); the link hop is a remote subsegment; node-b's segment continues under it.
 */
function messageAcrossNodes(): RecordedTrace {
  const id = traceId(T0 + 10, 0xa)
  const b = T0 + 10.25
  const onA = segment(id, {
    ...span('a000000000000001', 'guildhall', b, 0, 42.5, {
      annotations: { ...raiders, user_id: 'bob', node: 'node-a', message_id: 'm-1', seq: 17 },
      metadata: { default: { 'frame.type': 'send' } },
    }),
    subsegments: [
      span('a000000000000002', 'link.send', b, 1, 41, {
        namespace: 'remote',
        metadata: { default: { peer: 'node-b' } },
      }),
    ],
  })
  const onB = segment(id, {
    ...span('b000000000000001', 'guildhall', b, 3, 40, {
      parent_id: 'a000000000000002',
      annotations: { ...raiders, node: 'node-b' },
    }),
    // Listed before the broadcast but later in time: the waterfall orders by start.
    subsegments: [span('b000000000000002', 'link.reply', b, 38.7, 39.1, { namespace: 'remote' })],
  })
  // The broadcast, sent on its own as a subsegment of node-b's segment.
  const broadcast = {
    ...span('b000000000000004', 'room.broadcast', b, 36, 38.5, {
      annotations: { ...raiders, node: 'node-b', user_id: 'bob', message_id: 'm-1', seq: 17 },
      metadata: { default: { recipients: 3 } },
    }),
    type: 'subsegment',
    trace_id: id,
    parent_id: 'b000000000000001',
  }
  return recorded(id, [onA, onB, broadcast])
}

/**
 * A group commit on node-b (its own trace): the first write refused by DynamoDB's throughput
 * limit (a 400, so X-Ray marks it `error`, not `throttle`), the retry stored it.
 */
function throttledCommit(): RecordedTrace {
  const id = traceId(T0 + 20, 0xb)
  const b = T0 + 20.5
  const dynamo = { namespace: 'aws', aws: { operation: 'TransactWriteItems', table_name: 'guildhall-guild' } }
  return recorded(id, [
    segment(id, {
      ...span('c000000000000001', 'room.commit', b, 0, 120, {
        annotations: { ...raiders, node: 'node-b' },
        metadata: { default: { 'batch.size': 2, 'seq.first': 18, 'seq.last': 19 } },
      }),
      subsegments: [
        span('c000000000000003', 'DynamoDB', b, 1.5, 51.5, {
          ...dynamo,
          error: true,
          http: { response: { status: 400 } },
        }),
        span('c000000000000004', 'DynamoDB', b, 60, 117, { ...dynamo, http: { response: { status: 200 } } }),
      ],
    }),
  ])
}

/** A group commit whose write failed: nothing was stored. */
function failedCommit(): RecordedTrace {
  const id = traceId(T0 + 30, 0xc)
  const b = T0 + 30.125
  return recorded(id, [
    segment(id, {
      ...span('d000000000000001', 'room.commit', b, 0, 30, {
        fault: true,
        annotations: { ...raiders, node: 'node-b' },
        cause: { exceptions: [{ id: 'd0000000000000e1', type: 'InternalServerError' }] },
      }),
      subsegments: [
        span('d000000000000003', 'DynamoDB', b, 1, 29, {
          namespace: 'aws',
          fault: true,
          aws: { operation: 'TransactWriteItems' },
          http: { response: { status: 500 } },
        }),
      ],
    }),
  ])
}

/** A bot's post over HTTP refused by the rate limit (a 429: X-Ray's error and throttle flags). */
function ratedPost(): RecordedTrace {
  const id = traceId(T0 + 40, 0xd)
  const b = T0 + 40
  return recorded(id, [
    segment(
      id,
      span('e000000000000001', 'guildhall', b, 0, 8.4, {
        error: true,
        throttle: true,
        annotations: { ...raiders, user_id: 'dave', node: 'node-a' },
        http: {
          request: { method: 'POST', url: 'https://chat.example/rooms/GUILD%23raiders/messages' },
          response: { status: 429 },
        },
      }),
    ),
  ])
}

/** Small frame traces m-4..m-6; the last still has its broadcast in progress. */
function smallFrame(second: number, n: number, message: string, inProgress = false): RecordedTrace {
  const id = traceId(T0 + second, n)
  const b = T0 + second
  return recorded(id, [
    segment(id, {
      ...span(`f0000000000000${n.toString(16).padStart(2, '0')}`, 'guildhall', b, 0, 2, {
        annotations: { ...raiders, user_id: 'erin', node: 'node-a', message_id: message },
      }),
      subsegments: [
        span(
          `f1000000000000${n.toString(16).padStart(2, '0')}`,
          'room.broadcast',
          b,
          0.5,
          inProgress ? undefined : 1.5,
        ),
      ],
    }),
  ])
}

/** A message in another room: the room filter must leave it out. */
function otherRoom(): RecordedTrace {
  const id = traceId(T0 + 35, 0x99)
  return recorded(id, [
    segment(
      id,
      span('9000000000000001', 'guildhall', T0 + 35, 0, 5, {
        annotations: { room_id: 'general', user_id: 'bob', node: 'node-a', message_id: 'm-1' },
      }),
    ),
  ])
}

/** Seven traces of GUILD#raiders (oldest first) and one of room general. */
export function recordedTraces(): RecordedTrace[] {
  return [
    messageAcrossNodes(),
    throttledCommit(),
    failedCommit(),
    otherRoom(),
    ratedPost(),
    smallFrame(50, 0x4e, 'm-4'),
    smallFrame(60, 0x4f, 'm-5'),
    smallFrame(70, 0x50, 'm-6', true),
  ]
}
