import t from 'tap'
import { startInProcess, type InProcess } from '../support/server.ts'
import { uniq } from '../e2e/scenarios/util.ts'
import { clientFor, collect, until } from './helpers.ts'

let server: InProcess
t.before(async () => {
  server = await startInProcess()
})
t.teardown(() => server.stop())

t.test('smoke', async (t) => {
  const room = uniq('smoke')
  const alice = await clientFor(server, 'alice')
  const bob = await clientFor(server, 'bob')
  const a = alice.join(room)
  const b = bob.join(room)
  await Promise.all([a.ready, b.ready])
  const seen = collect(a)
  const ack = await b.send('hello')
  t.equal(ack.seq, 1)
  await until(() => seen.length === 1, 'message')
  t.equal(seen[0]!.text, 'hello')
  alice.close()
  bob.close()
})
