/**
 * The DynamoDB benchmark's table, rendered from its raw result, so docs/benchmarks.md can cite
 * rows that test/ci/bench-citations.test.ts checks against the committed JSON.
 */
export interface DynamoResult {
  conditions: { loadAverage1mAtEnd: number; quick: boolean }
  writes: {
    perMessage: { messagesPerSecond: number }
    batch25: { messagesPerSecond: number }
    batchMax: { batch: number; messagesPerSecond: number }
    speedupBatch25: number
    speedupBatchMax: number
  }
  readPage50: { cachedSeqIndex: { p50: number; p95: number }; noSeqIndexCache: { p50: number; p95: number } }
}

export function dynamoTable(r: DynamoResult): string {
  return [
    '| measure | value |',
    '|---|---|',
    `| one append per message | ${r.writes.perMessage.messagesPerSecond} msg/s |`,
    `| group commit, batches of 25 | ${r.writes.batch25.messagesPerSecond} msg/s (${r.writes.speedupBatch25}x) |`,
    `| group commit, batches of ${r.writes.batchMax.batch} | ${r.writes.batchMax.messagesPerSecond} msg/s (${r.writes.speedupBatchMax}x) |`,
    `| readPage 50, seq index cached (1 Query), p50 / p95 | ${r.readPage50.cachedSeqIndex.p50} / ${r.readPage50.cachedSeqIndex.p95} ms |`,
    `| readPage 50, no cache (2 Queries), p50 / p95 | ${r.readPage50.noSeqIndexCache.p50} / ${r.readPage50.noSeqIndexCache.p95} ms |`,
    '',
  ].join('\n')
}
