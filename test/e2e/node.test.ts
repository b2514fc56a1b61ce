/** The protocol scenario suite against the server in this process, on the Node adapter. */
import t from 'tap'
import { startInProcess, type InProcess } from '../support/server.ts'
import { protocolScenarios } from './scenarios/index.ts'

let server: InProcess
t.before(async () => {
  server = await startInProcess()
})
t.teardown(() => server.stop())

protocolScenarios(t, () => server)
