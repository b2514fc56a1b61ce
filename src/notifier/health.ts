/**
 * `GET /health` for the push worker: `200 {"status":"ok"}` while it polls, `503` once it stops.
 * The image's HEALTHCHECK asks it, as it asks the server; nothing else is served.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HealthServer {
  port: number
  setStopping(): void
  close(): Promise<void>
}

export async function startHealthServer(port: number): Promise<HealthServer> {
  let stopping = false
  const server = createServer((req, res) => {
    const ok = req.url === '/health' && !stopping
    res.writeHead(req.url === '/health' ? (ok ? 200 : 503) : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(ok ? { status: 'ok' } : { status: req.url === '/health' ? 'stopping' : 'not_found' }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '0.0.0.0', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    setStopping() {
      stopping = true
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
