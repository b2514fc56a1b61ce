/**
 * Requests Node's HTTP parser refuses before the app sees them (a 100 KB header, a raw tab
 * in the path, a request that never finishes arriving): Node's own answer is a status line
 * with no body. This `clientError` listener answers them like every other refusal, with the
 * JSON error body of the one factory, then closes the socket as Node would.
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from '../../actors/ports.ts'
import { errorBody, httpErrors, type HttpErrorCode } from '../http/errors.ts'

/** Node's parser error codes (`err.code`) that have an answer of their own; any other is 400. */
const codes: Record<string, HttpErrorCode> = {
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
}

type ParserError = Error & { code?: string }

/** `server.on('clientError', answerClientError(logger))`. */
export function answerClientError(logger: Logger): (err: ParserError, socket: Duplex) => void {
  return (err, socket) => {
    // Already answered: bytes the peer sent after the bad request fail the parser again.
    if (socket.writableEnded) return
    // Nothing to answer: the peer is gone, or a response on this socket has already begun
    // (writing now would corrupt it). Node's own listener destroys the socket in both cases.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy()
      return
    }
    const code = codes[err.code ?? ''] ?? 'invalid_request'
    const status = httpErrors[code]
    logger.info('http_refused', { status, code, reason: err.code })
    const body = Buffer.from(JSON.stringify(errorBody(code, messageFor(code))))
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n'
    // Close once the answer is handed to the kernel; the rest of the request is not read.
    socket.end(Buffer.concat([Buffer.from(head), body]), () => socket.destroy())
  }
}

function messageFor(code: HttpErrorCode): string | undefined {
  return code === 'invalid_request' ? 'the request is not valid HTTP' : undefined
}
