/**
 * HTTP refusals that happen below the routes (issue 8 items 5 and 9), over raw TCP so the
 * test controls every byte: bodies over the cap are refused with 413 before they are read
 * whole, and requests Node's parser refuses still get the JSON error body.
 */
import { connect, type Socket } from 'node:net'
import t from 'tap'
import { startChild, startInProcess, type Target } from '../support/server.ts'

interface RawAnswer {
  status: number
  head: string
  body: Record<string, unknown> | undefined
}

function parseAnswer(raw: string): RawAnswer {
  const end = raw.indexOf('\r\n\r\n')
  const head = end < 0 ? raw : raw.slice(0, end)
  const text = end < 0 ? '' : raw.slice(end + 4)
  let body: Record<string, unknown> | undefined
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = undefined
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body }
}

/** A whole answer: the head and `Content-Length` bytes of body. */
function isComplete(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n')
  if (end < 0) return false
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(raw.slice(0, end))?.[1] ?? 0)
  return raw.length - (end + 4) >= length
}

async function open(target: Target): Promise<Socket> {
  const { hostname, port } = new URL(target.http)
  const socket = connect(Number(port), hostname)
  socket.on('error', () => {}) // a reset after the answer is fine; the answer is what counts
  await new Promise((resolve) => socket.once('connect', resolve))
  return socket
}

/** Writes `bytes` and collects everything the server sends until it closes the connection. */
async function rawExchange(target: Target, bytes: string): Promise<RawAnswer> {
  const socket = await open(target)
  let raw = ''
  socket.on('data', (d: Buffer) => (raw += d.toString('latin1')))
  const closed = new Promise((resolve) => socket.once('close', resolve))
  socket.write(bytes)
  await closed
  return parseAnswer(raw)
}

/**
 * Starts a request whose body is far over the cap and keeps writing it, 64 KiB at a time,
 * until the server answers. Resolves with the answer and how much of the body was written by
 * then: a server that reads the whole body before answering sees all `total` bytes.
 */
async function streamBigBody(target: Target, path: string, headers: string[], total: number, chunked: boolean) {
  const socket = await open(target)
  let raw = ''
  let answered!: () => void
  const answer = new Promise<void>((resolve) => (answered = resolve))
  socket.on('data', (d: Buffer) => {
    raw += d.toString('latin1')
    if (isComplete(raw)) answered()
  })
  socket.once('close', () => answered())
  const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`
  socket.write(
    [`PUT ${path} HTTP/1.1`, 'Host: guildhall', 'Content-Type: application/json', framing, ...headers, '', ''].join(
      '\r\n',
    ),
  )
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  const piece = chunked
    ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
    : chunk
  let written = 0
  let done = false
  void answer.then(() => (done = true))
  while (!done && written < total) {
    await Promise.race([new Promise((resolve) => socket.write(piece, resolve)), answer])
    if (!done) written += chunk.length
  }
  if (!done && chunked) socket.write('0\r\n\r\n') // all sent: end the body so any server answers
  await answer
  socket.destroy()
  return { ...parseAnswer(raw), written }
}

t.test('a body over the cap is refused with 413 and the JSON body before it is read whole', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const auth = `Authorization: Bearer ${await s.token({ sub: 'ops', roles: ['admin'] })}`
  const total = 32 * 1024 * 1024
  t.equal(s.limits.maxBodyBytes, 64 * 1024, 'the default cap')

  for (const chunked of [false, true]) {
    const name = chunked ? 'chunked' : 'Content-Length'
    const r = await streamBigBody(s, '/admin/rooms/big-body', [auth], total, chunked)
    t.equal(r.status, 413, `${name}: 413`)
    t.match(r.body, { error: 'too_large', message: String }, `${name}: the JSON error body`)
    t.ok(r.written < total, `${name}: answered after ${r.written} of ${total} body bytes were written`)
  }
  t.ok(
    s.logs.some((l) => l.event === 'http_refused' && l.status === 413 && l.code === 'too_large'),
    'logged like every refusal',
  )

  const ok = await fetch(`${s.http}/admin/rooms/big-body`, {
    method: 'PUT',
    headers: { authorization: auth.slice('Authorization: '.length), 'content-type': 'application/json' },
    body: JSON.stringify({ visibility: 'public' }),
  })
  t.equal(ok.status, 201, 'a body within the cap is served as before')
})

t.test('under Deno too: 413 with the JSON body before a big body is read whole', async (t) => {
  const s = await startChild({ runtime: 'deno' })
  t.teardown(() => s.stop())
  const auth = `Authorization: Bearer ${await s.token({ sub: 'ops', roles: ['admin'] })}`
  const total = 32 * 1024 * 1024
  for (const chunked of [false, true]) {
    const r = await streamBigBody(s, '/admin/rooms/big-body', [auth], total, chunked)
    t.same([r.status, r.body?.error], [413, 'too_large'], chunked ? 'chunked' : 'Content-Length')
    t.ok(r.written < total, `answered after ${r.written} of ${total} body bytes were written`)
  }
})

t.test("requests Node's HTTP parser refuses get the JSON error body", async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())

  const bigHeader = await rawExchange(
    s,
    `GET /health HTTP/1.1\r\nHost: guildhall\r\nAuthorization: Bearer ${'a'.repeat(100_000)}\r\n\r\n`,
  )
  t.equal(bigHeader.status, 431, 'a 100 KB header: 431')
  t.match(bigHeader.body, { error: 'headers_too_large', message: String })
  t.match(bigHeader.head, /content-type: application\/json/i)

  const tab = await rawExchange(s, 'GET /hea\tlth HTTP/1.1\r\nHost: guildhall\r\n\r\n')
  t.equal(tab.status, 400, 'a raw tab in the path: 400')
  t.match(tab.body, { error: 'invalid_request', message: String })

  const garbage = await rawExchange(s, 'NOT HTTP AT ALL\r\n\r\n')
  t.same([garbage.status, garbage.body?.error], [400, 'invalid_request'], 'garbage: 400 with the body')

  t.ok(
    s.logs.some((l) => l.event === 'http_refused' && l.status === 431 && l.reason === 'HPE_HEADER_OVERFLOW'),
    'logged with the parser reason',
  )
  t.equal((await fetch(`${s.http}/health`)).status, 200, 'the server serves on')
})
