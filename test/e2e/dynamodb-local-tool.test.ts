/**
 * `npm run dynamodb:local` and the README's "Run on DynamoDB Local" steps: start it, start the
 * server on it (tables created on first start), create the first room, talk in it; SIGTERM
 * stops DynamoDB Local and every process it started.
 */
import t from 'tap'
import * as fs from 'node:fs'
import { Client, is } from '../support/client.ts'
import { groupMembers, npmRun } from '../support/npm.ts'
import { startChild, tempDir } from '../support/server.ts'
import { admin } from './scenarios/util.ts'
import { freePort } from '../support/cluster.ts'

const javaMissing = (await import('node:child_process')).spawnSync('java', ['-version']).status !== 0

t.test(
  'npm run dynamodb:local, then the server on it, then the first room',
  { skip: javaMissing && 'no Java runtime' },
  async (t) => {
    const data = tempDir()
    t.teardown(() => data.remove())
    const port = await freePort()
    const local = npmRun('dynamodb:local', ['--port', String(port), '--dir', data.dir], {})
    t.teardown(() => local.kill())
    const ready = await local.waitLine(/DynamoDB Local is listening on/)
    t.match(ready, `http://127.0.0.1:${port}`)
    t.ok(
      await local.waitLine(/STORE=dynamodb DYNAMODB_ENDPOINT=\S+ CREATE_TABLES=true npm start/),
      'it says how to run the server on it',
    )

    const server = await startChild({
      runtime: 'node',
      env: {
        STORE: 'dynamodb',
        INTERNAL_PORT: '0',
        DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
        CREATE_TABLES: 'true',
        AWS_ACCESS_KEY_ID: '',
      },
    })
    t.teardown(() => server.stop())
    t.equal((await admin(server, 'PUT', '/admin/rooms/lobby', { visibility: 'public' })).status, 201, 'the first room')
    const c = await Client.open(`${server.ws}/ws/rooms/lobby`, { token: await server.token({ sub: 'alice' }) })
    await c.take(is('welcome'))
    c.send({ type: 'send', id: 'k1', text: 'hello' })
    t.match(await c.take(is('ack')), { id: 'k1', seq: 1 })
    await c.close()
    await server.stop()
    t.ok(
      fs.readdirSync(data.dir).some((f) => f.endsWith('.db')),
      '--dir keeps the data in that directory',
    )

    process.kill(local.pgid, 'SIGTERM')
    await local.outputClosed
    await local.exited
    t.same(groupMembers(local.pgid), [], 'Java and everything else of the group is gone')
  },
)
