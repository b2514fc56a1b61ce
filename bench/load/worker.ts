/**
 * One load-generator thread: holds real WebSocket clients, opens them with bounded
 * concurrency, paces sends at the rate it is told, counts delivered frames and parses one
 * in `sampleEvery` for latency. It answers commands from load/pool.ts and nothing else.
 */
import { parentPort, threadId } from 'node:worker_threads'
import WebSocket from 'ws'
import { codecs, nowMicros, sentAtMicros } from './codec.ts'
import type { Codec } from './codec.ts'
import type { Command, ConnSpec, ConnectReport, Request, Snapshot } from './messages.ts'

const CONNECT_TIMEOUT_MS = 30_000
const TICK_MS = 10
const PAD = 'x'.repeat(48)

let codec: Codec = codecs.plain
const conns: WebSocket[] = []
let counters = fresh()
let sampleEvery = 16
let countdown = 1
let rate = { perSec: 0, senders: 0, start: 0, made: 0, next: 0 }
let ticker: NodeJS.Timeout | undefined
let sendSeq = 0

function fresh(): Snapshot {
  return { delivered: 0, acks: 0, errors: 0, sent: 0, lagged: 0, dropped: 0, samplesMs: [] }
}

function onFrame(ws: WebSocket, data: Buffer, spec: ConnSpec, ready: () => void): void {
  if (codec.isMessage(data)) {
    counters.delivered++
    if (--countdown <= 0) {
      countdown = sampleEvery
      const at = sentAtMicros(data)
      if (at > 0) counters.samplesMs.push((nowMicros() - at) / 1000)
    }
    return
  }
  switch (codec.classify(data)) {
    case 'ack':
      counters.acks++
      return
    case 'welcome':
      ready()
      return
    case 'ping':
      ws.send('3')
      return
    case 'open': {
      const hello = codec.hello(spec.room, spec.token)
      if (hello) ws.send(hello)
      return
    }
    case 'error':
      counters.errors++
      counters.firstError ??= data.toString().slice(0, 200)
      return
    default:
  }
}

function open(base: string, spec: ConnSpec, localAddress: string | undefined): Promise<number> {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(codec.url(base, spec.room, spec.token), {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      ...(localAddress ? { localAddress } : {}),
    })
    let settled = false
    const timer = setTimeout(() => fail(new Error('timed out waiting for welcome')), CONNECT_TIMEOUT_MS)
    const fail = (err: Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      ws.terminate()
      reject(err)
    }
    ws.on('message', (data: Buffer) =>
      onFrame(ws, data, spec, () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        conns.push(ws)
        resolve(performance.now() - t0)
      }),
    )
    ws.on('error', (err) => fail(err))
    ws.on('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)))
    ws.on('close', (code) => {
      if (settled) counters.dropped++
      fail(new Error(`closed ${code} before welcome`))
    })
  })
}

async function connectAll(cmd: Extract<Command, { op: 'connect' }>): Promise<ConnectReport> {
  codec = codecs[cmd.kind]
  const report: ConnectReport = { opened: 0, failed: 0, latenciesMs: [] }
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < cmd.specs.length) {
      const i = next++
      const local = cmd.localAddresses.length > 0 ? cmd.localAddresses[i % cmd.localAddresses.length] : undefined
      // one retry: a SYN dropped by a full accept queue should not sink a 10,000-connection scenario
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          report.latenciesMs.push(await open(cmd.base, cmd.specs[i] as ConnSpec, local))
          report.opened++
          break
        } catch (err) {
          report.firstError ??= (err as Error).message
          if (attempt === 2) report.failed++
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, cmd.concurrency) }, lane))
  return report
}

/** Paces sends on a fixed tick; sends that would exceed a 200 ms catch-up burst are dropped and counted as lagged. */
function tick(): void {
  const due = Math.floor(((performance.now() - rate.start) * rate.perSec) / 1000)
  let owed = due - rate.made
  const cap = Math.max(1, Math.ceil(rate.perSec * 0.2))
  if (owed > cap) {
    counters.lagged += owed - cap
    rate.made += owed - cap
    owed = cap
  }
  const senders = Math.min(rate.senders, conns.length)
  for (; owed > 0 && senders > 0; owed--) {
    const ws = conns[rate.next++ % senders] as WebSocket
    const text = `t${Math.round(nowMicros())}|${PAD}`
    ws.send(codec.encodeSend(`w${threadId}-${++sendSeq}`, text))
    rate.made++
    counters.sent++
  }
}

function setRate(perSec: number, senders: number): void {
  if (ticker) clearInterval(ticker)
  ticker = undefined
  rate = { perSec, senders, start: performance.now(), made: 0, next: 0 }
  if (perSec > 0 && senders > 0) ticker = setInterval(tick, TICK_MS)
}

async function closeAll(): Promise<void> {
  setRate(0, 0)
  const closing = conns.splice(0).map(
    (ws) =>
      new Promise<void>((resolve) => {
        ws.removeAllListeners('close')
        ws.once('close', () => resolve())
        ws.terminate()
      }),
  )
  await Promise.all(closing)
}

async function handle(cmd: Command): Promise<ConnectReport | Snapshot | undefined> {
  switch (cmd.op) {
    case 'connect':
      return connectAll(cmd)
    case 'rate':
      setRate(cmd.perSec, cmd.senders)
      return undefined
    case 'sampleEvery':
      sampleEvery = Math.max(1, cmd.n)
      return undefined
    case 'snapshot': {
      const snap = counters
      counters = fresh()
      return snap
    }
    case 'closeAll':
      await closeAll()
      return undefined
  }
}

parentPort?.on('message', (req: Request) => {
  void handle(req.cmd).then((result) => parentPort?.postMessage({ id: req.id, result }))
})
