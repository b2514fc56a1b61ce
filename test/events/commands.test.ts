/**
 * The commands consumer (docs/events.md "Commands") in a real server, with the real
 * `@aws-sdk/client-sqs` against the local SQS (test/support/sqs-endpoint.ts): commands take
 * effect once and are deleted after; malformed ones reach the dead-letter queue after the
 * queue's maxReceiveCount; a command for a room that does not exist is skipped and deleted; a
 * store failure leaves the command for redelivery; an unreachable queue is retried with a
 * growing pause while the server runs on; the drain stops polling first.
 */
import t, { type Test } from 'tap'
import { MemoryStore } from '../../actors/testing.ts'
import { InstrumentedStore } from '../../actors/testing/instrumented-store.ts'
import { is } from '../support/client.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { startSqsEndpoint, type SqsEndpoint } from '../support/sqs-endpoint.ts'
import { admin, http, joinRoom, uniq } from '../e2e/scenarios/util.ts'

// The SDK's credential chain reads the process environment; the local SQS checks no signature.
process.env.AWS_ACCESS_KEY_ID ??= 'test'
process.env.AWS_SECRET_ACCESS_KEY ??= 'test'

/** Waits (on a real clock, with a generous deadline) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function setup(t: Test, opts: { env?: Record<string, string>; store?: InstrumentedStore } = {}) {
  const sqs = await startSqsEndpoint()
  t.teardown(() => sqs.close())
  sqs.createQueue('commands-dlq')
  const queueUrl = sqs.createQueue('commands', { redrive: { dlq: 'commands-dlq', maxReceiveCount: 2 } })
  const s = await startInProcess({
    env: {
      COMMANDS_QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      COMMANDS_POLL_WAIT_SECONDS: '1',
      ...opts.env,
    },
    ...(opts.store && { store: opts.store.store }),
  })
  t.teardown(() => s.stop())
  const send = (body: unknown) =>
    fetch(sqs.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ QueueUrl: queueUrl, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }),
    }).then((r) => t.equal(r.status, 200, 'the command is queued'))
  return { sqs, s, send }
}

const deletes = (sqs: SqsEndpoint) => sqs.calls.filter((c) => c.action === 'DeleteMessage' && c.status === 200).length
const logged = (s: InProcess, event: string) => s.logs.filter((l) => l.event === event)

t.test('room.post and member.removed take effect once, and are deleted only after', async (t) => {
  const { sqs, s, send } = await setup(t)
  const room = uniq('cmd')
  await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'private' })
  await admin(s, 'PUT', `/admin/rooms/${room}/members/bob`)
  const { c: bob } = await joinRoom(s, room, 'bob')
  const post = { type: 'room.post', room, id: 'deploy-1', senderId: 'system', text: 'deploy 1 is out' }
  await send(post)
  await send(post) // delivered twice (a producer's retry): stored once
  await until(() => deletes(sqs) >= 2, 'both deleted')
  t.match(await bob.take(is('message')), { message: { seq: 1, senderId: 'system', text: 'deploy 1 is out' } })
  const history = await http(s, 'GET', `/rooms/${room}/messages`, { token: await s.token({ sub: 'bob' }) })
  t.equal((history.body!.messages as unknown[]).length, 1, 'stored once')
  t.same(sqs.messages('commands'), [], 'nothing left in the queue')

  const guild = uniq('g')
  await admin(s, 'PUT', `/admin/guilds/${guild}/members/carol`)
  const { c: carol } = await joinRoom(s, `GUILD#${guild}`, 'carol')
  await send({ type: 'member.removed', guildId: guild, userId: 'carol' })
  t.equal((await carol.closedBy()).code, 4403, "carol's socket in the guild room is revoked")
  await until(() => deletes(sqs) >= 3, 'deleted')
  t.equal(await s.gh.store.isGuildMember(guild, 'carol'), false, 'the membership item is gone')
  t.equal(logged(s, 'command_done').length, 3)
  await bob.close()
})

t.test('malformed commands are left for the dead-letter queue; nothing is stored', async (t) => {
  const { sqs, s, send } = await setup(t)
  const room = uniq('cmd')
  await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })
  const bad = [
    'not json',
    { type: 'room.deleted', room },
    { type: 'room.post', room, id: 'x', senderId: 'system' },
    { type: 'room.post', room: 'bad room', id: 'x', senderId: 'system', text: 'x' },
    { type: 'member.removed', guildId: 'g#1', userId: 'bob' },
  ]
  for (const body of bad) await send(body)
  const dead = await sqs.waitForSent('commands-dlq', bad.length)
  t.same(
    dead.map((m) => m.body).sort(),
    bad.map((b) => (typeof b === 'string' ? b : JSON.stringify(b))).sort(),
    'every malformed command is in the DLQ, unchanged',
  )
  t.equal(deletes(sqs), 0, 'none was deleted')
  t.ok(logged(s, 'command_malformed').length >= bad.length * 2, 'logged at each receive')
  t.notOk(
    JSON.stringify(logged(s, 'command_malformed')).includes('not json"'),
    'the log names the problem, not the body',
  )
  const history = await http(s, 'GET', `/rooms/${room}/messages`, { token: await s.token({ sub: 'bob' }) })
  t.same(history.body!.messages, [])
})

t.test('a post for a room that does not exist or is closed is skipped and deleted; too long too', async (t) => {
  const { sqs, s, send } = await setup(t)
  const closed = uniq('closed')
  await admin(s, 'PUT', `/admin/rooms/${closed}`, { visibility: 'public' })
  await admin(s, 'DELETE', `/admin/rooms/${closed}`)
  await send({ type: 'room.post', room: uniq('none'), id: 'a', senderId: 'system', text: 'x' })
  await send({ type: 'room.post', room: closed, id: 'b', senderId: 'system', text: 'x' })
  await send({ type: 'room.post', room: closed, id: 'c', senderId: 'system', text: 'x'.repeat(5000) })
  await until(() => deletes(sqs) >= 3, 'all three deleted')
  t.same(
    logged(s, 'command_skipped')
      .map((l) => l.reason)
      .sort(),
    ['not_found', 'not_found', 'not_found'],
  )
  t.same(sqs.sent('commands-dlq'), [])
})

t.test('a store that fails: the command is not deleted, it comes again and is stored once', async (t) => {
  const store = new InstrumentedStore(new MemoryStore())
  const { sqs, s, send } = await setup(t, { store, env: { COMMANDS_VISIBILITY_TIMEOUT_SECONDS: '1' } })
  const room = uniq('cmd')
  await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })
  store.faults.failNext(1, 'append')
  await send({ type: 'room.post', room, id: 'p1', senderId: 'system', text: 'hello' })
  await until(() => deletes(sqs) >= 1, 'deleted once it took effect')
  t.match(logged(s, 'command_retry'), [{ reason: 'unavailable', receiveCount: 1 }])
  t.match(logged(s, 'command_done'), [{ room, id: 'p1', seq: 1 }])
  t.equal((await store.inner.readPage(room, { limit: 10 })).messages.length, 1)
})

t.test('an unreachable queue: the server runs on and polls again with a growing pause', async (t) => {
  const sqs = await startSqsEndpoint()
  const url = sqs.url
  const queueUrl = sqs.createQueue('commands')
  await sqs.close() // nothing listens there any more
  const s = await startInProcess({
    env: {
      COMMANDS_QUEUE_URL: queueUrl,
      AWS_ENDPOINT_URL_SQS: url,
      COMMANDS_POLL_ERROR_BACKOFF_MS: '20',
      COMMANDS_POLL_ERROR_BACKOFF_MAX_MS: '80',
    },
  })
  t.teardown(() => s.stop())
  await until(() => logged(s, 'commands_poll_failed').length >= 4, 'four failed polls')
  t.same(
    logged(s, 'commands_poll_failed')
      .slice(0, 4)
      .map((l) => l.retryInMs),
    [20, 40, 80, 80],
    'the pause doubles up to its cap',
  )
  t.same(await http(s, 'GET', '/health'), { status: 200, body: { status: 'ok' } })
  const room = uniq('r')
  const { c } = await joinRoom(s, room, 'ann')
  c.send({ type: 'send', id: 'k', text: 'still here' })
  t.match(await c.take(is('ack')), { seq: 1 })
  await c.close()
})

t.test('the drain stops polling before anything else', async (t) => {
  const { sqs, s } = await setup(t, { env: { COMMANDS_POLL_WAIT_SECONDS: '20' } })
  await sqs.waitForCall((c) => c.action === 'ReceiveMessage')
  await s.gh.drain()
  const polls = sqs.calls.filter((c) => c.action === 'ReceiveMessage').length
  t.equal(logged(s, 'drained').length, 1)
  await new Promise((r) => setTimeout(r, 200))
  t.equal(sqs.calls.filter((c) => c.action === 'ReceiveMessage').length, polls, 'no poll after the drain')
})
