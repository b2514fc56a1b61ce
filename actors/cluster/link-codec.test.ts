import t from 'tap'
import { decodeLink, encodeLink, LINK_MAX_ROOM_LENGTH } from './link-codec.ts'
import type { LinkHeader } from './link-frames.ts'

const payload = '{"type":"message","room":"lobby","seq":7,"text":"a\\nb"}'

/** One good header of every kind, with every optional field set (and its payload when it has one). */
const full: [LinkHeader, string | undefined][] = [
  [{ t: 'open', room: 'lobby', c: 1, user: 'alice', since: 0 }, undefined],
  [{ t: 'frame', room: 'lobby', c: 1 }, '{"type":"send","id":"m1","text":"hi"}'],
  [{ t: 'leave', room: 'lobby', c: 1 }, undefined],
  [{ t: 'to', room: 'lobby', c: 2, s: 7, d: true, a: 'm1', w: { seq: 7, recovered: false } }, payload],
  [{ t: 'b', room: 'GUILD#g1', ex: 'alice', s: 7, d: true }, payload],
  [{ t: 'opened', room: 'lobby', c: 3 }, undefined],
  [{ t: 'open_failed', room: 'lobby', c: 3, reason: 'moved' }, undefined],
  [{ t: 'refused', room: 'lobby', c: 3, code: 'too_long' }, undefined],
  [{ t: 'revoked', room: 'lobby', c: 3, reason: 'closed' }, undefined],
  [{ t: 'lost', room: 'lobby', c: 3, reason: 'room moved' }, undefined],
  [{ t: 'revoke', room: 'staff', user: 'bob' }, undefined],
  [{ t: 'close_room', room: 'staff' }, undefined],
  [{ t: 'leaving', node: 'task-1.a_b' }, undefined],
  [{ t: 'claimed', room: 'lobby', node: 'n2', epoch: 12 }, undefined],
  [
    { t: 'post', room: 'lobby', r: 4, user: 'system', u: true, tp: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    '{"type":"send","id":"p1","text":"hi"}',
  ],
  [{ t: 'mark', room: 'lobby', r: 5, user: 'alice', seq: 9 }, undefined],
  [{ t: 'done', room: 'lobby', r: 4, s: 7, m: 'b3c1-9f_A', o: true }, undefined],
  [{ t: 'op_failed', room: 'lobby', r: 4, code: 'rate_limited', ra: 180 }, undefined],
]

/** The same kinds with only their required fields. */
const minimal: [LinkHeader, string | undefined][] = [
  [{ t: 'open', room: 'r', c: 0, user: 'u' }, undefined],
  [{ t: 'to', room: 'r', c: 0 }, ''],
  [{ t: 'to', room: 'r', c: 0, w: { seq: 0 } }, '{}'],
  [{ t: 'b', room: 'r' }, ''],
  [{ t: 'post', room: 'r', r: 0, user: 'u' }, '{}'],
  [{ t: 'done', room: 'r', r: 0 }, undefined],
  [{ t: 'op_failed', room: 'r', r: 0, code: 'moved' }, undefined],
]

t.test('every kind round-trips, with its payload carried as is', async (t) => {
  for (const [header, body] of [...full, ...minimal]) {
    const data = encodeLink(header, body)
    t.same(
      decodeLink(data),
      { ok: true, message: body === undefined ? { header } : { header, payload: body } },
      header.t,
    )
  }
  t.equal(encodeLink({ t: 'b', room: 'r' }, 'x\ny'), '{"t":"b","room":"r"}\nx\ny', 'one newline, then the payload')
  t.equal(encodeLink({ t: 'leave', room: 'r', c: 1 }), '{"t":"leave","room":"r","c":1}', 'no payload, no newline')
  t.same(
    decodeLink('{"t":"b","room":"r"}\n\n\n'),
    { ok: true, message: { header: { t: 'b', room: 'r' }, payload: '\n\n' } },
    'only the first newline splits',
  )
})

t.test('the payload is required exactly for frame, to, b and post', async (t) => {
  for (const [header, body] of full) {
    const wrong = body === undefined ? encodeLink(header, 'x') : encodeLink(header)
    const result = decodeLink(wrong)
    t.equal(result.ok, false, header.t)
    if (!result.ok) t.match(result.error, body === undefined ? /unexpected payload/ : /payload missing/, header.t)
  }
})

t.test('headers that are not link headers', async (t) => {
  for (const data of [
    '',
    'nope',
    '[]',
    '5',
    'null',
    '"open"',
    '{}',
    '{"room":"r"}',
    '{"t":5,"room":"r"}',
    '{"t":"open"',
    '\n{"t":"b","room":"r"}',
  ]) {
    const result = decodeLink(data)
    t.equal(result.ok, false, JSON.stringify(data))
  }
  t.same(decodeLink('{"t":"hello","room":"r"}'), { ok: false, error: 'unknown kind "hello"' }, 'unknown t')
  t.same(
    decodeLink('{"t":"toString","room":"r"}'),
    { ok: false, error: 'unknown kind "toString"' },
    'no prototype tricks',
  )
  t.same(decodeLink('{"t":"__proto__","room":"r"}'), { ok: false, error: 'unknown kind "__proto__"' })
})

/** For each kind: one bad variant per field (wrong type, out of bounds, missing, extra). */
const bad: Record<string, Record<string, unknown>[]> = {
  open: [
    { room: 'r', c: 1 },
    { room: 'r', c: 1, user: '' },
    { room: 'r', c: 1, user: 'u'.repeat(129) },
    { room: 'r', c: 1, user: 5 },
    { room: 'r', c: 1, user: 'u', since: -1 },
    { room: 'r', c: 1, user: 'u', since: 1.5 },
    { room: 'r', c: 1, user: 'u', since: '3' },
    { room: 'r', c: 1, user: 'u', since: null },
    { room: 'r', c: 1, user: 'u', extra: 1 },
  ],
  frame: [{ room: 'r' }, { c: 1 }, { room: 'r', c: '1' }, { room: '', c: 1 }],
  leave: [{ room: 'r' }, { room: 'r', c: -1 }, { room: 'r', c: 2 ** 53 }],
  to: [
    { room: 'r' },
    { room: 'r', c: 1, s: -1 },
    { room: 'r', c: 1, d: false },
    { room: 'r', c: 1, d: 1 },
    { room: 'r', c: 1, a: '' },
    { room: 'r', c: 1, a: 'x'.repeat(257) },
    { room: 'r', c: 1, w: 5 },
    { room: 'r', c: 1, w: {} },
    { room: 'r', c: 1, w: { seq: 1, recovered: 'yes' } },
    { room: 'r', c: 1, w: { seq: 1, extra: true } },
    { room: 'r', c: 1, ex: 'u' },
  ],
  b: [
    {},
    { room: 'r', ex: '' },
    { room: 'r', ex: 5 },
    { room: 'r', s: 'x' },
    { room: 'r', d: false },
    { room: 'r', c: 1 },
  ],
  opened: [{ room: 'r' }, { room: 'r', c: Number.NaN }, { room: 5, c: 1 }],
  open_failed: [
    { room: 'r', c: 1 },
    { room: 'r', c: 1, reason: 'gone' },
    { room: 'r', c: 1, reason: 'Moved' },
  ],
  refused: [
    { room: 'r', c: 1 },
    { room: 'r', c: 1, code: 'nope' },
    { room: 'r', c: 1, code: 1 },
  ],
  revoked: [
    { room: 'r', c: 1 },
    { room: 'r', c: 1, reason: 'moved' },
  ],
  lost: [
    { room: 'r', c: 1 },
    { room: 'r', c: 1, reason: '' },
    { room: 'r', c: 1, reason: 'x'.repeat(201) },
    { room: 'r', c: 1, reason: 1 },
  ],
  revoke: [{ room: 'r' }, { user: 'u' }, { room: 'r', user: '' }, { room: 'r', user: 'u', c: 1 }],
  close_room: [{}, { room: 'x'.repeat(LINK_MAX_ROOM_LENGTH + 1) }, { room: ['r'] }],
  leaving: [{}, { node: '' }, { node: 'a b' }, { node: 'n'.repeat(65) }, { node: 'n/1' }],
  claimed: [
    { room: 'r', node: 'n' },
    { room: 'r', epoch: 1 },
    { room: 'r', node: 'n', epoch: -1 },
    { room: 'r', node: 'n', epoch: 0.5 },
    { room: 'r', node: 'n!', epoch: 1 },
  ],
  post: [
    { room: 'r', user: 'u' },
    { room: 'r', r: 1 },
    { room: 'r', r: -1, user: 'u' },
    { room: 'r', r: 1, user: '' },
    { room: 'r', r: 1, user: 'u', u: false },
    { room: 'r', r: 1, user: 'u', tp: 'x' },
    { room: 'r', r: 1, user: 'u', c: 1 },
  ],
  mark: [
    { room: 'r', r: 1, user: 'u' },
    { room: 'r', r: 1, user: 'u', seq: -1 },
    { room: 'r', r: 1, user: 'u', seq: '2' },
    { room: 'r', user: 'u', seq: 2 },
  ],
  done: [
    { room: 'r' },
    { room: 'r', r: 1, s: -1 },
    { room: 'r', r: 1, m: '' },
    { room: 'r', r: 1, m: 'x'.repeat(257) },
    { room: 'r', r: 1, o: false },
  ],
  op_failed: [
    { room: 'r', r: 1 },
    { room: 'r', r: 1, code: 'gone' },
    { room: 'r', r: 1, code: 'moved', ra: -5 },
    { room: 'r', r: 1, code: 'moved', ra: 1.5 },
  ],
}

t.test('every field of every kind is checked', async (t) => {
  t.same(Object.keys(bad).sort(), full.map(([h]) => h.t).sort(), 'every kind has bad cases')
  for (const [kind, cases] of Object.entries(bad)) {
    const needsPayload = kind === 'frame' || kind === 'to' || kind === 'b' || kind === 'post'
    for (const fields of cases) {
      const data = JSON.stringify({ t: kind, ...fields }) + (needsPayload ? '\n{}' : '')
      const result = decodeLink(data)
      t.equal(result.ok, false, data.slice(0, 120))
      if (!result.ok) t.match(result.error, new RegExp(`^${kind}: `), data.slice(0, 120))
    }
  }
})

t.test('bounds are inclusive: the longest valid values pass', async (t) => {
  const room = 'r'.repeat(LINK_MAX_ROOM_LENGTH)
  const user = '😀'.repeat(128)
  for (const header of [
    { t: 'open', room, c: Number.MAX_SAFE_INTEGER, user, since: Number.MAX_SAFE_INTEGER },
    { t: 'leaving', node: 'n'.repeat(64) },
    { t: 'lost', room, c: 0, reason: 'x'.repeat(200) },
  ] as LinkHeader[]) {
    t.equal(decodeLink(encodeLink(header)).ok, true, header.t)
  }
  t.equal(decodeLink(encodeLink({ t: 'open', room, c: 0, user: `${user}x` })).ok, false, 'user ids count code points')
})

t.test('errors name the kind and field, not the values', async (t) => {
  const result = decodeLink(JSON.stringify({ t: 'open', room: 'r', c: 1, user: 'secret-'.repeat(50) }))
  t.same(result, { ok: false, error: 'open: bad field user' })
})
