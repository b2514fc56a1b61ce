// Every benchmark number docs/benchmarks.md publishes can be traced to its data: each run it
// cites is committed under bench/results/runs/, and each result row and goal line in the doc
// is exactly what that run's raw JSON renders to (bench/lib/report.ts, dynamodb-report.ts,
// cluster-report.ts, tracing-report.ts).
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { clusterTable, type ClusterResult } from '../../bench/lib/cluster-report.ts'
import { dynamoTable, type DynamoResult } from '../../bench/lib/dynamodb-report.ts'
import { markdown, type ScenarioResult } from '../../bench/lib/report.ts'
import { tracingTable, type TracingResult } from '../../bench/lib/tracing-report.ts'
import { eventsTable, type EventsResult } from '../../bench/lib/events-report.ts'

const doc = readFileSync('docs/benchmarks.md', 'utf8')
const cited = [...new Set([...doc.matchAll(/bench\/results\/runs\/([A-Za-z0-9._-]+)\.json/g)].map((m) => m[1]!))]

function rendered(name: string): string[] {
  const data = JSON.parse(readFileSync(`bench/results/runs/${name}.json`, 'utf8')) as Record<string, unknown>
  if (Array.isArray(data.scenarios))
    return markdown(data.scenarios as ScenarioResult[], data.machine as Record<string, unknown>).split('\n')
  if (data.benchmark === 'dynamodb-store') return dynamoTable(data as unknown as DynamoResult).split('\n')
  if (data.benchmark === 'cluster') return clusterTable(data as unknown as ClusterResult).split('\n')
  if (data.benchmark === 'tracing') return tracingTable(data as unknown as TracingResult).split('\n')
  if (data.benchmark === 'events') return eventsTable(data as unknown as EventsResult).split('\n')
  throw new Error(`${name}.json is neither a harness run, a DynamoDB run, a cluster run nor a tracing run`)
}

/** Lines of the doc that state a measured result: table rows and goal verdicts. */
const resultLine =
  /^\| (fanout|rooms|connect|memory|busy) \||^\| (one append per message|group commit, batches of|readPage 50,|cross-node fan-out|failover \(kill -9\)|drain handoff|tracing (off|on)|events (off|on|published)|one hot room)|^- \w+ \w+ [≤≥] [\d.]+x \w[\w-]*: /

t.test('docs/benchmarks.md cites committed runs, and every published row is rendered from one', async (t) => {
  t.ok(cited.length >= 2, `runs cited: ${cited.join(', ')}`)
  const known = new Set<string>()
  for (const name of cited) {
    t.ok(existsSync(`bench/results/runs/${name}.json`), `${name}.json is committed`)
    for (const line of rendered(name)) known.add(line)
  }
  const published = doc.split('\n').filter((line) => resultLine.test(line))
  t.ok(published.length >= 20, `result lines found: ${published.length}`)
  for (const line of published) t.ok(known.has(line), `traced to a cited run: ${line.slice(0, 80)}`)
})
