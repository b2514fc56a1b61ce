// The clientError listener's choices, on a fake socket (the raw-TCP cases are in
// test/e2e/http-refusals.test.ts).
import type { Duplex } from 'node:stream'
import t from 'tap'
import { createMemoryLogger } from '../../test/support/memory-logger.ts'
import { answerClientError } from './client-error.ts'

function fakeSocket(opts: { writable?: boolean; headersSent?: boolean } = {}) {
  const s = {
    writable: opts.writable ?? true,
    writableEnded: false,
    _httpMessage: opts.headersSent === undefined ? undefined : { headersSent: opts.headersSent },
    written: '',
    destroyed: 0,
    end(data: Buffer, cb: () => void) {
      s.written += data.toString()
      s.writableEnded = true
      s.writable = false
      cb()
    },
    destroy() {
      s.destroyed++
    },
  }
  return s
}

const error = (code: string) => Object.assign(new Error(code), { code })

t.test('each parser error gets its status and the JSON body, then the socket closes', async (t) => {
  for (const [code, status, name] of [
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_INVALID_METHOD', 400, 'invalid_request'],
  ] as const) {
    const socket = fakeSocket()
    answerClientError(createMemoryLogger())(error(code), socket as unknown as Duplex)
    const [head, body] = socket.written.split('\r\n\r\n')
    t.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), code)
    t.match(head, /Connection: close/)
    t.equal(Number(/Content-Length: (\d+)/.exec(head!)?.[1]), Buffer.byteLength(body!))
    t.match(JSON.parse(body!), { error: name, message: String })
    t.equal(socket.destroyed, 1)
  }
})

t.test('nothing is written to a reset socket, one not writable, or one whose response has begun', async (t) => {
  for (const [err, socket] of [
    [error('ECONNRESET'), fakeSocket()],
    [error('HPE_INVALID_METHOD'), fakeSocket({ writable: false })],
    [error('HPE_INVALID_METHOD'), fakeSocket({ headersSent: true })],
  ] as const) {
    answerClientError(createMemoryLogger())(err, socket as unknown as Duplex)
    t.equal(socket.written, '')
    t.equal(socket.destroyed, 1, 'destroyed, as Node does')
  }
})

t.test('a second error on a socket already answered writes nothing more', async (t) => {
  const socket = fakeSocket()
  const answer = answerClientError(createMemoryLogger())
  answer(error('HPE_INVALID_METHOD'), socket as unknown as Duplex)
  const once = socket.written
  answer(error('HPE_INVALID_METHOD'), socket as unknown as Duplex)
  t.equal(socket.written, once)
  t.equal(socket.destroyed, 1)
})
