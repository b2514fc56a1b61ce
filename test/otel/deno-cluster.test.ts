/**
 * The hop between nodes traced on Deno (the npm SDK, otel/sdk.ts): a Node node (n1) and a Deno
 * node (d1) on DynamoDB Local (test/support/cluster.ts) export OTLP/JSON to one local receiver.
 * Both ways (sent on Deno to a room Node owns, and on Node to a room Deno owns), a message is
 * one trace across the two processes: frame send and link.send on the gateway, link.frame and
 * room.broadcast on the owner, with room.commit linked to the hop; the entry's hop (link.open
 * on both ends) continues the upgrade's trace; annotations as on Node
 * (test/e2e/cluster-tracing.test.ts); no token or message text in anything exported.
 */
import t from 'tap'
import { ownerOf } from '../../actors/cluster/placement.ts'
import { Client, is } from '../support/client.ts'
import { Cluster, type ClusterNodeProcess } from '../support/cluster.ts'
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

const env = {
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '100',
}
let rx: OtlpReceiver
let cluster: Cluster
let node: ClusterNodeProcess
let deno: ClusterNodeProcess
t.before(async () => {
  rx = await startOtlpReceiver()
  cluster = await Cluster.start({ nodes: 1, env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url } })
  node = cluster.node('n1')
  deno = await cluster.add('d1', { runtime: 'deno' })
  await cluster.settled()
})
t.teardown(async () => {
  await cluster?.stop()
  await rx?.close()
})

/** The span matching `pred` once exported; the deadline only bounds a broken run. */
function arrived(what: string, pred: (s: ReceivedSpan) => boolean): Promise<ReceivedSpan> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seen = rx.spans().map((s) => `${s.attributes.node} ${s.name} ${s.traceId}`)
      reject(new Error(`no ${what} exported; received: ${seen.join(', ')}`))
    }, 20_000)
  })
  return Promise.race([rx.span(pred), deadline]).finally(() => clearTimeout(timer))
}

const annotations = (s: ReceivedSpan): string[] => (s.attributes['aws.xray.annotations'] as string[] | undefined) ?? []

for (const [gatewayId, ownerId] of [
  ['d1', 'n1'],
  ['n1', 'd1'],
] as const) {
  t.test(`sent on ${gatewayId} to a room owned by ${ownerId}: one trace across both runtimes`, async (t) => {
    const gateway = gatewayId === 'd1' ? deno : node
    const room = Array.from({ length: 100 }, (_, i) => `dtrace-${gatewayId}-${i}`).find(
      (r) => ownerOf(r, ['n1', 'd1']) === ownerId,
    )!
    t.equal(await cluster.owner(room), ownerId, `${room} is owned by ${ownerId}`)
    const token = await cluster.token('alice')
    const alice = await Client.open(`${gateway.ws}/ws/rooms/${room}?token=${token}`)
    await alice.take(is('welcome'))
    const text = `secret words ${Math.random().toString(36).slice(2)}`
    alice.send({ type: 'send', id: 'k1', text })
    const ack = await alice.take(is('ack', { id: 'k1' }))
    await alice.take((f) => f.type === 'message' && (f.message as { seq?: number }).seq === ack.seq)

    const frame = await arrived(
      `frame send on ${gatewayId}`,
      (s) => s.name === 'frame send' && s.attributes.room_id === room,
    )
    const inTrace = (name: string) =>
      arrived(`${name} in the frame's trace`, (s) => s.name === name && s.traceId === frame.traceId)
    const hop = await inTrace('link.send')
    const served = await inTrace('link.frame')
    const broadcast = await inTrace('room.broadcast')
    const commit = await arrived(
      'room.commit linked to the hop',
      (s) => s.name === 'room.commit' && s.links.some((l) => l.spanId === served.spanId),
    )
    t.match(frame, { kind: 2, attributes: { room_id: room, user_id: 'alice', node: gatewayId } })
    t.match(
      hop,
      { kind: 3, parentSpanId: frame.spanId, attributes: { room_id: room, node: gatewayId, peer: ownerId } },
      `link.send on ${gatewayId}, the frame span's child`,
    )
    t.match(
      served,
      {
        kind: 2,
        parentSpanId: hop.spanId,
        attributes: { room_id: room, user_id: 'alice', node: ownerId, peer: gatewayId },
      },
      `link.frame on ${ownerId} continues the trace`,
    )
    t.match(
      broadcast,
      {
        parentSpanId: served.spanId,
        attributes: { room_id: room, node: ownerId, seq: ack.seq, message_id: ack.messageId },
      },
      `room.broadcast on ${ownerId}`,
    )
    t.match(commit, { attributes: { room_id: room, node: ownerId } }, `room.commit on ${ownerId}`)
    for (const s of [frame, hop, served, broadcast, commit])
      for (const key of ['room_id', 'node']) t.ok(annotations(s).includes(key), `${s.name}: ${key} an annotation`)
    t.match(frame.traceId, /^[0-9a-f]{32}$/)
    t.ok(
      Math.abs(parseInt(frame.traceId.slice(0, 8), 16) - Date.now() / 1000) < 300,
      'an X-Ray trace id (epoch seconds first)',
    )

    // The entry's hop continues the upgrade's trace on both ends.
    const upgrade = await arrived(
      'the upgrade span',
      (s) => s.name === 'HTTP GET /ws/rooms/:roomId' && s.attributes.room_id === room,
    )
    const opening = await arrived(
      `link.open on ${gatewayId}`,
      (s) => s.name === 'link.open' && s.traceId === upgrade.traceId && s.attributes.node === gatewayId,
    )
    const opened = await arrived(
      `link.open on ${ownerId}`,
      (s) => s.name === 'link.open' && s.traceId === upgrade.traceId && s.attributes.node === ownerId,
    )
    t.equal(opening.parentSpanId, upgrade.spanId, "the entry's hop is the upgrade's child")
    t.equal(opened.parentSpanId, opening.spanId, 'the owner continues it')

    await alice.close()
    await alice.closed
    const bodies = rx.requests.map((r) => r.body)
    t.notOk(
      bodies.some((b) => b.includes(token) || b.includes('token=')),
      'no token in what was exported',
    )
    t.notOk(
      bodies.some((b) => b.includes(text)),
      'no message text in what was exported',
    )
  })
}
