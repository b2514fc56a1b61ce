/**
 * Guarantees that need a store we can hold back: durable before visible (no ack or message
 * while the write hangs) and `unavailable` (a failed write stores nothing; resend the same id).
 * The server runs in process over real sockets, on a MemoryStore with fault injection.
 */
import t from 'tap'
import { MemoryStore } from '../../actors/testing/memory-store.ts'
import { is } from '../support/client.ts'
import { startInProcess } from '../support/server.ts'
import { http, joinRoom, say, uniq } from './scenarios/util.ts'

/** Resolves once the store has seen `n` calls of `method` (checked on each turn of the event loop). */
function storeCalls(store: MemoryStore, method: 'append', n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => ((store.calls.get(method) ?? 0) >= n ? resolve() : setImmediate(check))
    check()
  })
}

t.test('durable before visible: nothing is sent for a message until its write completes', async (t) => {
  const store = new MemoryStore()
  const s = await startInProcess({ store })
  t.teardown(() => s.stop())
  const room = uniq('durable')
  const { c: alice } = await joinRoom(s, room, 'alice')
  const { c: bob } = await joinRoom(s, room, 'bob')
  const before = store.calls.get('append') ?? 0
  const release = store.faults.stall('append')
  alice.send({ type: 'send', id: 'held', text: 'wait for it' })
  await storeCalls(store, 'append', before + 1)
  await Promise.all([alice.sync(), bob.sync()])
  t.equal(alice.seen(is('ack')).length, 0, 'no ack while the write hangs')
  t.equal(alice.seen(is('message')).length + bob.seen(is('message')).length, 0, 'no message while the write hangs')
  release()
  const ack = await alice.take(is('ack', { id: 'held' }))
  t.equal(ack.seq, 1)
  t.equal((await store.readPage(room, { limit: 10 })).messages.length, 1, 'stored when acknowledged')
  t.match(await bob.take(is('message')), { message: { seq: 1, text: 'wait for it' } })
  await Promise.all([alice.close(), bob.close()])
})

t.test('unavailable: a failed write stores nothing, and the same id can be sent again', async (t) => {
  const store = new MemoryStore()
  const s = await startInProcess({ store })
  t.teardown(() => s.stop())
  const room = uniq('unavail')
  const { c: alice } = await joinRoom(s, room, 'alice')
  store.faults.failNext(1, 'append')
  alice.send({ type: 'send', id: 'retry-me', text: 'first try' })
  t.match(await alice.take(is('error')), { code: 'unavailable', ref: 'retry-me', room })
  t.equal(alice.seen(is('message')).length, 0)
  const ack = await say(alice, 'retry-me', 'first try')
  t.equal(ack.seq, 1, 'the failed attempt used no seq')
  const page = await http(s, 'GET', `/rooms/${room}/messages`, { token: await s.token() })
  t.equal((page.body!.messages as unknown[]).length, 1)
  await alice.close()
})
