/**
 * SIGTERM drain and restart on the same DATA_DIR (docs/protocol.md "Limits"): sockets close with
 * 1001, the process exits 0, and every acknowledged message, the seq, read markers and
 * idempotency keys are there after the restart. The server runs as a Node child process.
 */
import t from 'tap'
import { Client, is, type Frame } from '../support/client.ts'
import { startChild, tempDir } from '../support/server.ts'
import { http, joinRoom, say, uniq } from './scenarios/util.ts'

t.test('drain on SIGTERM, then restart with the same DATA_DIR', async (t) => {
  const data = tempDir()
  t.teardown(() => data.remove())
  const room = uniq('restart')

  const first = await startChild({ runtime: 'node', dataDir: data.dir })
  t.teardown(() => first.terminate())
  const { c: alice } = await joinRoom(first, room, 'alice')
  const { c: bob } = await joinRoom(first, room, 'bob')
  const m1 = await say(alice, 'k1', 'one')
  await say(alice, 'k2', 'two')
  bob.send({ type: 'read', seq: 2 })
  await alice.take(is('read', { userId: 'bob', seq: 2 }))

  // A burst in flight when the signal arrives: whatever was acknowledged must survive.
  for (let i = 0; i < 8; i++) alice.send({ type: 'send', id: `burst-${i}`, text: `burst ${i}` })
  await alice.take(is('ack', { id: 'burst-0' }))
  first.child.kill('SIGTERM')
  t.equal((await alice.closedBy()).code, 1001, 'sockets close with 1001')
  t.equal((await bob.closedBy()).code, 1001)
  t.equal(await first.exited, 0, 'the process exits 0')
  t.ok(await first.logged((l) => l.event === 'drain_done'))
  const acked = alice.seen(is('ack')).map((f: Frame) => f.seq as number)

  const second = await startChild({ runtime: 'node', dataDir: data.dir })
  t.teardown(() => second.stop())
  const page = await http(second, 'GET', `/rooms/${room}/messages`, { token: await second.token() })
  const stored = (page.body!.messages as { seq: number; text: string }[]).map((m) => m.seq)
  for (const seq of acked) t.ok(stored.includes(seq), `acknowledged seq ${seq} survived`)
  t.same(
    stored,
    stored.map((_, i) => i + 1),
    'seqs have no gaps',
  )

  const back = await joinRoom(second, room, 'bob', '?since=1')
  t.equal(back.welcome.lastRead, 2, 'the read marker survived')
  t.equal(back.welcome.seq, stored.length, 'seq carried on')
  t.equal(back.welcome.recovered, true)
  t.match(
    await back.c.take(is('message')),
    { message: { seq: 2, text: 'two' } },
    'recovery reads what the last process stored',
  )

  const again = await Client.open(`${second.ws}/ws/rooms/${room}`, { token: await second.token({ sub: 'alice' }) })
  await again.take(is('welcome'))
  t.same(await say(again, 'k1', 'one'), m1, 'idempotency survived: the original ack')
  t.equal((await say(again, 'k3', 'three')).seq, stored.length + 1, 'the next message takes the next seq')
  await Promise.all([again.close(), back.c.close()])
  t.equal(await second.terminate(), 0)
})

t.test('development mode: no JWT_SECRET prints working tokens and a ws URL', async (t) => {
  const dev = await startChild({ runtime: 'node', env: { JWT_SECRET: '' } })
  t.teardown(() => dev.stop())
  const line = (await dev.logged((l) => l.event === 'dev_tokens')) as {
    token: string
    adminToken: string
    wsUrl: string
  }
  t.match(line, { token: String, adminToken: String, wsUrl: /^ws:\/\/localhost:\d+\/ws\/rooms\/lobby\?token=/ })
  t.ok(await dev.printed(/npx wscat -c 'ws:\/\/localhost:\d+\/ws\/rooms\/lobby\?token=/), 'a wscat command on stderr')
  const pageLine = await dev.printed(/^\s+http:\/\/localhost:\d+\/\?token=/)
  t.equal(pageLine.trim(), (line as { pageUrl?: string }).pageUrl, 'the chat page URL, with the token, on stderr')
  const page = await fetch(pageLine.trim().replace('localhost', '127.0.0.1'))
  t.equal(page.status, 200, 'the page answers at that URL (UI is on in embedded mode)')
  t.match(await page.text(), /<html/)
  const url = line.wsUrl.replace('localhost', '127.0.0.1')
  const c = await Client.open(url)
  t.match(await c.take(is('welcome')), { room: 'lobby', user: 'dev-user' })
  await c.close()
  const rooms = await fetch(`${dev.http}/admin/rooms`, { headers: { authorization: `Bearer ${line.adminToken}` } })
  t.equal(rooms.status, 200, 'the admin token opens the admin API')
})

t.test('STORE=dynamodb without JWT_SECRET or JWKS_URL refuses to start, saying why', async (t) => {
  await t.rejects(
    startChild({ runtime: 'node', env: { STORE: 'dynamodb', JWT_SECRET: '' } }),
    /exited with 1[\s\S]*JWT_SECRET/,
  )
})

t.test('a bad variable refuses to start, naming it', async (t) => {
  await t.rejects(startChild({ runtime: 'node', env: { PORT: 'eighty' } }), /exited with 1[\s\S]*PORT/)
})
