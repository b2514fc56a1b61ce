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
