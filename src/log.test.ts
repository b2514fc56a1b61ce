import t from 'tap'
import { createJsonLogger } from './log.ts'

t.test('one JSON object per line, with level, event, base fields and errors by name and message', async (t) => {
  const lines: string[] = []
  const log = createJsonLogger({ write: (l) => lines.push(l), base: { node: 'n1' }, now: () => 0 })
  log.info('ws_open', { userId: 'alice' })
  log.error('http_error', { error: new TypeError('boom') })
  t.same(
    lines.map((l) => JSON.parse(l)),
    [
      { ts: '1970-01-01T00:00:00.000Z', level: 'info', event: 'ws_open', node: 'n1', userId: 'alice' },
      {
        ts: '1970-01-01T00:00:00.000Z',
        level: 'error',
        event: 'http_error',
        node: 'n1',
        error: { name: 'TypeError', message: 'boom' },
      },
    ],
  )
  t.notOk(lines.some((l) => l.includes('\n')))
})

t.test('a field that cannot be serialized does not cost the line', async (t) => {
  const lines: string[] = []
  const log = createJsonLogger({ write: (l) => lines.push(l) })
  log.warn('odd', { big: 1n })
  t.match(JSON.parse(lines[0]!), { level: 'warn', event: 'odd', unserializable: true })
})

t.test(
  'lines parse as the merged record: base then fields, a nested Error by name, no fields, a later key wins',
  async (t) => {
    const lines: string[] = []
    const log = createJsonLogger({ write: (l) => lines.push(l), base: { node: 'n1' }, now: () => 0 })
    log.info('a')
    log.info('b', {})
    log.warn('c', { detail: { error: new RangeError('deep') }, n: 1, s: 'x"y' })
    log.info('d', { node: 'n2' })
    const ts = '1970-01-01T00:00:00.000Z'
    t.same(
      lines.map((l) => JSON.parse(l)),
      [
        { ts, level: 'info', event: 'a', node: 'n1' },
        { ts, level: 'info', event: 'b', node: 'n1' },
        {
          ts,
          level: 'warn',
          event: 'c',
          node: 'n1',
          detail: { error: { name: 'RangeError', message: 'deep' } },
          n: 1,
          s: 'x"y',
        },
        { ts, level: 'info', event: 'd', node: 'n2' },
      ],
    )
  },
)

t.test('lines logged in the same millisecond format the timestamp once', async (t) => {
  let formatted = 0
  const toISOString = Date.prototype.toISOString
  Date.prototype.toISOString = function (this: Date) {
    formatted++
    return toISOString.call(this)
  }
  t.teardown(() => {
    Date.prototype.toISOString = toISOString
  })
  let ms = 5
  const lines: string[] = []
  const log = createJsonLogger({ write: (l) => lines.push(l), now: () => ms })
  for (let i = 0; i < 100; i++) log.info('ws_open', { userId: 'u', room: null })
  ms = 6
  log.info('ws_close', { userId: 'u', room: null, code: 1000 })
  t.equal(formatted, 2)
  t.equal(JSON.parse(lines[100]!).ts, '1970-01-01T00:00:00.006Z')
})
