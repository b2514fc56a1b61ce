import t from 'tap'
import { codePointLength, parseClientFrame } from './frames.ts'

t.test('valid frames parse', async (t) => {
  for (const f of [
    { type: 'send', id: 'a', text: 'hi' },
    { type: 'typing', active: true },
    { type: 'read', seq: 3 },
    { type: 'history', before: 10, limit: 5 },
    { type: 'history' },
    { type: 'join', room: 'lobby', since: 0 },
    { type: 'leave', room: 'lobby' },
    { type: 'ping' },
    { type: 'send', id: 'a', text: 'x', extra: 'ignored' },
  ]) {
    const r = parseClientFrame(JSON.stringify(f))
    t.ok(r.ok, JSON.stringify(f))
  }
})

t.test('invalid frames are refused with a reason and the ref', async (t) => {
  const notJson = parseClientFrame('{nope')
  t.same(notJson, { ok: false, message: 'frame is not JSON' })
  const unknown = parseClientFrame('{"type":"dance"}')
  t.equal(unknown.ok, false)
  t.match(unknown, { message: /frame type/ })
  const badId = parseClientFrame(JSON.stringify({ type: 'send', id: '', text: 'x' }))
  t.match(badId, { ok: false, message: /id/ })
  const longId = parseClientFrame(JSON.stringify({ type: 'send', id: 'x'.repeat(65), text: 'x' }))
  t.equal(longId.ok, false)
  const noText = parseClientFrame(JSON.stringify({ type: 'send', id: 'k1' }))
  t.match(noText, { ok: false, ref: 'k1' })
  t.equal(parseClientFrame(JSON.stringify({ type: 'read', seq: -1 })).ok, false)
  t.equal(parseClientFrame(JSON.stringify({ type: 'read', seq: 1.5 })).ok, false)
  t.equal(parseClientFrame(JSON.stringify({ type: 'history', limit: 101 })).ok, false)
  t.equal(parseClientFrame('[]').ok, false)
  t.equal(parseClientFrame('null').ok, false)
  t.equal(parseClientFrame('"send"').ok, false)
})

t.test('code points, not UTF-16 units', async (t) => {
  t.equal(codePointLength('abc'), 3)
  t.equal(codePointLength('😀😀'), 2)
  t.equal(codePointLength('é'), 1)
  t.equal(codePointLength('\ud800'), 1)
})

t.test('send.id is counted in code points like text and sub: 64 emoji pass, 65 do not', async (t) => {
  const emoji = (n: number) => '😀'.repeat(n)
  t.ok(parseClientFrame(JSON.stringify({ type: 'send', id: emoji(33), text: 'x' })).ok, '33 emoji (66 UTF-16 units)')
  t.ok(parseClientFrame(JSON.stringify({ type: 'send', id: emoji(64), text: 'x' })).ok, '64 emoji')
  t.match(parseClientFrame(JSON.stringify({ type: 'send', id: emoji(65), text: 'x' })), { ok: false, message: /id/ })
  t.ok(parseClientFrame(JSON.stringify({ type: 'send', id: 'x'.repeat(64), text: 'x' })).ok)
})

t.test('the ref echo bound is 256 code points too', async (t) => {
  const id = '😀'.repeat(256)
  t.match(parseClientFrame(JSON.stringify({ type: 'send', id })), { ok: false, ref: id }, '256 emoji are echoed')
  t.notOk('ref' in parseClientFrame(JSON.stringify({ type: 'send', id: `${id}😀` })), '257 are not')
})
