/**
 * TRACE_ROOMS (otel/room-sampler.ts): one room traced at 100% while the rest is sampled by
 * OTEL_TRACES_SAMPLER. The sampler on its own, then the real setup exporting into a local OTLP
 * receiver with the ratio at 0: only the listed rooms' spans arrive.
 */
import t from 'tap'
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api'
import { AlwaysOffSampler, SamplingDecision } from '@opentelemetry/sdk-trace'
import { roomAttributes } from '../../actors/span-attributes.ts'
import { createMemoryLogger } from '../support/memory-logger.ts'
import { RoomSampler } from '../../otel/room-sampler.ts'
import { setupTracing } from '../../otel/setup.ts'
import { TracingConfigError, tracingSettings } from '../../otel/settings.ts'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'

const traceId = '5759e988bd862e3fe1be46a994272793'

t.test('TRACE_ROOMS: room ids, #, as %23 or bare; refused when not a room id, even with tracing off', async (t) => {
  t.same(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' })?.traceRooms, [])
  t.same(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', TRACE_ROOMS: 'lobby, GUILD%23raiders,GUILD#x' })?.traceRooms, [
    'lobby',
    'GUILD#raiders',
    'GUILD#x',
  ])
  for (const rooms of ['lobby,,x', 'bad room', 'GUILD%23', 'GUILD%2', 'a/b']) {
    t.throws(() => tracingSettings({ TRACE_ROOMS: rooms }), TracingConfigError, rooms)
    t.throws(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', TRACE_ROOMS: rooms }), TracingConfigError, rooms)
  }
})

t.test(
  'the sampler: a listed room or a sampled local parent is sampled; the rest is the configured sampler',
  async (t) => {
    const sampler = new RoomSampler(['hot'], new AlwaysOffSampler())
    const decide = (context = ROOT_CONTEXT, attributes = {}) =>
      sampler.shouldSample(context, traceId, 's', SpanKind.INTERNAL, attributes, []).decision
    t.equal(decide(ROOT_CONTEXT, { room_id: 'hot' }), SamplingDecision.RECORD_AND_SAMPLED)
    t.equal(decide(ROOT_CONTEXT, { room_id: 'cold' }), SamplingDecision.NOT_RECORD)
    t.equal(decide(ROOT_CONTEXT, {}), SamplingDecision.NOT_RECORD)
    const parent = (isRemote: boolean, traceFlags: number) =>
      trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: 'b7ad6b7169203331', traceFlags, isRemote })
    t.equal(
      decide(parent(false, TraceFlags.SAMPLED)),
      SamplingDecision.RECORD_AND_SAMPLED,
      'under a sampled span of this process (an AWS SDK call)',
    )
    t.equal(decide(parent(false, TraceFlags.NONE)), SamplingDecision.NOT_RECORD)
    t.equal(
      decide(parent(true, TraceFlags.SAMPLED)),
      SamplingDecision.NOT_RECORD,
      "a remote parent is the configured sampler's to judge",
    )
    t.equal(
      decide(parent(true, TraceFlags.NONE), { room_id: 'hot' }),
      SamplingDecision.RECORD_AND_SAMPLED,
      'the listed room wins',
    )
  },
)

t.test(
  'exported: OTEL_TRACES_SAMPLER=traceidratio at 0 with TRACE_ROOMS=hot: spans of room hot arrive, of room cold not',
  async (t) => {
    const rx = await startOtlpReceiver()
    t.teardown(() => rx.close())
    const tracing = await setupTracing(
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0',
        TRACE_ROOMS: 'hot,GUILD%23raiders',
        OTEL_BSP_SCHEDULE_DELAY: '20',
      },
      { logger: createMemoryLogger() },
    )
    const { tracer } = tracing
    for (const room of ['hot', 'cold', 'GUILD#raiders', 'GUILD#other']) {
      const frame = tracer.startSpan('frame send', {
        kind: 'server',
        attributes: { ...roomAttributes(room, 'n1'), user_id: 'bob' },
      })
      tracer
        .startSpan('room.broadcast', {
          parent: frame.traceparent,
          attributes: { ...roomAttributes(room, 'n1'), seq: 1 },
        })
        .end()
      frame.end()
    }
    tracer.startSpan('frame ping', { kind: 'server', attributes: { user_id: 'bob' } }).end()
    await tracing.shutdown()
    const got = rx
      .spans()
      .map((s) => `${s.name} ${s.attributes.room_id}`)
      .sort()
    t.same(got, ['frame send GUILD#raiders', 'frame send hot', 'room.broadcast GUILD#raiders', 'room.broadcast hot'])
    const hot = rx.spans().filter((s) => s.attributes.room_id === 'hot')
    t.equal(hot[0]!.traceId, hot[1]!.traceId, "one trace: the broadcast is the frame's child")
    t.same(tracing.stats(), { exported: 4, dropped: 0 })
  },
)
