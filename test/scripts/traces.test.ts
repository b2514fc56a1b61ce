/**
 * `npm run traces`: run as a user runs it, against a local fake of X-Ray (fake-xray.ts) that
 * records every call and answers from recorded segment documents (xray-documents.ts).
 * Proves the filter expression sent, the windows, both paginations, BatchGetTraces' chunks of
 * five, the retry of a throttled call, and the printed waterfall; bad arguments exit 2.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { MAX_SINCE_MS, parseSince, parseTracesArgs, UsageError } from '../../scripts/traces/args.ts'
import { chunks, filterExpression, newest, timeWindows } from '../../scripts/traces/query.ts'
import { buildTrace } from '../../scripts/traces/segments.ts'
import { renderTrace } from '../../scripts/traces/waterfall.ts'
import { startFakeXRay, type FakeXRay } from './fake-xray.ts'
import { recordedTraces } from './xray-documents.ts'

const root = new URL('../..', import.meta.url).pathname

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** `npm run -s traces -- <args>` with the fake as X-Ray's endpoint and dummy credentials. */
function traces(args: string[], fake?: FakeXRay): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_MAX_ATTEMPTS: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Nowhere real: a call that escaped the fake would fail, not reach AWS.
    AWS_ENDPOINT_URL_XRAY: fake?.url ?? 'http://127.0.0.1:9',
  }
  const child = spawn('npm', ['run', '-s', 'traces', '--', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

const raiders = 'annotation.room_id = "GUILD#raiders"'

const waterfall = `\
trace 1-692c574a-00000000000000000000000a  42.5 ms  room GUILD#raiders  messages m-1
  node-a  guildhall              +0.0 ms  42.5 ms  ok
  node-a    link.send            +1.0 ms  40.0 ms  ok
  node-b      guildhall          +3.0 ms  37.0 ms  ok
  node-b        room.broadcast  +36.0 ms   2.5 ms  ok
  node-b        link.reply      +38.7 ms   0.4 ms  ok

trace 1-692c5754-00000000000000000000000b  120.0 ms  room GUILD#raiders  messages -
  node-b  room.commit                     +0.0 ms  120.0 ms  ok
  node-b    DynamoDB TransactWriteItems   +1.5 ms   50.0 ms  error
  node-b    DynamoDB TransactWriteItems  +60.0 ms   57.0 ms  ok

trace 1-692c575e-00000000000000000000000c  30.0 ms  room GUILD#raiders  messages -
  node-b  room.commit                    +0.0 ms  30.0 ms  fault
  node-b    DynamoDB TransactWriteItems  +1.0 ms  28.0 ms  fault

trace 1-692c5768-00000000000000000000000d  8.4 ms  room GUILD#raiders  messages -
  node-a  guildhall POST /rooms/GUILD%23raiders/messages  +0.0 ms  8.4 ms  throttle

trace 1-692c5772-00000000000000000000004e  2.0 ms  room GUILD#raiders  messages m-4
  node-a  guildhall         +0.0 ms  2.0 ms  ok
  node-a    room.broadcast  +0.5 ms  1.0 ms  ok

trace 1-692c577c-00000000000000000000004f  2.0 ms  room GUILD#raiders  messages m-5
  node-a  guildhall         +0.0 ms  2.0 ms  ok
  node-a    room.broadcast  +0.5 ms  1.0 ms  ok

trace 1-692c5786-000000000000000000000050  2.0 ms  room GUILD#raiders  messages m-6
  node-a  guildhall         +0.0 ms       2.0 ms  ok
  node-a    room.broadcast  +0.5 ms  in progress  ok
`

t.test('a room: filter, pagination, chunks of five, a throttled call retried, the waterfall', async (t) => {
  const fake = await startFakeXRay({
    traces: recordedTraces(),
    throttleFirst: true,
    summariesPerPage: 4,
    tracesPerPage: 3,
  })
  t.teardown(() => fake.close())
  const run = await traces(['--room', 'GUILD#raiders', '--since', '15m'], fake)
  t.equal(run.code, 0, run.stderr)
  t.equal(
    run.stdout,
    waterfall,
    'oldest trace first; spans in tree order, indented by depth; offsets, durations, statuses',
  )

  const calls = fake.calls
  t.ok(
    calls.every((c) => c.signed),
    'every call is signed (SigV4)',
  )
  t.same(
    calls.map((c) => [c.path, c.status]),
    [
      ['/TraceSummaries', 429],
      ['/TraceSummaries', 200],
      ['/TraceSummaries', 200],
      ['/Traces', 200],
      ['/Traces', 200],
      ['/Traces', 200],
    ],
  )
  const [throttled, first, second] = calls
  t.same(first!.body, throttled!.body, 'the throttled call is retried as it was')
  t.equal(first!.body.FilterExpression, raiders)
  t.equal(first!.body.TimeRangeType, 'TraceId')
  t.equal((first!.body.EndTime as number) - (first!.body.StartTime as number), 15 * 60, 'one window: now - 15m to now')
  t.equal(first!.body.NextToken, undefined)
  t.same({ ...second!.body, NextToken: undefined }, { ...first!.body, NextToken: undefined })
  t.equal(second!.body.NextToken, 'summaries:4', 'the summaries are paged')

  const batches = calls.slice(3).map((c) => ({ ids: c.body.TraceIds as string[], token: c.body.NextToken }))
  t.same(
    batches.map((b) => [b.ids.length, b.token]),
    [
      [5, undefined],
      [5, 'traces:3'],
      [2, undefined],
    ],
    'chunks of 5, each paged',
  )
  t.same(batches[1]!.ids, batches[0]!.ids, 'the next page asks for the same ids')
  const asked = [...batches[0]!.ids, ...batches[2]!.ids]
  t.equal(new Set(asked).size, 7, 'each trace of the room asked for once')
  t.notOk(
    asked.some((id) => id.endsWith('99')),
    'the other room is not asked for',
  )
})

t.test('one message over a day: four windows, the message filter, the trace found once', async (t) => {
  const fake = await startFakeXRay({ traces: recordedTraces() })
  t.teardown(() => fake.close())
  const run = await traces(['--room', 'GUILD#raiders', '--message', 'm-1', '--since', '24h'], fake)
  t.equal(run.code, 0, run.stderr)
  t.equal(run.stdout, `${waterfall.split('\n\n')[0]}\n`, "only bob's m-1 in GUILD#raiders, not the m-1 of another room")
  const summaries = fake.calls.filter((c) => c.path === '/TraceSummaries').map((c) => c.body)
  t.ok(summaries.every((b) => b.FilterExpression === `${raiders} AND annotation.message_id = "m-1"`))
  t.equal(summaries.length, 4, 'a day asked as four windows of at most 6 hours')
  const windows = summaries.map((b) => [b.StartTime as number, b.EndTime as number] as const)
  t.equal(windows[0]![1] - windows[3]![0], 24 * 3_600, 'covering exactly the day')
  for (let i = 0; i < 3; i++) t.equal(windows[i]![0], windows[i + 1]![1], 'newest first, back to back')
  const batches = fake.calls.filter((c) => c.path === '/Traces')
  t.same(
    batches.map((c) => c.body.TraceIds),
    [['1-692c574a-00000000000000000000000a']],
    'found in every window, fetched once',
  )
})

t.test('no traces: exit 0, "no traces", no BatchGetTraces', async (t) => {
  const fake = await startFakeXRay({ traces: recordedTraces() })
  t.teardown(() => fake.close())
  const run = await traces(['--room', 'quiet-room'], fake)
  t.equal(run.code, 0, run.stderr)
  t.equal(run.stdout, 'no traces\n')
  t.same(
    fake.calls.map((c) => [c.path, c.body.FilterExpression]),
    [['/TraceSummaries', 'annotation.room_id = "quiet-room"']],
  )
  t.equal(
    (fake.calls[0]!.body.EndTime as number) - (fake.calls[0]!.body.StartTime as number),
    15 * 60,
    '--since defaults to 15m',
  )
})

t.test('X-Ray refuses: exit 1 with its error', async (t) => {
  const fake = await startFakeXRay({ traces: recordedTraces(), refuseAll: 'Invalid filter expression' })
  t.teardown(() => fake.close())
  const run = await traces(['--room', 'GUILD#raiders'], fake)
  t.equal(run.code, 1)
  t.equal(run.stdout, '')
  t.match(run.stderr, /traces: X-Ray InvalidRequestException: Invalid filter expression/)
  t.equal(fake.calls.length, 1, 'a refusal is not retried')
})

t.test('bad arguments exit 2 with a message, before any call', async (t) => {
  const fake = await startFakeXRay({ traces: recordedTraces() })
  t.teardown(() => fake.close())
  const badRoom = await traces(['--room', 'GUILD#a"b'], fake)
  t.equal(badRoom.code, 2)
  t.match(badRoom.stderr, /--room "GUILD#a\\"b": a room id is 1 to 64/)
  t.match(badRoom.stderr, /usage: npm run traces -- --room <roomId>/)
  const tooLong = await traces(['--room', 'r', '--since', '25h'], fake)
  t.equal(tooLong.code, 2)
  t.match(tooLong.stderr, /--since 25h: at most 24h/)
  t.equal(fake.calls.length, 0)
})

t.test('argument rules', async (t) => {
  const ok = (argv: string[]) => parseTracesArgs(argv)
  const refused = (argv: string[], re: RegExp) => t.throws(() => parseTracesArgs(argv), re, argv.join(' '))
  t.match(ok(['--room', 'GUILD#raiders']), { room: 'GUILD#raiders', sinceMs: 15 * 60_000, limit: 50 })
  t.match(ok(['--room', 'a_b-C9', '--since', '30s', '--message', 'm-1', '--limit', '5']), {
    room: 'a_b-C9',
    sinceMs: 30_000,
    message: 'm-1',
    limit: 5,
  })
  t.equal(ok(['--room', 'x'.repeat(64), '--since', '24h']).sinceMs, MAX_SINCE_MS)
  t.equal(ok(['--room', 'r', '--since', '1d']).sinceMs, MAX_SINCE_MS)
  refused([], /--room is required/)
  refused(['--room', ''], /a room id/)
  refused(['--room', 'x'.repeat(65)], /a room id/)
  refused(['--room', 'GUILD#'], /a room id/)
  refused(['--room', 'guild#g'], /a room id/)
  refused(['--room', 'a b'], /a room id/)
  refused(['--room', 'r', '--message', 'm#1'], /a message id/)
  refused(['--room', 'r', '--message', 'a"b'], /a message id/)
  refused(['--room', 'r', '--since', '15'], /--since "15"/)
  refused(['--room', 'r', '--since', '0m'], /--since "0m"/)
  refused(['--room', 'r', '--since', '2w'], /--since "2w"/)
  refused(['--room', 'r', '--since', '1441m'], /at most 24h/)
  refused(['--room', 'r', '--limit', '0'], /--limit/)
  refused(['--room', 'r', '--limit', '1001'], /--limit/)
  refused(['--room', 'r', '--bogus'], /Unknown option/)
  refused(['--room', 'r', 'extra'], /positional/)
  let thrown: unknown
  try {
    parseTracesArgs(['--room'])
  } catch (err) {
    thrown = err
  }
  t.ok(thrown instanceof UsageError, 'a parse error is a usage error (exit 2)')
  t.equal(parseSince('2h'), 7_200_000)
  t.equal(parseSince('2 h'), undefined)
})

t.test('filters and windows', async (t) => {
  t.equal(filterExpression('GUILD#raiders'), raiders)
  t.equal(filterExpression('r', 'm'), 'annotation.room_id = "r" AND annotation.message_id = "m"')
  const end = new Date(Date.UTC(2026, 0, 2))
  t.same(timeWindows(end, 15 * 60_000), [{ start: new Date(end.getTime() - 900_000), end }])
  const day = timeWindows(end, 24 * 3_600_000)
  t.equal(day.length, 4)
  t.same(
    day.map((w) => w.end.getTime() - w.start.getTime()),
    [6, 6, 6, 6].map((h) => h * 3_600_000),
  )
  const odd = timeWindows(end, 7 * 3_600_000)
  t.same(
    odd.map((w) => (w.end.getTime() - w.start.getTime()) / 3_600_000),
    [6, 1],
    'the oldest window is the rest',
  )
  const ids = recordedTraces().map((r) => r.Id)
  t.same(
    newest(ids, 2),
    ['1-692c5786-000000000000000000000050', '1-692c577c-00000000000000000000004f'],
    '--limit keeps the newest',
  )
  t.same(chunks([1, 2, 3, 4, 5, 6, 7], 5), [
    [1, 2, 3, 4, 5],
    [6, 7],
  ])
})

t.test('docs/operations.md shows what the CLI prints', async (t) => {
  const docs = readFileSync(`${root}docs/operations.md`, 'utf8')
  const part = docs.slice(docs.indexOf("### Reading a message's path (npm run traces)"))
  const blocks = [...part.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1])
  const [acrossNodes, commit] = waterfall.split('\n\n')
  // The first example leaves out the recorded trace's extra link.reply span (same widths).
  const example = acrossNodes!
    .split('\n')
    .filter((line) => !line.includes('link.reply'))
    .join('\n')
  t.equal(blocks[0], `$ npm run -s traces -- --room 'GUILD#raiders' --message m-1\n${example}\n`)
  t.equal(blocks[1], `${commit}\n`)
})

t.test('odd traces: cut at the size limit, unreadable documents, a span sent twice, parents in a loop', async (t) => {
  const doc = (d: Record<string, unknown>) => ({ Id: String(d.id), Document: JSON.stringify(d) })
  const T = 1_764_513_600
  const view = buildTrace({
    Id: '1-692c5740-000000000000000000000001',
    LimitExceeded: true,
    Segments: [
      doc({
        id: 's1',
        name: 'guildhall',
        start_time: T,
        in_progress: true,
        annotations: { node: 'node-a', room_id: 'r' },
      }),
      { Id: 'bad', Document: '{not json' },
      doc({
        id: 's1',
        name: 'guildhall',
        start_time: T,
        end_time: T + 0.01,
        annotations: { node: 'node-a', room_id: 'r' },
      }),
      doc({
        id: 'x',
        name: 'loop-x',
        start_time: T + 0.002,
        end_time: T + 0.003,
        parent_id: 'y',
        annotations: { node: 'node-b' },
      }),
      doc({
        id: 'y',
        name: 'loop-y',
        start_time: T + 0.004,
        end_time: T + 0.005,
        parent_id: 'x',
        annotations: { node: 'node-b' },
      }),
    ],
  })
  t.same(
    renderTrace(view),
    [
      'trace 1-692c5740-000000000000000000000001  10.0 ms  room r  messages -  incomplete (X-Ray trace size limit)  1 unreadable segment(s) skipped',
      '  node-a  guildhall  +0.0 ms  10.0 ms  ok',
      '  node-b  loop-x     +2.0 ms   1.0 ms  ok',
      '  node-b    loop-y   +4.0 ms   1.0 ms  ok',
    ],
    'the complete copy of a span kept; a loop shown from its earliest span',
  )
})
