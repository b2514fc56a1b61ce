/**
 * A real crash (docs/guarantees.md claims 1-4): a server child process is killed with SIGKILL
 * the moment enough acks have arrived, with sends still in flight; a new one on the same
 * DATA_DIR has every acknowledged message, once, with the seq and id of its ack, and seqs
 * 1..head with no gap. Resending every id to it stores each exactly once. Twice over, on one
 * directory.
 *
 * What SIGKILL cannot show: the kernel keeps the page cache of a killed process, so this
 * proves an ack waits for the write and the log recovers wherever a process died; that it
 * waits for fdatasync (what a power loss needs) is src/store/embedded/embedded-store.test.ts,
 * with the datasync held.
 */
import t, { type Test } from 'tap'
import type { Frame } from '../support/client.ts'
import { startChild, tempDir, type Child } from '../support/server.ts'
import { http, joinRoom, say, uniq } from './scenarios/util.ts'

const users = ['alice', 'bob', 'carol']
const perUser = 40
// Past the rate limits: this is about what survives, not about what a sender may send.
const env = { LIMIT_SEND_BURST: '1000', LIMIT_FRAME_BURST: '1000' }

interface Stored {
  seq: number
  id: string
  senderId: string
  text: string
}

async function history(t: Test, s: Child, room: string): Promise<Stored[]> {
  const token = await s.token({ sub: 'reader' })
  const all: Stored[] = []
  for (let more = true; more; ) {
    const page = await http(s, 'GET', `/rooms/${room}/messages?after=${all.length}&limit=100`, { token })
    t.equal(page.status, 200)
    all.push(...(page.body!.messages as Stored[]))
    more = page.body!.more === true
  }
  return all
}

/** Every user sends `perUser` messages at once; SIGKILL once `killAfter` acks have arrived. */
async function sendAndKill(s: Child, room: string, round: number, killAfter: number) {
  const clients = await Promise.all(users.map((u) => joinRoom(s, room, u).then(({ c }) => c)))
  let acks = 0
  const killed = new Promise<void>((resolve) => {
    for (const c of clients) {
      c.ws.on('message', (data) => {
        if ((JSON.parse(String(data)) as Frame).type === 'ack' && ++acks === killAfter) {
          s.child.kill('SIGKILL') // at once, in the same tick as the ack: sends are still in flight
          resolve()
        }
      })
    }
  })
  for (let i = 0; i < perUser; i++) {
    for (const c of clients)
      c.ws.send(
        JSON.stringify({ type: 'send', id: `r${round}-${i}`, text: `${users[clients.indexOf(c)]} r${round}-${i}` }),
      )
  }
  await killed
  await s.exited
  await Promise.all(clients.map((c) => c.closed))
  // Every ack a client received, even one that arrived after the kill was sent: it was acked.
  return clients.flatMap((c, k) => c.frames.filter((f) => f.type === 'ack').map((f) => ({ ...f, user: users[k]! })))
}

/** What the new server holds after a crash: every ack there, once; no gap; no duplicate. */
async function check(t: Test, s: Child, room: string, acked: (Frame & { user: string })[]) {
  const stored = await history(t, s, room)
  t.same(
    stored.map((m) => m.seq),
    stored.map((_, i) => i + 1),
    `seqs 1..${stored.length}, in order, no gap`,
  )
  const texts = stored.map((m) => `${m.senderId} ${m.text}`)
  t.equal(new Set(texts).size, texts.length, 'no message stored twice')
  const bySeq = new Map(stored.map((m) => [m.seq, m]))
  const lost = acked.filter((a) => {
    const m = bySeq.get(a.seq as number)
    return !m || m.id !== a.messageId || m.senderId !== a.user || m.text !== `${a.user} ${a.id as string}`
  })
  t.same(lost, [], `all ${acked.length} acked messages are there, with the seq and id of their ack`)
  return stored
}

t.test('SIGKILL right after an ack loses no acknowledged message, twice over on one DATA_DIR', async (t) => {
  const data = tempDir()
  t.teardown(() => data.remove())
  const room = uniq('crash')
  const start = async () => {
    const s = await startChild({ runtime: 'node', dataDir: data.dir, env })
    t.teardown(() => s.stop())
    return s
  }

  let server = await start()
  let held = 0
  for (const round of [1, 2]) {
    const killAfter = Math.floor((users.length * perUser) / 2)
    const acked = await sendAndKill(server, room, round, killAfter)
    t.equal(server.child.signalCode, 'SIGKILL', `round ${round}: killed, not drained`)
    t.ok(acked.length >= killAfter, `round ${round}: ${acked.length} acks before the process died`)
    server = await start()
    const stored = await check(t, server, room, acked)
    t.ok(stored.length >= held + acked.length, 'nothing from an earlier round went missing')

    // Resend every id of the round: stored once each, whether or not the crash took it.
    const resend = await Promise.all(users.map((u) => joinRoom(server, room, u).then(({ c }) => c)))
    for (const [k, c] of resend.entries()) {
      for (let i = 0; i < perUser; i++) await say(c, `r${round}-${i}`, `${users[k]} r${round}-${i}`)
    }
    const after = await check(t, server, room, acked)
    t.equal(
      after.filter((m) => m.text.includes(` r${round}-`)).length,
      users.length * perUser,
      'each id of the round stored exactly once',
    )
    held = after.length
    await Promise.all(resend.map((c) => c.close()))
  }
  t.equal(await server.terminate(), 0)
})
