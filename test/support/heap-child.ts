/**
 * A server in a process of its own for heap snapshot tests (test/e2e/upgrade-retention.test.ts):
 * the snapshot then holds the server's objects and nothing of the test's clients. Speaks over
 * the fork IPC channel: sends `{ ws, token }` once listening; answers `snapshot` with the file
 * written, and `stop` by draining, `{ stopped }` and disconnecting.
 */
import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'
import { startInProcess } from './server.ts'

const dir = process.argv[2] ?? '.'
const server = await startInProcess()
let taken = 0
process.send?.({ ws: server.ws, token: await server.token() })
process.on('message', async (msg) => {
  if (msg === 'snapshot') {
    process.send?.({ snapshot: writeHeapSnapshot(join(dir, `heap-${++taken}.heapsnapshot`)) })
  } else if (msg === 'stop') {
    await server.stop()
    process.send?.({ stopped: true }, () => process.disconnect())
  }
})
