/**
 * One write per socket per event (src/adapters/write-coalescing.ts), over real sockets on the
 * Node adapter: the frames a room gives one socket in one event, here a welcome and the
 * backlog of an entry with `since`, leave in one write to the kernel, not one each, and
 * arrive in order.
 */
import t from 'tap'
import { Socket } from 'node:net'
import { Client, is } from '../support/client.ts'
import { startInProcess } from '../support/server.ts'
import { uniq } from './scenarios/util.ts'

type Chunk = { chunk: unknown }

/** Counts the server's socket writes (accepted sockets only) that carry text matching `marker`. */
function countWrites(marker: string): { writes: () => number; restore: () => void } {
  const proto = Socket.prototype as unknown as {
    _write: (chunk: unknown, enc: string, cb: () => void) => void
    _writev: (chunks: Chunk[], cb: () => void) => void
  }
  const { _write, _writev } = proto
  let writes = 0
  const carries = (chunks: unknown[]): boolean => chunks.some((c) => String(c).includes(marker))
  const accepted = (s: unknown): boolean => (s as { server?: unknown }).server != null
  proto._write = function (chunk, enc, cb) {
    if (accepted(this) && carries([chunk])) writes++
    return _write.call(this, chunk, enc, cb)
  }
  proto._writev = function (chunks, cb) {
    if (accepted(this) && carries(chunks.map((c) => c.chunk))) writes++
    return _writev.call(this, chunks, cb)
  }
  return {
    writes: () => writes,
    restore() {
      proto._write = _write
      proto._writev = _writev
    },
  }
}

t.test("an entry's welcome and backlog leave in one write", async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const room = uniq('coalesce')
  const alice = await Client.open(`${s.ws}/ws/rooms/${room}`, { token: await s.token({ sub: 'alice' }) })
  t.teardown(() => alice.close())
  await alice.take(is('welcome'))
  for (let i = 1; i <= 5; i++) {
    alice.send({ type: 'send', id: `c${i}`, text: `backlog ${i}` })
    await alice.take(is('ack', { id: `c${i}` }))
  }
  const counter = countWrites('backlog ')
  t.teardown(counter.restore)
  const bob = await Client.open(`${s.ws}/ws/rooms/${room}?since=0`, { token: await s.token({ sub: 'bob' }) })
  t.teardown(() => bob.close())
  await bob.take(is('welcome'))
  for (let i = 1; i <= 5; i++) {
    const m = (await bob.take(is('message'))) as { message?: { text?: string } }
    t.equal(m.message?.text, `backlog ${i}`, `message ${i} in order`)
  }
  t.equal(counter.writes(), 1, 'the welcome and 5 backlog messages in one socket write')
})
