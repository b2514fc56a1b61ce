/** The same protocol scenario suite against `npm run start:deno`'s command, as a child process. */
import t from 'tap'
import { startChild, type Child } from '../support/server.ts'
import { protocolScenarios } from './scenarios/index.ts'

let server: Child
t.before(async () => {
  server = await startChild({ runtime: 'deno' })
})
t.teardown(() => server.stop())

protocolScenarios(t, () => server)

t.test('the Deno server drains on SIGTERM and exits 0', async (t) => {
  t.equal(await server.terminate(), 0)
  t.ok(await server.logged((l) => l.event === 'drain_done'))
})
