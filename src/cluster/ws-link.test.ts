/**
 * The node link on real sockets: two transports in this process (and hand-made peers that
 * break the handshake in each way one can).
 */
import t from 'tap'
import type { Test } from 'tap'
import { once } from 'node:events'
import { WebSocket, WebSocketServer } from 'ws'
import type { LinkChannel } from '../../actors/cluster/ports.ts'
import { matchAll } from '../../test/support/match-all.ts'
import { startInProcess } from '../../test/support/server.ts'
import { loadConfig } from '../config.ts'
import { createMemoryLogger } from '../../test/support/memory-logger.ts'
import { clientProof, newNonce, serverProof } from './link-auth.ts'
import { resolveNodeIdentity } from './ecs-metadata.ts'
import { defaultLimits } from '../../actors/limits.ts'
import { createWsLinkTransport, LINK_PATH, linkMaxPayloadBytes, linkUrl, type LinkLimits } from './ws-link.ts'

const secret = 'cluster-secret-for-tests-0123456789abcdef'

async function node(t: Test, id: string, opts: { secret?: string; limits?: Partial<LinkLimits> } = {}) {
  const logger = createMemoryLogger()
  const transport = await createWsLinkTransport({
    node: id,
    secret: opts.secret ?? secret,
    host: '127.0.0.1',
    port: 0,
    logger,
    limits: opts.limits,
  })
  const accepted: LinkChannel[] = []
  const nextAccept: ((c: LinkChannel) => void)[] = []
  transport.onAccept = (channel) => {
    accepted.push(channel)
    nextAccept.shift()?.(channel)
  }
  t.teardown(() => transport.close())
  return {
    transport,
    logs: logger.lines,
    address: `127.0.0.1:${transport.port}`,
    accepted,
    /** The next link this node accepts. */
    accept: () => new Promise<LinkChannel>((resolve) => nextAccept.push(resolve)),
  }
}

/** Every message on the channel, and a promise of its close. */
function watch(channel: LinkChannel) {
  const messages: string[] = []
  const waiters: (() => void)[] = []
  let closes = 0
  channel.onMessage = (data) => {
    messages.push(data)
    for (const w of waiters.splice(0)) w()
  }
  const closed = new Promise<void>((resolve) => {
    channel.onClose = () => {
      closes++
      resolve()
    }
  })
  return {
    messages,
    closed,
    closes: () => closes,
    async count(n: number) {
      while (messages.length < n) await new Promise<void>((resolve) => waiters.push(resolve))
    },
  }
}

/** A hand-made client that does the handshake itself (and can then misbehave). */
async function rawClient(address: string, opts: { node: string; expect?: string; secret?: string; after?: string[] }) {
  const ws = new WebSocket(linkUrl(address))
  const [data] = (await once(ws, 'message')) as [Buffer]
  const hello = JSON.parse(String(data)) as { hello: string; node: string }
  const nonce = newNonce()
  ws.send(
    JSON.stringify({
      node: opts.node,
      nonce,
      proof: clientProof(opts.secret ?? secret, hello.hello, opts.node, hello.node),
    }),
  )
  for (const extra of opts.after ?? []) ws.send(extra)
  return { ws, hello }
}

const logged = (logs: Record<string, unknown>[], event: string) => logs.filter((l) => l.event === event)

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}

t.test('two nodes link, prove who they are, and exchange messages both ways in order', async (t) => {
  const a = await node(t, 'a')
  const b = await node(t, 'b')
  const accepted = b.accept()
  const atA = await a.transport.connect('b', b.address)
  const atB = await accepted
  t.equal(atA.peer, 'b')
  t.equal(atB.peer, 'a')
  const fromB = watch(atA)
  const fromA = watch(atB)
  for (let i = 0; i < 100; i++) atA.send(`{"t":"leave","room":"r","c":${i}}`)
  atB.send('{"t":"b","room":"r"}\n{"type":"message","text":"a\\nb"}')
  await fromA.count(100)
  await fromB.count(1)
  t.same(
    fromA.messages,
    Array.from({ length: 100 }, (_, i) => `{"t":"leave","room":"r","c":${i}}`),
    'in order, as sent',
  )
  t.same(fromB.messages, ['{"t":"b","room":"r"}\n{"type":"message","text":"a\\nb"}'], 'the payload as is')
  t.equal(typeof atA.bufferedAmount(), 'number')
  matchAll(t, logged(a.logs, 'link_open'), [{ peer: 'b' }])
  matchAll(t, logged(b.logs, 'link_open'), [{ peer: 'a' }])

  atA.terminate('test')
  atA.terminate('twice is fine')
  await Promise.all([fromA.closed, fromB.closed])
  atA.send('after close: dropped, no throw')
  t.equal(fromA.closes() + fromB.closes(), 2, 'onClose once per side')
  matchAll(t, logged(a.logs, 'link_closed'), [{ peer: 'b', reason: 'test' }], 'the first reason given')
})

t.test('messages sent before the other side set its handlers wait for them', async (t) => {
  const a = await node(t, 'a')
  const b = await node(t, 'b')
  // The accepting side writes at once, in the same turn as the handshake's end: the opening
  // side reads its last handshake message and these in one TCP read.
  b.transport.onAccept = (channel) => {
    for (let i = 0; i < 5; i++) channel.send(`m${i}`)
    channel.terminate('done')
  }
  const atA = await a.transport.connect('b', b.address)
  await new Promise((resolve) => setImmediate(resolve))
  const seen = watch(atA)
  await seen.closed
  t.same(seen.messages, ['m0', 'm1', 'm2', 'm3', 'm4'], 'every message, then the close')
})

t.test('a wrong secret is refused on the accepting side (4401, logged) and rejects connect', async (t) => {
  const a = await node(t, 'a', { secret: 'another-secret-entirely-0123456789abcdef' })
  const b = await node(t, 'b')
  await t.rejects(a.transport.connect('b', b.address), /refused by the peer \(4401\)/)
  t.same(b.accepted, [], 'nothing accepted')
  matchAll(t, logged(b.logs, 'link_refused'), [{ reason: 'bad proof', node: 'a', address: /^127\.0\.0\.1:\d+$/ }])
  t.notMatch(JSON.stringify(b.logs), /secret/, 'no secret in the logs')
})

t.test(
  'no secret at all: a peer that never answers, or answers nonsense, is refused; nothing before auth is delivered',
  async (t) => {
    const impatient = await node(t, 'b', { limits: { authTimeoutMs: 200 } })
    const silent = new WebSocket(linkUrl(impatient.address))
    t.equal(await closeCode(silent), 4401, 'silent peer: refused after the auth timeout')
    matchAll(t, logged(impatient.logs, 'link_refused'), [{ reason: 'timeout', address: /^127\.0\.0\.1:\d+$/ }])
    t.same(impatient.accepted, [])

    const b = await node(t, 'b')

    const chatty = new WebSocket(linkUrl(b.address))
    await once(chatty, 'message')
    chatty.send('{"t":"leaving","node":"x"}')
    t.equal(await closeCode(chatty), 4401, 'a link message instead of the proof')

    const binary = new WebSocket(linkUrl(b.address))
    await once(binary, 'message')
    binary.send(Buffer.from('{}'))
    t.equal(await closeCode(binary), 4401, 'binary')

    // The right shape, a wrong proof, and link messages right behind it in the same turn.
    const forged = await rawClient(b.address, {
      node: 'x',
      secret: 'not-the-secret-0123456789abcdef-0123',
      after: ['{"t":"leaving","node":"x"}'],
    })
    t.equal(await closeCode(forged.ws), 4401, 'forged proof')

    t.same(b.accepted, [], 'nothing accepted, so nothing delivered')
    t.same(
      logged(b.logs, 'link_refused').map((l) => l.reason),
      ['malformed', 'malformed', 'bad proof'],
    )
  },
)

t.test('a node that claims the accepting node id is refused', async (t) => {
  const b = await node(t, 'b')
  const peer = await rawClient(b.address, { node: 'b' })
  t.equal(await closeCode(peer.ws), 4401)
  matchAll(t, logged(b.logs, 'link_refused'), [{ reason: 'same node id', node: 'b' }])
})

t.test('link messages sent right behind a good proof are delivered once the link is accepted, in order', async (t) => {
  const b = await node(t, 'b')
  const accepted = b.accept()
  const peer = await rawClient(b.address, { node: 'a', after: ['one', 'two'] })
  const channel = await accepted
  const seen = watch(channel)
  await seen.count(2)
  t.same(seen.messages, ['one', 'two'])
  peer.ws.close()
  await seen.closed
})

t.test('the opening side checks that the peer is the node it meant to reach', async (t) => {
  const a = await node(t, 'a')
  const c = await node(t, 'c')
  await t.rejects(a.transport.connect('b', c.address), /link to b at .*: the node there is c/)
  t.same(c.accepted, [])

  // A server that names itself b but cannot prove the secret.
  const impostor = new WebSocketServer({ host: '127.0.0.1', port: 0, path: LINK_PATH })
  t.teardown(() => new Promise<void>((resolve) => impostor.close(() => resolve())))
  await once(impostor, 'listening')
  const sawClose = new Promise<number>((resolve) =>
    impostor.on('connection', (ws) => {
      ws.send(JSON.stringify({ hello: newNonce(), node: 'b' }))
      ws.once('message', (data) => {
        const auth = JSON.parse(String(data)) as { node: string; nonce: string }
        t.equal(auth.node, 'a')
        ws.send(JSON.stringify({ proof: serverProof('guessed-secret-0123456789abcdef-012345', auth.nonce, 'b', 'a') }))
        ws.send('{"t":"leaving","node":"b"}')
      })
      ws.once('close', (code) => resolve(code))
    }),
  )
  const port = (impostor.address() as { port: number }).port
  await t.rejects(a.transport.connect('b', `127.0.0.1:${port}`), /could not prove the secret/)
  t.equal(await sawClose, 4401, 'the opening side closes with 4401 too')
})

t.test('connect rejects when nothing listens', async (t) => {
  const a = await node(t, 'a')
  const b = await node(t, 'b')
  const address = b.address
  await b.transport.close()
  await t.rejects(a.transport.connect('b', address), /link to b at/)
})

t.test('the link server answers 404 to anything but the link path', async (t) => {
  const b = await node(t, 'b')
  for (const path of ['/', '/link/x', '/ws', '/health']) {
    const res = await fetch(`http://${b.address}${path}`)
    t.equal(res.status, 404, `GET ${path}`)
    await res.text()
  }
  t.equal((await fetch(`http://${b.address}${LINK_PATH}`)).status, 404, 'GET /link without an upgrade')
  for (const path of ['/ws', '/', '/link2']) {
    const ws = new WebSocket(`ws://${b.address}${path}`)
    ws.on('error', () => {})
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }]
    t.equal(res.statusCode, 404, `upgrade on ${path}`)
    ws.terminate()
  }
  t.same(b.accepted, [])
})

t.test('a silent peer (paused: SIGSTOP, a dead host) is dropped and onClose fires', async (t) => {
  const b = await node(t, 'b', { limits: { pingIntervalMs: 50, peerTimeoutMs: 600 } })
  const accepted = b.accept()
  const peer = await rawClient(b.address, { node: 'a' })
  const seen = watch(await accepted)
  // While the peer answers pings, the link stays up well past the timeout.
  let pings = 0
  await new Promise<void>((resolve) =>
    peer.ws.on('ping', () => {
      if (++pings === 20) resolve()
    }),
  )
  t.equal(seen.closes(), 0, 'alive while it answers pings')
  peer.ws.pause() // stops reading: no pongs, as a stopped process
  await seen.closed
  matchAll(t, logged(b.logs, 'link_peer_timeout'), [{ peer: 'a' }])
  matchAll(t, logged(b.logs, 'link_closed'), [{ peer: 'a', reason: 'peer timeout' }])
  peer.ws.terminate()
})

t.test('a message over maxPayloadBytes, or a binary frame, cuts the link', async (t) => {
  const b = await node(t, 'b', { limits: { maxPayloadBytes: 1024 } })
  const accepted = b.accept()
  const big = await rawClient(b.address, { node: 'a' })
  const seen = watch(await accepted)
  big.ws.send('x'.repeat(1025))
  t.equal(await closeCode(big.ws), 1009)
  await seen.closed
  t.same(seen.messages, [])

  const accepted2 = b.accept()
  const bin = await rawClient(b.address, { node: 'a2' })
  const seen2 = watch(await accepted2)
  bin.ws.send(Buffer.from('{"t":"close_room","room":"r"}'))
  await seen2.closed
  t.same(seen2.messages, [])
  matchAll(t, logged(b.logs, 'link_frame_invalid'), [{ peer: 'a2', reason: 'binary frame' }])
})

t.test('close drops every link (both sides see onClose) and refuses new ones', async (t) => {
  const a = await node(t, 'a')
  const b = await node(t, 'b')
  const accepted = b.accept()
  const atA = watch(await a.transport.connect('b', b.address))
  const atB = watch(await accepted)
  await a.transport.close()
  await Promise.all([atA.closed, atB.closed])
  await t.rejects(a.transport.connect('b', b.address), /closed/)
})

t.test('the largest link message follows the room limits (a full history page must fit)', async (t) => {
  t.equal(linkMaxPayloadBytes(defaultLimits), 8 * 1024 * 1024, 'defaults: 8 MiB (a page is at most 3.2 MiB)')
  t.equal(linkMaxPayloadBytes({ historyMaxLimit: 100, maxFrameBytes: 1024 * 1024 }), 200 * 1024 * 1024)
})

t.test('link addresses', async (t) => {
  t.equal(linkUrl('10.0.1.5:8788'), 'ws://10.0.1.5:8788/link')
  t.equal(linkUrl('::1:8788'), 'ws://[::1]:8788/link')
  t.equal(linkUrl('[::1]:8788'), 'ws://[::1]:8788/link')
  t.equal(linkUrl('node-2.internal:9000'), 'ws://node-2.internal:9000/link')
})

t.test('the public port has no link path', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const res = await fetch(`${server.http}${LINK_PATH}`)
  t.equal(res.status, 404, `GET ${LINK_PATH}`)
  await res.text()
  const ws = new WebSocket(`${server.ws}${LINK_PATH}`)
  ws.on('error', () => {})
  const [, answer] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }]
  t.equal(answer.statusCode, 404, `upgrade on ${LINK_PATH}`)
  ws.terminate()
})

t.test(
  'from configuration to a link: two nodes with the same JWT_SECRET link on their derived secret; another secret is refused',
  async (t) => {
    const start = async (env: Record<string, string>) => {
      const config = loadConfig({ STORE: 'dynamodb', PORT: '0', INTERNAL_PORT: '0', JWT_SECRET: secret, ...env })
      const logger = createMemoryLogger()
      // As src/server.ts starts a node's end of the cluster.
      const cluster = config.cluster!
      const { nodeId, advertiseHost } = await resolveNodeIdentity(cluster, env, { logger })
      const transport = await createWsLinkTransport({
        node: nodeId,
        secret: cluster.secret,
        host: '127.0.0.1',
        port: cluster.internalPort,
        logger,
      })
      t.teardown(() => transport.close())
      return { transport, address: `${advertiseHost}:${transport.port}`, logs: logger.lines }
    }
    const n1 = await start({ NODE_ID: 'n1' })
    const n2 = await start({ NODE_ID: 'n2', ADVERTISE_HOST: '127.0.0.1' })
    t.match(n2.address, /^127\.0\.0\.1:\d+$/)
    t.not(n2.address, '127.0.0.1:8788', 'the port it really listens on')
    matchAll(t, logged(n2.logs, 'node_identity'), [{ node: 'n2', nodeFrom: 'NODE_ID', hostFrom: 'ADVERTISE_HOST' }])
    let accepted: LinkChannel | undefined
    n2.transport.onAccept = (c) => (accepted = c)
    const channel = await n1.transport.connect('n2', n2.address)
    t.equal(channel.peer, 'n2')
    t.equal(accepted?.peer, 'n1')

    const other = await start({ NODE_ID: 'n3', JWT_SECRET: 'z'.repeat(40) })
    await t.rejects(other.transport.connect('n2', n2.address), /4401/)
    matchAll(t, logged(n2.logs, 'link_refused'), [{ reason: 'bad proof', node: 'n3' }])
  },
)

t.test('a cluster handler that throws is logged and cuts only that link, never the process', async (t) => {
  const a = await node(t, 'a')
  const b = await node(t, 'b')
  b.transport.onAccept = () => {
    throw new Error('accept bug')
  }
  const atA = watch(await a.transport.connect('b', b.address))
  await atA.closed
  matchAll(t, logged(b.logs, 'link_handler_error'), [{ peer: 'a' }])

  let throws = 0
  const twoThrows = new Promise<void>((resolve) => {
    b.transport.onAccept = (c) => {
      c.onMessage = () => {
        if (++throws === 2) setImmediate(resolve)
        throw new Error('message bug')
      }
    }
  })
  const again = await a.transport.connect('b', b.address)
  const seen = watch(again)
  again.send('one')
  again.send('two')
  await twoThrows
  t.equal(seen.closes(), 0, 'the link stays up')
  t.equal(logged(b.logs, 'link_handler_error').length, 3, 'each throw logged')
})
