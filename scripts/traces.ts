/**
 * `npm run traces -- --room <roomId> [--since 15m] [--message <messageId>] [--limit 50]`:
 * prints each trace of a room (or of one message in it) as a waterfall read from X-Ray, so
 * an SRE sees where a message's time went (docs/operations.md "Reading a message's path").
 *
 * Region from AWS_REGION (or the shared config), credentials from the default chain, and
 * the endpoint from AWS_ENDPOINT_URL_XRAY when set (the SDK reads it itself).
 * Exit 0 (traces printed, or "no traces"), 1 when X-Ray fails, 2 on bad arguments.
 */
import process from 'node:process'
import { XRayClient } from '@aws-sdk/client-xray'
import { parseTracesArgs, usage, UsageError, type TracesArgs } from './traces/args.ts'
import { filterExpression, findTraceIds, getTraces, newest, timeWindows } from './traces/query.ts'
import { buildTrace } from './traces/segments.ts'
import { renderTrace } from './traces/waterfall.ts'

/**
 * Attempts per call (the SDK's standard retry strategy: exponential backoff with jitter,
 * throttling errors such as ThrottledException / 429 included). X-Ray's read APIs allow few
 * requests per second, so more than the SDK's default 3; AWS_MAX_ATTEMPTS overrides it.
 */
const MAX_ATTEMPTS = 8

let args: TracesArgs
try {
  args = parseTracesArgs(process.argv.slice(2))
} catch (err) {
  if (!(err instanceof UsageError)) throw err
  console.error(`traces: ${err.message}\n${usage}`)
  process.exit(2)
}
if (args.help) {
  console.log(usage)
  process.exit(0)
}

// `npm run -s traces -- ... | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1))

const client = new XRayClient({
  retryMode: 'standard',
  ...(!process.env.AWS_MAX_ATTEMPTS && { maxAttempts: MAX_ATTEMPTS }),
})

try {
  const filter = filterExpression(args.room, args.message)
  const ids = await findTraceIds(client, filter, timeWindows(new Date(), args.sinceMs))
  if (ids.length === 0) {
    console.log('no traces')
    process.exit(0)
  }
  const wanted = newest(ids, args.limit)
  if (wanted.length < ids.length) {
    console.error(`traces: ${ids.length} traces match; showing the newest ${wanted.length} (--limit)`)
  }
  const { traces, unprocessed } = await getTraces(client, wanted)
  if (unprocessed.length > 0)
    console.error(`traces: X-Ray did not return ${unprocessed.length} trace(s): ${unprocessed.join(', ')}`)
  const views = traces.map(buildTrace).filter((v) => v.rows.length > 0)
  if (views.length === 0) {
    console.log('no traces')
    process.exit(0)
  }
  views.sort((a, b) => a.start - b.start)
  console.log(views.map((view) => renderTrace(view).join('\n')).join('\n\n'))
} catch (err) {
  const e = err as Error
  console.error(`traces: X-Ray ${e.name}: ${e.message}`)
  process.exit(1)
} finally {
  client.destroy()
}
