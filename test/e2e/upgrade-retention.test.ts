// An open socket keeps nothing of the request that opened it (issue 12, "Lighter connections"):
// after the upgrade, no IncomingMessage, Request, Hono Context or URL is held through a socket's
// session, and their number does not grow with the number of open sockets. Read from heap
// snapshots of a server in its own process (Node adapter), holding idle sockets on both routes.
import t from 'tap'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client, is } from '../support/client.ts'
import { HeapGraph } from '../support/heap-snapshot.ts'

/** What a request is made of; none of it may outlive the upgrade. */
const requestClasses: Record<string, RegExp> = {
  IncomingMessage: /^IncomingMessage$/,
  // `@hono/node-server` subclasses the global Request; its bundle names the class `Request$1`.
  // The Node adapter's lightweight request for the app (src/adapters/upgrade-request.ts) too.
  Request: /^(Upgrade)?Request(\$\d+)?$/,
  HonoRequest: /^HonoRequest$/,
  'Hono Context': /^Context$/,
  URL: /^URL$/,
  Headers: /^(Request|Upgrade)?Headers$/,
}
const SOCKETS = 24

const dir = mkdtempSync(join(tmpdir(), 'guildhall-heap-'))
const child: ChildProcess = fork(new URL('../support/heap-child.ts', import.meta.url).pathname, [dir], {
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
})
t.teardown(() => {
  child.kill()
  rmSync(dir, { recursive: true, force: true })
})

function reply<T>(key: string, send?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: Record<string, unknown>) => {
      if (!(key in msg)) return
      child.off('message', onMessage)
      resolve(msg[key] as T)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`heap child exited with ${code}`)))
    if (send) child.send(send)
  })
}

async function snapshot(): Promise<HeapGraph> {
  return HeapGraph.read(await reply<string>('snapshot', 'snapshot'))
}

function count(heap: HeapGraph): Record<string, number> {
  return Object.fromEntries(Object.entries(requestClasses).map(([name, re]) => [name, heap.objectsNamed(re).length]))
}

t.test('no request object stays reachable from an open socket', async (t) => {
  const [wsBase, token] = await Promise.all([reply<string>('ws'), reply<string>('token')])
  const open = async (i: number) => {
    const room = `heap-${i % 3}`
    const c = await Client.open(`${wsBase}${i % 2 === 0 ? `/ws/rooms/${room}` : '/ws'}`, { token })
    if (i % 2 !== 0) c.send({ type: 'join', room })
    await c.take(is('welcome'))
    await c.sync()
    return c
  }
  // One socket opened and closed first, so whatever is made once per process is in the baseline.
  const warm = await open(0)
  await warm.close()
  const before = count(await snapshot())

  const clients: Client[] = []
  for (let i = 0; i < SOCKETS; i++) clients.push(await open(i))
  const heap = await snapshot()
  const after = count(heap)

  for (const name of Object.keys(requestClasses)) {
    t.ok(
      after[name]! - before[name]! < SOCKETS / 2,
      `${name}: ${before[name]} before, ${after[name]} with ${SOCKETS} open`,
    )
  }
  // The server's `ws` sockets (not the WebSocket class of Node's own client): they own a net.Socket.
  const sockets = new Set(heap.objectsNamed(/^WebSocket$/).filter((n) => heap.edgeNames(n).includes('_socket')))
  t.equal(sockets.size, SOCKETS, 'the snapshot holds the open sockets')
  const tree = heap.shortestRetainers()
  const held: string[] = []
  for (const [name, re] of Object.entries(requestClasses)) {
    for (const node of heap.objectsNamed(re)) {
      const path = heap.retainerPath(node, tree)
      const at = path.findIndex((step) => sockets.has(step.node))
      if (at >= 0)
        held.push(
          `${name} ← ${path
            .slice(at)
            .map((s) => `${s.holder}.${s.edge}`)
            .join(' → ')}`,
        )
    }
  }
  t.same(held.slice(0, 5), [], `request objects held through a socket: ${held.length}`)

  await Promise.all(clients.map((c) => c.close()))
  await reply('stopped', 'stop')
})
