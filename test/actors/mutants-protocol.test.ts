// The wire vocabulary's small functions at their edges: every error code's default message and
// whether it counts toward 1008, code points at every surrogate boundary, what a refusal echoes.
// Each kills mutants `npm run mutation` found surviving (docs/guarantees.md "Test strength").
import t from 'tap'
import { countsAsRefusal, errorCodes, errorFrame } from '../../actors/protocol/errors.ts'
import { codePointLength, parseClientFrame } from '../../actors/protocol/frames.ts'

t.test('every code has its default message and only the named fields', async (t) => {
  t.same(
    errorCodes.map((code) => errorFrame(code)),
    [
      { type: 'error', code: 'invalid_frame', message: 'the frame is not valid' },
      { type: 'error', code: 'too_long', message: 'the message text is too long' },
      { type: 'error', code: 'rate_limited', message: 'too many messages; retry later' },
      { type: 'error', code: 'limit_exceeded', message: 'a limit of this connection was reached' },
      { type: 'error', code: 'forbidden', message: 'you may not enter this room' },
      { type: 'error', code: 'not_found', message: 'no such room' },
      { type: 'error', code: 'not_joined', message: 'join the room first' },
      { type: 'error', code: 'invalid_room', message: 'not a valid room id' },
      {
        type: 'error',
        code: 'unavailable',
        message: 'storage could not take the message; nothing was stored, resend with the same id',
      },
      { type: 'error', code: 'internal', message: 'internal error' },
    ],
  )
  t.same(errorFrame('rate_limited', { room: 'r', ref: 'k', retryAfterMs: 5, message: 'm' }), {
    type: 'error',
    code: 'rate_limited',
    message: 'm',
    room: 'r',
    ref: 'k',
    retryAfterMs: 5,
  })
})

t.test("refusals that count toward 1008 are the client's mistakes only", async (t) => {
  t.same(errorCodes.filter(countsAsRefusal), [
    'invalid_frame',
    'too_long',
    'forbidden',
    'not_found',
    'not_joined',
    'invalid_room',
  ])
})

t.test('codePointLength agrees with the string iterator at every surrogate boundary', async (t) => {
  const samples = [
    '',
    'a',
    '\ud7ff',
    '\ue000',
    '\ud800\udc00',
    '\udbff\udfff',
    '\ud800',
    '\udbff',
    '\udc00',
    '\udfff',
    '\ud800a',
    '\ud800\ud800',
    '\ud800\ue000',
    '\ud7ff\udc00',
    '\ud800\udbff',
    'x\ud800',
    '\ud800\udc00\udc00',
  ]
  for (const s of samples) t.equal(codePointLength(s), [...s].length, JSON.stringify(s))
})

t.test('refusals echo a room of at most 200 code points, and say what is wrong', async (t) => {
  const room = 'r'.repeat(200)
  const refused = parseClientFrame(JSON.stringify({ type: 'read', seq: -1 }))
  t.same(parseClientFrame(JSON.stringify({ type: 'read', seq: -1, room })), { ...refused, room }, '200 are echoed')
  t.notOk('room' in parseClientFrame(JSON.stringify({ type: 'read', seq: -1, room: `${room}r` })), '201 are not echoed')
  t.same(parseClientFrame('{}'), { ok: false, message: 'unknown or missing frame type' })
  t.same(parseClientFrame('[]'), { ok: false, message: 'unknown or missing frame type' })
  t.same(parseClientFrame(JSON.stringify({ type: 'send', id: '', text: 'x' })), {
    ok: false,
    message: 'invalid field "id": id must be 1..64 characters',
    ref: '',
  })
  t.same(parseClientFrame(JSON.stringify({ type: 'read', seq: 'x' })).ok, false)
})
