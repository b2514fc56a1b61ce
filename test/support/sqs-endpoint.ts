/**
 * A local SQS for tests: an HTTP server that speaks the AWS JSON 1.0 protocol the real
 * `@aws-sdk/client-sqs` (3.1175) uses: `POST /` with `X-Amz-Target: AmazonSQS.<Action>`,
 * `Content-Type: application/x-amz-json-1.0`, JSON bodies with the model's member names
 * (QueueUrl, Entries, MaxNumberOfMessages...). Errors are answered as SQS answers them in its
 * query-compatible mode: HTTP 400 (or the model's status), `{"__type":"com.amazonaws.sqs#<Name>",
 * "message"}` and `x-amzn-query-error: <query code>;Sender`, so the SDK throws its named
 * exception classes (QueueDoesNotExist, RequestThrottled, ...) and retries what it retries on
 * AWS (500s, RequestThrottled). Answers carry the MD5 of each body, which the SDK checks.
 *
 * Point the SDK at it with `AWS_ENDPOINT_URL_SQS=<url>` (a child process) or
 * `new SQSClient({endpoint: url, region, credentials})`. No signature is checked.
 *
 * What it implements: CreateQueue, GetQueueUrl, GetQueueAttributes, ListQueues, PurgeQueue,
 * SendMessage, SendMessageBatch (entry-level failures), ReceiveMessage (long polling with
 * WaitTimeSeconds, MaxNumberOfMessages, VisibilityTimeout, MessageSystemAttributeNames or the
 * older AttributeNames incl. ApproximateReceiveCount, MessageAttributeNames;
 * ReceiveRequestAttemptId is ignored), DeleteMessage(Batch), ChangeMessageVisibility(Batch).
 * - FIFO queues (name ending in `.fifo`, `FifoQueue: 'true'`): MessageGroupId required, a
 *   group's messages are received in send order and a group with a message in flight gives
 *   nothing more until it is deleted or visible again; MessageDeduplicationId (or
 *   ContentBasedDeduplication) deduplicates for 5 minutes: a duplicate is accepted, answered
 *   with the first one's MessageId, and not enqueued.
 * - Redrive: `createQueue(name, {redrive: {dlq, maxReceiveCount}})` (or a RedrivePolicy
 *   attribute): a message received maxReceiveCount times that becomes visible again moves to the
 *   DLQ on the next receive (as SQS does), keeping its MessageId and body.
 * - Bodies with characters SQS refuses (U+FFFE, U+FFFF, lone surrogates, most controls) are
 *   refused with InvalidMessageContents.
 * - Limits: a body or a batch at most `maxMessageBytes` (256 KiB by default, the limit the
 *   events publisher is written for), at most 10 entries a batch, distinct entry ids.
 *
 * Test handles: `calls` records every request (action, queue name, input, HTTP status);
 * `sent(name)` every message a queue accepted, in order, also after deletion (what a consumer
 * would have seen); `messages(name)` what is in the queue now (visible or in flight);
 * `waitForSent(name, n)` resolves once n were accepted, `waitForCall(pred)` once a call
 * matching pred arrived. Fault injection (`faults`):
 * `failNext(n, {kind, action})` answers the next n matching calls with a 500 (`kind:
 * 'server'`, the default) or a RequestThrottled (`'throttle'`) without doing anything (each SDK
 * retry is a call of its own); `failEntries(pred)` fails the batch entries it matches
 * (SendMessageBatch's Failed list, code InternalError, SenderFault false) until cleared;
 * `hang(action?)` holds matching calls unanswered; `release({process})` then answers them
 * (`process: true`: as if they arrived late) or drops their connections (default: they never
 * took effect); `clear()` removes every fault.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const ACCOUNT = '000000000000'
const REGION = 'us-east-1'
const DEDUP_WINDOW_MS = 5 * 60_000
const MAX_BATCH_ENTRIES = 10

export interface SqsMessage {
  messageId: string
  body: string
  groupId?: string
  dedupId?: string
  sequenceNumber?: string
  messageAttributes?: Record<string, unknown>
  sentAt: number
  receiveCount: number
  firstReceivedAt?: number
  /** Epoch ms before which nobody receives it (in flight while > now). */
  visibleAt: number
  /** The receipt handle of its latest receive. */
  receipt?: string
}

export interface SqsCall {
  action: string
  /** The queue's name, when the call names one. */
  queue?: string
  input: Record<string, unknown>
  status: number
  /** The error's name when the call failed as a whole. */
  error?: string
}

export interface QueueOptions {
  fifo?: boolean
  redrive?: { dlq: string; maxReceiveCount: number }
  visibilityTimeoutSeconds?: number
  contentBasedDeduplication?: boolean
}

export interface BatchEntry {
  Id: string
  MessageBody: string
  MessageGroupId?: string
  MessageDeduplicationId?: string
}

export interface SqsFaults {
  failNext(n: number, opts?: { kind?: 'server' | 'throttle'; action?: string }): void
  failEntries(pred: (entry: BatchEntry, queue: string) => boolean): void
  hang(action?: string): void
  /** How many calls are held by `hang` now. */
  held(): number
  release(opts?: { process?: boolean }): void
  clear(): void
}

export interface SqsEndpoint {
  /** `http://127.0.0.1:<port>` (AWS_ENDPOINT_URL_SQS). */
  url: string
  queueUrl(name: string): string
  createQueue(name: string, opts?: QueueOptions): string
  messages(name: string): SqsMessage[]
  sent(name: string): SqsMessage[]
  waitForSent(name: string, n: number): Promise<SqsMessage[]>
  /** Resolves with the first call (already recorded or later) that `pred` matches. */
  waitForCall(pred: (call: SqsCall) => boolean): Promise<SqsCall>
  calls: SqsCall[]
  faults: SqsFaults
  close(): Promise<void>
}

interface Queue {
  name: string
  fifo: boolean
  contentBasedDedup: boolean
  visibilityTimeoutSeconds: number
  waitSeconds: number
  redrive?: { dlq: string; maxReceiveCount: number }
  messages: SqsMessage[]
  sent: SqsMessage[]
  dedup: Map<string, { messageId: string; sequenceNumber: string; until: number }>
}

class SqsError extends Error {
  readonly type: string
  readonly queryCode: string
  readonly status: number
  constructor(type: string, queryCode: string, message: string, status = 400) {
    super(message)
    this.type = type
    this.queryCode = queryCode
    this.status = status
  }
}

const errors = {
  noQueue: () =>
    new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.'),
  invalid: (message: string) => new SqsError('InvalidParameterValue', 'InvalidParameterValue', message),
  missing: (message: string) => new SqsError('MissingParameter', 'MissingParameter', message),
  tooMany: () =>
    new SqsError(
      'TooManyEntriesInBatchRequest',
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}.`,
    ),
  empty: () =>
    new SqsError(
      'EmptyBatchRequest',
      'AWS.SimpleQueueService.EmptyBatchRequest',
      'There should be at least one entry.',
    ),
  notDistinct: () =>
    new SqsError(
      'BatchEntryIdsNotDistinct',
      'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      'Entry ids must be distinct.',
    ),
  batchTooLong: (n: number) =>
    new SqsError(
      'BatchRequestTooLong',
      'AWS.SimpleQueueService.BatchRequestTooLong',
      `Batch requests total ${n} bytes.`,
    ),
  receipt: () =>
    new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 'The receipt handle is not valid.', 404),
  notInflight: () =>
    new SqsError('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 'The message is not in flight.'),
  contents: () =>
    new SqsError('InvalidMessageContents', 'InvalidMessageContents', 'Invalid characters found in the message body.'),
  throttled: () => new SqsError('RequestThrottled', 'RequestThrottled', 'Rate exceeded.'),
  unsupported: (action: string) =>
    new SqsError(
      'UnsupportedOperation',
      'AWS.SimpleQueueService.UnsupportedOperation',
      `${action} is not supported here.`,
    ),
}

/** The characters SQS accepts in a body (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF). */
const allowedChars = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex')
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

export async function startSqsEndpoint(opts: { maxMessageBytes?: number } = {}): Promise<SqsEndpoint> {
  const maxMessageBytes = opts.maxMessageBytes ?? 256 * 1024
  const queues = new Map<string, Queue>()
  const calls: SqsCall[] = []
  const changed = new Set<() => void>()
  const notify = () => {
    for (const f of [...changed]) f()
  }
  let url = ''
  let sequence = 0n
  let closing = false

  let failures: { n: number; kind: 'server' | 'throttle'; action?: string }[] = []
  let entryFault: ((entry: BatchEntry, queue: string) => boolean) | undefined
  let hangs: { action?: string } | undefined
  let heldCalls: { run: () => void; drop: () => void }[] = []

  const queueUrl = (name: string) => `${url}/${ACCOUNT}/${name}`
  const arnOf = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`

  function createQueue(name: string, o: QueueOptions = {}): string {
    const existing = queues.get(name)
    if (existing) return queueUrl(name)
    const fifo = o.fifo ?? name.endsWith('.fifo')
    if (fifo !== name.endsWith('.fifo')) throw errors.invalid('A FIFO queue name must end with .fifo.')
    const q: Queue = {
      name,
      fifo,
      contentBasedDedup: o.contentBasedDeduplication ?? false,
      visibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? 30,
      waitSeconds: 0,
      messages: [],
      sent: [],
      dedup: new Map(),
    }
    if (o.redrive) q.redrive = o.redrive
    queues.set(name, q)
    return queueUrl(name)
  }

  function queueOf(input: Record<string, unknown>): Queue {
    const u = input.QueueUrl
    if (typeof u !== 'string') throw errors.missing('QueueUrl is required.')
    const name = u.split('/').pop() ?? ''
    const q = queues.get(name)
    if (!q) throw errors.noQueue()
    return q
  }

  function enqueue(
    q: Queue,
    e: {
      MessageBody?: unknown
      MessageGroupId?: unknown
      MessageDeduplicationId?: unknown
      MessageAttributes?: unknown
    },
  ) {
    const body = e.MessageBody
    if (typeof body !== 'string' || body.length === 0) throw errors.missing('MessageBody is required.')
    if (bytes(body) > maxMessageBytes) throw errors.invalid(`Message must be shorter than ${maxMessageBytes} bytes.`)
    if (!allowedChars.test(body)) throw errors.contents()
    const now = Date.now()
    const msg: SqsMessage = { messageId: randomUUID(), body, sentAt: now, receiveCount: 0, visibleAt: now }
    if (e.MessageAttributes && typeof e.MessageAttributes === 'object') {
      msg.messageAttributes = e.MessageAttributes as Record<string, unknown>
    }
    if (q.fifo) {
      if (typeof e.MessageGroupId !== 'string') throw errors.missing('MessageGroupId is required for a FIFO queue.')
      const dedupId =
        typeof e.MessageDeduplicationId === 'string'
          ? e.MessageDeduplicationId
          : q.contentBasedDedup
            ? createHash('sha256').update(body).digest('hex')
            : undefined
      if (dedupId === undefined)
        throw errors.invalid(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly.',
        )
      const seen = q.dedup.get(dedupId)
      if (seen && seen.until > now) {
        return { MessageId: seen.messageId, MD5OfMessageBody: md5(body), SequenceNumber: seen.sequenceNumber }
      }
      sequence += 1n
      msg.groupId = e.MessageGroupId
      msg.dedupId = dedupId
      msg.sequenceNumber = sequence.toString().padStart(20, '0')
      q.dedup.set(dedupId, {
        messageId: msg.messageId,
        sequenceNumber: msg.sequenceNumber,
        until: now + DEDUP_WINDOW_MS,
      })
    }
    q.messages.push(msg)
    q.sent.push(msg)
    notify()
    return {
      MessageId: msg.messageId,
      MD5OfMessageBody: md5(body),
      ...(msg.sequenceNumber ? { SequenceNumber: msg.sequenceNumber } : {}),
    }
  }

  function entriesOf(input: Record<string, unknown>): Record<string, unknown>[] {
    const entries = input.Entries
    if (!Array.isArray(entries) || entries.length === 0) throw errors.empty()
    if (entries.length > MAX_BATCH_ENTRIES) throw errors.tooMany()
    if (new Set(entries.map((e) => e.Id)).size !== entries.length) throw errors.notDistinct()
    return entries
  }

  function batchFailure(id: unknown, e: unknown) {
    const err = e instanceof SqsError ? e : new SqsError('InternalError', 'InternalError', String(e), 500)
    return { Id: id, SenderFault: err.status < 500, Code: err.type, Message: err.message }
  }

  function sendBatch(q: Queue, input: Record<string, unknown>) {
    const entries = entriesOf(input)
    const total = entries.reduce((n, e) => n + (typeof e.MessageBody === 'string' ? bytes(e.MessageBody) : 0), 0)
    if (total > maxMessageBytes) throw errors.batchTooLong(total)
    const Successful: unknown[] = []
    const Failed: unknown[] = []
    for (const e of entries) {
      if (entryFault?.(e as unknown as BatchEntry, q.name)) {
        Failed.push({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'Injected entry failure.' })
        continue
      }
      try {
        Successful.push({ Id: e.Id, ...enqueue(q, e) })
      } catch (err) {
        Failed.push(batchFailure(e.Id, err))
      }
    }
    return { Successful, Failed }
  }

  /** Visible messages to hand out now, moving the over-received ones to the DLQ first. */
  function take(q: Queue, max: number): SqsMessage[] {
    const now = Date.now()
    if (q.redrive) {
      const { dlq, maxReceiveCount } = q.redrive
      const target = queues.get(dlq)
      for (const m of [...q.messages]) {
        if (m.visibleAt <= now && m.receiveCount >= maxReceiveCount && target) {
          q.messages.splice(q.messages.indexOf(m), 1)
          const moved: SqsMessage = { ...m, receiveCount: 0, visibleAt: now }
          delete moved.receipt
          delete moved.firstReceivedAt
          target.messages.push(moved)
          target.sent.push(moved)
        }
      }
    }
    const blocked = new Set<string>()
    if (q.fifo) for (const m of q.messages) if (m.visibleAt > now && m.groupId) blocked.add(m.groupId)
    const out: SqsMessage[] = []
    for (const m of q.messages) {
      if (out.length >= max) break
      if (m.visibleAt > now) continue
      if (m.groupId && blocked.has(m.groupId)) continue
      out.push(m)
    }
    return out
  }

  async function receive(q: Queue, input: Record<string, unknown>, req: IncomingMessage) {
    const max = Number(input.MaxNumberOfMessages ?? 1)
    if (!(max >= 1 && max <= 10)) throw errors.invalid('MaxNumberOfMessages must be between 1 and 10.')
    const visibility = Number(input.VisibilityTimeout ?? q.visibilityTimeoutSeconds)
    const wait = Number(input.WaitTimeSeconds ?? q.waitSeconds)
    const deadline = Date.now() + wait * 1000
    let got = take(q, max)
    let gone = false
    req.socket.once('close', () => {
      gone = true
    })
    while (got.length === 0 && Date.now() < deadline && !closing && !gone) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          changed.delete(wake)
          clearTimeout(timer)
          resolve()
        }
        // Visibility timeouts expire without a call: look again at least every 50 ms.
        const timer = setTimeout(wake, Math.min(50, Math.max(0, deadline - Date.now())))
        changed.add(wake)
      })
      got = take(q, max)
    }
    const now = Date.now()
    const names = new Set<string>([
      ...((input.MessageSystemAttributeNames as string[] | undefined) ?? []),
      ...((input.AttributeNames as string[] | undefined) ?? []),
    ])
    const all = names.has('All')
    const attrNames = new Set((input.MessageAttributeNames as string[] | undefined) ?? [])
    const Messages = got.map((m) => {
      m.receiveCount += 1
      m.firstReceivedAt ??= now
      m.visibleAt = now + visibility * 1000
      m.receipt = `${m.messageId}#${randomUUID()}`
      const system: Record<string, string | undefined> = {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
        SenderId: 'AIDAGUILDHALLTEST',
        MessageGroupId: m.groupId,
        MessageDeduplicationId: m.dedupId,
        SequenceNumber: m.sequenceNumber,
      }
      const Attributes: Record<string, string> = {}
      for (const [k, v] of Object.entries(system)) if (v !== undefined && (all || names.has(k))) Attributes[k] = v
      const out: Record<string, unknown> = {
        MessageId: m.messageId,
        ReceiptHandle: m.receipt,
        MD5OfBody: md5(m.body),
        Body: m.body,
      }
      if (Object.keys(Attributes).length > 0) out.Attributes = Attributes
      if (m.messageAttributes && attrNames.size > 0) {
        const picked = Object.fromEntries(
          Object.entries(m.messageAttributes).filter(([k]) => attrNames.has('All') || attrNames.has(k)),
        )
        if (Object.keys(picked).length > 0) out.MessageAttributes = picked
      }
      return out
    })
    return Messages.length > 0 ? { Messages } : {}
  }

  function byReceipt(q: Queue, handle: unknown): SqsMessage | undefined {
    if (typeof handle !== 'string' || !handle.includes('#')) throw errors.receipt()
    const id = handle.split('#')[0]
    // A handle of a message already deleted is accepted (SQS answers success for it too).
    return q.messages.find((m) => m.messageId === id)
  }

  function remove(q: Queue, handle: unknown) {
    const m = byReceipt(q, handle)
    if (m) q.messages.splice(q.messages.indexOf(m), 1)
    notify()
  }

  function changeVisibility(q: Queue, handle: unknown, seconds: unknown) {
    const m = byReceipt(q, handle)
    if (!m || m.receipt !== handle || m.visibleAt <= Date.now()) throw errors.notInflight()
    m.visibleAt = Date.now() + Number(seconds) * 1000
    notify()
  }

  function perEntry(input: Record<string, unknown>, f: (e: Record<string, unknown>) => void) {
    const Successful: unknown[] = []
    const Failed: unknown[] = []
    for (const e of entriesOf(input)) {
      try {
        f(e)
        Successful.push({ Id: e.Id })
      } catch (err) {
        Failed.push(batchFailure(e.Id, err))
      }
    }
    return { Successful, Failed }
  }

  function attributesOf(q: Queue, wanted: string[]): Record<string, string> {
    const now = Date.now()
    const all: Record<string, string> = {
      QueueArn: arnOf(q.name),
      ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(q.messages.filter((m) => m.visibleAt > now).length),
      VisibilityTimeout: String(q.visibilityTimeoutSeconds),
      ReceiveMessageWaitTimeSeconds: String(q.waitSeconds),
      MaximumMessageSize: String(maxMessageBytes),
      FifoQueue: String(q.fifo),
    }
    if (q.fifo) all.ContentBasedDeduplication = String(q.contentBasedDedup)
    if (q.redrive) {
      all.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: arnOf(q.redrive.dlq),
        maxReceiveCount: q.redrive.maxReceiveCount,
      })
    }
    if (wanted.includes('All')) return all
    return Object.fromEntries(Object.entries(all).filter(([k]) => wanted.includes(k)))
  }

  function createFromApi(input: Record<string, unknown>) {
    const name = input.QueueName
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) {
      throw errors.invalid('Invalid queue name.')
    }
    const a = (input.Attributes ?? {}) as Record<string, string>
    const o: QueueOptions = { fifo: a.FifoQueue === 'true' }
    if (a.VisibilityTimeout) o.visibilityTimeoutSeconds = Number(a.VisibilityTimeout)
    if (a.ContentBasedDeduplication) o.contentBasedDeduplication = a.ContentBasedDeduplication === 'true'
    if (a.RedrivePolicy) {
      const p = JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number | string }
      o.redrive = { dlq: p.deadLetterTargetArn.split(':').pop() ?? '', maxReceiveCount: Number(p.maxReceiveCount) }
    }
    const QueueUrl = createQueue(name, o)
    const q = queues.get(name)
    if (q && a.ReceiveMessageWaitTimeSeconds) q.waitSeconds = Number(a.ReceiveMessageWaitTimeSeconds)
    return { QueueUrl }
  }

  async function dispatch(action: string, input: Record<string, unknown>, req: IncomingMessage): Promise<unknown> {
    switch (action) {
      case 'CreateQueue':
        return createFromApi(input)
      case 'GetQueueUrl': {
        const name = String(input.QueueName)
        if (!queues.has(name)) throw errors.noQueue()
        return { QueueUrl: queueUrl(name) }
      }
      case 'ListQueues':
        return { QueueUrls: [...queues.keys()].map(queueUrl) }
      case 'GetQueueAttributes':
        return {
          Attributes: attributesOf(queueOf(input), (input.AttributeNames as string[] | undefined) ?? ['All']),
        }
      case 'PurgeQueue':
        queueOf(input).messages.length = 0
        return {}
      case 'SendMessage':
        return enqueue(queueOf(input), input)
      case 'SendMessageBatch':
        return sendBatch(queueOf(input), input)
      case 'ReceiveMessage':
        return receive(queueOf(input), input, req)
      case 'DeleteMessage':
        remove(queueOf(input), input.ReceiptHandle)
        return {}
      case 'DeleteMessageBatch': {
        const q = queueOf(input)
        return perEntry(input, (e) => remove(q, e.ReceiptHandle))
      }
      case 'ChangeMessageVisibility':
        changeVisibility(queueOf(input), input.ReceiptHandle, input.VisibilityTimeout)
        return {}
      case 'ChangeMessageVisibilityBatch': {
        const q = queueOf(input)
        return perEntry(input, (e) => changeVisibility(q, e.ReceiptHandle, e.VisibilityTimeout))
      }
      default:
        throw errors.unsupported(action)
    }
  }

  function answer(
    res: ServerResponse,
    call: SqsCall,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    call.status = status
    if (res.destroyed) return
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
      ...headers,
    })
    res.end(JSON.stringify(body))
  }

  function fail(res: ServerResponse, call: SqsCall, err: SqsError) {
    call.error = err.type
    answer(
      res,
      call,
      err.status,
      { __type: `com.amazonaws.sqs#${err.type}`, message: err.message },
      {
        'x-amzn-query-error': `${err.queryCode};${err.status < 500 ? 'Sender' : 'Receiver'}`,
      },
    )
  }

  async function handle(call: SqsCall, input: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) {
    const failure = failures.find((f) => f.n > 0 && (!f.action || f.action === call.action))
    if (failure) {
      failure.n -= 1
      failures = failures.filter((f) => f.n > 0)
      if (failure.kind === 'throttle') return fail(res, call, errors.throttled())
      return fail(res, call, new SqsError('InternalError', 'InternalError', 'Injected failure.', 500))
    }
    try {
      answer(res, call, 200, await dispatch(call.action, input, req))
    } catch (err) {
      if (err instanceof SqsError) return fail(res, call, err)
      fail(res, call, new SqsError('InternalError', 'InternalError', String(err), 500))
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '')
      const action = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : target
      let input: Record<string, unknown> = {}
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
      } catch {
        input = {}
      }
      const name =
        typeof input.QueueUrl === 'string'
          ? input.QueueUrl.split('/').pop()
          : typeof input.QueueName === 'string'
            ? input.QueueName
            : undefined
      const call: SqsCall = { action, input, status: 0, ...(name ? { queue: name } : {}) }
      calls.push(call)
      notify()
      const run = () => void handle(call, input, req, res)
      if (hangs && (!hangs.action || hangs.action === action)) {
        heldCalls.push({ run, drop: () => res.destroy() })
        return
      }
      run()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const named = (name: string) => {
    const q = queues.get(name)
    if (!q) throw new Error(`no queue ${name}`)
    return q
  }

  return {
    url,
    queueUrl,
    createQueue,
    messages: (name) => [...named(name).messages],
    sent: (name) => [...named(name).sent],
    waitForSent: (name, n) =>
      new Promise((resolve) => {
        const check = () => {
          const s = named(name).sent
          if (s.length < n) return
          changed.delete(check)
          resolve([...s])
        }
        changed.add(check)
        check()
      }),
    waitForCall: (pred) =>
      new Promise((resolve) => {
        const check = () => {
          const found = calls.find(pred)
          if (!found) return
          changed.delete(check)
          resolve(found)
        }
        changed.add(check)
        check()
      }),
    calls,
    faults: {
      failNext: (n, o = {}) => {
        failures.push({ n, kind: o.kind ?? 'server', ...(o.action ? { action: o.action } : {}) })
      },
      failEntries: (pred) => {
        entryFault = pred
      },
      hang: (action) => {
        hangs = action ? { action } : {}
      },
      held: () => heldCalls.length,
      release: (o = {}) => {
        hangs = undefined
        const held = heldCalls
        heldCalls = []
        for (const h of held) o.process ? h.run() : h.drop()
      },
      clear: () => {
        failures = []
        entryFault = undefined
        hangs = undefined
        const held = heldCalls
        heldCalls = []
        for (const h of held) h.drop()
      },
    },
    close: async () => {
      closing = true
      notify()
      for (const h of heldCalls.splice(0)) h.drop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
