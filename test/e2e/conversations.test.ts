/** docs/protocol.md "Conversations and my rooms" on the embedded store, in process (Node adapter). */
import t from 'tap'
import { startInProcess, type InProcess } from '../support/server.ts'
import { conversationScenarios } from './scenarios/conversations.ts'

let server: InProcess
t.before(async () => {
  server = await startInProcess()
})
t.teardown(() => server.stop())

t.test('the server runs on the embedded store', async (t) => {
  t.equal(server.gh.store.constructor.name, 'EmbeddedStore')
})

conversationScenarios(t, () => server)
