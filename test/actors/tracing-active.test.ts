// The tracer port's withActive (actors/tracing.ts): the group commit's store write runs with
// the commit's span current, so an adapter's instrumentation (the AWS SDK's) parents on it.
import t from 'tap'
import { createWorld, SpanRecorder } from '../../actors/testing.ts'
import { noopTracer, type Span } from '../../actors/tracing.ts'

/** A SpanRecorder that also keeps the current span, as an OpenTelemetry context would. */
class ActiveRecorder extends SpanRecorder {
  current: Span | undefined
  withActive<T>(span: Span, fn: () => T): T {
    const before = this.current
    this.current = span
    try {
      return fn()
    } finally {
      this.current = before
    }
  }
}

t.test('the store write of a group commit runs with room.commit current', async (t) => {
  const tracer = new ActiveRecorder({ now: () => 0 })
  const world = await createWorld({ tracer })
  // The store as the host calls it (a real OpenTelemetry context would also follow the
  // awaits inside; this recorder sees only the synchronous call).
  const store = world.store
  const seen: (Span | undefined)[] = []
  const append = store.append.bind(store)
  store.append = (...args: Parameters<typeof append>) => {
    seen.push(tracer.current)
    return append(...args)
  }
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.settle()
  t.ok(ann.last('ack'), 'stored')
  const [commit] = tracer.byName('room.commit')
  t.equal(seen.length, 1, 'one write')
  t.equal(seen[0]?.traceparent, `00-${commit!.traceId}-${commit!.spanId}-01`, "the write saw the commit's span current")
  t.equal(tracer.current, undefined, 'and only during the call')
})

t.test('without a tracer the write is called directly (the noop tracer has no withActive)', async (t) => {
  t.equal(noopTracer.withActive, undefined, 'nothing wraps the write when tracing is off')
  const world = await createWorld({})
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.settle()
  t.ok(ann.last('ack'))
})
