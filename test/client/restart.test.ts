/**
 * A server that dies under the client: the server is a child process on an embedded
 * DATA_DIR, killed with SIGKILL while two clients talk through a proxy (so its address stays
 * the same), then started again on the same directory (and drained with SIGTERM once, the
 * other way a server goes away). Every message is delivered once, in seq order, and every
 * send acknowledged once and stored once.
 */
import t from 'tap'
import type { Ack, Message } from '../../src/client/index.ts'
import { startCuttingProxy } from '../support/cutting-proxy.ts'
import { startChild, tempDir, type Child } from '../support/server.ts'
import { http, uniq } from '../e2e/scenarios/util.ts'
import { clientFor, collect, until } from './helpers.ts'

const env = { LIMIT_SEND_BURST: '1000', LIMIT_FRAME_BURST: '1000' }

t.test('SIGKILL and SIGTERM of the server while two users talk: nothing lost, nothing twice', async (t) => {
  const data = tempDir()
  t.teardown(() => data.remove())
  const start = async () => {
    const s = await startChild({ runtime: 'node', dataDir: data.dir, env })
    t.teardown(() => s.stop())
    return s
  }
  let server: Child = await start()
  const proxy = await startCuttingProxy(Number(new URL(server.http).port))
  t.teardown(() => proxy.close())
  const room = uniq('restart')
  const alice = await clientFor(server, 'alice', { url: proxy.http })
  const bob = await clientFor(server, 'bob', { url: proxy.http })
  t.teardown(() => alice.close())
  t.teardown(() => bob.close())
  const a = alice.join(room)
  const b = bob.join(room)
  await Promise.all([a.ready, b.ready])
  const seenA = collect(a)
  const seenB = collect(b)
  const acks: Ack[] = []
  const sent: string[] = []
  let stop = false
  // Both talk without pause, five messages in flight each, until told to stop.
  const talk = async (room: typeof a, who: string) => {
    for (let i = 0; !stop; i += 5) {
      const lines = Array.from({ length: 5 }, (_, k) => `${who}-${i + k}`)
      sent.push(...lines)
      acks.push(...(await Promise.all(lines.map((l) => room.send(l)))))
    }
  }
  const talking = Promise.all([talk(a, 'alice'), talk(b, 'bob')])

  const restart = async (how: 'SIGKILL' | 'SIGTERM', afterAcks: number) => {
    await until(() => acks.length >= afterAcks, `${afterAcks} acks`)
    if (how === 'SIGKILL') server.child.kill('SIGKILL')
    else await server.terminate()
    await server.exited
    server = await start()
    proxy.upstreamPort = Number(new URL(server.http).port)
  }
  await restart('SIGKILL', 40)
  await restart('SIGTERM', acks.length + 40)
  await restart('SIGKILL', acks.length + 40)
  await until(() => acks.length >= sent.length - 10 && acks.length >= 200, 'talk after the restarts')
  stop = true
  await talking

  t.equal(acks.length, sent.length, 'every send acked')
  t.equal(new Set(acks.map((a) => a.seq)).size, acks.length, 'each ack its own seq')
  await until(() => seenA.length >= sent.length && seenB.length >= sent.length, 'every message on both')
  const expected = sent.map((_, i) => i + 1)
  for (const seen of [seenA, seenB]) {
    t.same(
      seen.map((m) => m.seq),
      expected,
      'seqs 1..n once, in order',
    )
    t.same(seen.map((m) => m.text).sort(), [...sent].sort(), 'each text once')
  }
  const token = await server.token({ sub: 'reader' })
  const stored: Message[] = []
  for (let more = true; more; ) {
    const page = await http(server, 'GET', `/rooms/${room}/messages?after=${stored.length}&limit=100`, { token })
    stored.push(...(page.body!.messages as Message[]))
    more = page.body!.more === true
  }
  t.same(stored.map((m) => m.text).sort(), [...sent].sort(), 'the server stored each once')
  t.ok(proxy.accepted >= 6, `reconnected (${proxy.accepted} connections)`)
})
