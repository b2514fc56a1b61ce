// The room core's decisions, called directly with explicit time and compared as whole effect
// lists: each test kills mutants that `npm run mutation` found surviving in
// actors/core/room-core.ts (docs/guarantees.md "Test strength").
import t from 'tap'
import type { Effect } from '../../actors/core/effects.ts'
import { RoomCore } from '../../actors/core/room-core.ts'
import { UserQuotas } from '../../actors/core/user-quota.ts'
import { resolveLimits, type Limits } from '../../actors/limits.ts'
import type { StoredMessage } from '../../actors/store.ts'

const msg = (seq: number): StoredMessage => ({
  id: `m${seq}`,
  seq,
  roomId: 'r',
  senderId: 'u',
  text: `t${seq}`,
  ts: seq,
  clientId: `c${seq}`,
})
const wire = (seq: number) => ({ id: `m${seq}`, seq, roomId: 'r', senderId: 'u', text: `t${seq}`, ts: seq })

/** A room whose store holds messages 1..`seq`, all in the recent buffer. */
function room(seq = 0, limits: Partial<Limits> = {}) {
  const l = resolveLimits(limits)
  const stored = Array.from({ length: seq }, (_, i) => msg(i + 1))
  let ids = 100
  const core = new RoomCore(
    'r',
    { seq, lastTs: seq, recent: stored, idempotent: [] },
    l,
    () => `m${++ids}`,
    new UserQuotas(l, () => true),
  )
  return core
}

function run(f: (out: Effect[]) => void): Effect[] {
  const out: Effect[] = []
  f(out)
  return out
}

t.test('history from the buffer: the newest page, `more` when older ones exist; `after` pages forward', async (t) => {
  const core = room(5)
  t.same(
    run((out) => core.history(1, undefined, 2, out)),
    [{ kind: 'send', to: 1, frame: { type: 'history', room: 'r', messages: [wire(4), wire(5)], more: true } }],
  )
  t.same(
    run((out) => core.history(1, 3, 5, out)),
    [{ kind: 'send', to: 1, frame: { type: 'history', room: 'r', messages: [wire(1), wire(2)], more: false } }],
  )
  t.same(core.historyFromBuffer({ after: 1, limit: 2 }), { messages: [wire(2), wire(3)], more: true })
  t.same(core.historyFromBuffer({ after: 3, limit: 5 }), { messages: [wire(4), wire(5)], more: false })
  t.same(
    core.historyFromBuffer({ after: 3, limit: 2 }),
    { messages: [wire(4), wire(5)], more: false },
    'the last page exactly',
  )
  t.same(core.historyFromBuffer({ after: 9, limit: 5 }), { messages: [], more: false }, 'past the head: nothing')
  const small = room(5, { recentBufferSize: 2 })
  t.same(
    run((out) => small.history(1, undefined, 3, out)),
    [{ kind: 'loadHistory', to: 1, before: undefined, limit: 3 }],
  )
})

t.test('a stored batch enters the buffer; only a pending send asks for a flush', async (t) => {
  const core = room(2)
  t.same(run((out) => core.open(1, 'ann', 0, undefined, undefined, out)).length, 2, 'welcome and presence')
  t.notOk(core.isWriting())
  t.same(
    run((out) => core.send(1, { type: 'send', id: 'k', text: 'hi' }, 10, out)),
    [{ kind: 'flush' }],
  )
  t.same(
    core.cutBatch(10).map((m) => m.seq),
    [3],
  )
  t.ok(core.isWriting(), 'writing from the cut')
  t.throws(() => core.cutBatch(10), { message: 'a batch is already being written' })
  const stored = run((out) => core.batchStored(out))
  t.same(
    stored.map((e) => e.kind),
    ['broadcast', 'send'],
    'no flush: nothing waits',
  )
  t.notOk(core.isWriting())
  t.same(core.historyFromBuffer({ limit: 1 }), {
    messages: [{ id: 'm101', seq: 3, roomId: 'r', senderId: 'ann', text: 'hi', ts: 10 }],
    more: true,
  })
})

t.test('idle only with no connection, nothing pending and nothing in flight', async (t) => {
  const core = room()
  t.ok(core.isIdle())
  run((out) => core.open(1, 'ann', 0, undefined, undefined, out))
  t.notOk(core.isIdle(), 'a connection')
  run((out) => core.send(1, { type: 'send', id: 'k', text: 'hi' }, 0, out))
  run((out) => core.close(1, 0, out))
  t.notOk(core.isIdle(), 'a pending send')
  core.cutBatch(0)
  t.notOk(core.isIdle(), 'a write in flight')
  run((out) => core.batchStored(out))
  t.ok(core.isIdle())
})

t.test('a duplicate found by the store acks only its own send; the rest is numbered again', async (t) => {
  const core = room(4)
  run((out) => core.open(1, 'ann', 0, undefined, undefined, out))
  run((out) => core.send(1, { type: 'send', id: 'old', text: 'a' }, 10, out))
  run((out) => core.send(1, { type: 'send', id: 'new', text: 'b' }, 10, out))
  t.same(
    core.cutBatch(10).map((m) => [m.clientId, m.seq]),
    [
      ['old', 5],
      ['new', 6],
    ],
  )
  const original = { ...msg(2), senderId: 'ann', clientId: 'old' }
  t.same(
    run((out) => core.batchHadDuplicate('ann', 'old', original, out)),
    [
      {
        kind: 'send',
        to: 1,
        frame: { type: 'ack', room: 'r', id: 'old', seq: 2, messageId: 'm2' },
        original: true,
      },
      { kind: 'flush' },
    ],
  )
  t.same(
    core.cutBatch(11).map((m) => [m.clientId, m.seq]),
    [['new', 5]],
  )
})

t.test('read markers: a read not past the marker saves nothing; a save not past it announces nothing', async (t) => {
  const core = room(10)
  run((out) => core.open(1, 'ann', 5, undefined, undefined, out))
  t.same(
    run((out) => core.read(1, 5, out)),
    [],
    'at the marker',
  )
  t.same(
    run((out) => core.read(1, 4, out)),
    [],
    'behind it',
  )
  t.same(
    run((out) => core.read(1, 6, out)),
    [{ kind: 'saveRead', userId: 'ann', seq: 6 }],
  )
  t.same(
    run((out) => core.readSaved('ann', 5, out)),
    [],
    'the same seq again',
  )
  t.same(
    run((out) => core.readSaved('ann', 6, out)),
    [{ kind: 'broadcast', frame: { type: 'read', room: 'r', userId: 'ann', seq: 6 } }],
  )
  t.same(
    run((out) => core.read(1, 6, out)),
    [],
  )
  // A save that completes after the user left is announced but not kept: the next entry loads it.
  t.same(
    run((out) => core.readSaved('bob', 3, out)),
    [{ kind: 'broadcast', frame: { type: 'read', room: 'r', userId: 'bob', seq: 3 } }],
  )
  t.notOk(core.knowsMarker('bob'))
})

t.test("a second connection keeps the user's marker and typing; closing it changes neither", async (t) => {
  const core = room(10)
  run((out) => core.open(1, 'ann', 5, undefined, undefined, out))
  run((out) => core.open(2, 'bob', 0, undefined, undefined, out))
  run((out) => core.typingFrameIn(1, true, 0, out))
  const welcome = run((out) => core.open(3, 'ann', 0, undefined, undefined, out))
  t.same(
    welcome,
    [
      {
        kind: 'send',
        to: 3,
        frame: { type: 'welcome', room: 'r', user: 'ann', seq: 10, lastRead: 5, presence: ['ann', 'bob'], typing: [] },
      },
    ],
    'the marker already known wins over the 0 passed for a known user; one is not told one is typing',
  )
  t.same(
    run((out) => core.close(3, 0, out)),
    [],
    'ann still has a connection: no typing or presence change',
  )
  t.ok(core.knowsMarker('ann'))
  t.same(
    run((out) => core.close(2, 0, out)),
    [],
    'bob was not typing: no typing frame (and offline only after the grace)',
  )
})

t.test('the room bucket survives a reconnect unless it is full', async (t) => {
  const core = room(0, { sendBurst: 2, sendPerSecond: 1 })
  run((out) => core.open(1, 'ann', 0, undefined, undefined, out))
  run((out) => core.send(1, { type: 'send', id: 'a', text: 'x' }, 0, out))
  run((out) => core.send(1, { type: 'send', id: 'b', text: 'x' }, 0, out))
  run((out) => core.close(1, 0, out))
  run((out) => core.open(2, 'ann', 0, undefined, undefined, out))
  t.same(
    run((out) => core.send(2, { type: 'send', id: 'c', text: 'x' }, 0, out)),
    [
      {
        kind: 'refuse',
        to: 2,
        frame: {
          type: 'error',
          code: 'rate_limited',
          message: 'too many messages; retry later',
          room: 'r',
          ref: 'c',
          retryAfterMs: 1000,
        },
      },
    ],
    'no fresh bucket by reconnecting',
  )
})

t.test('refusals of a send name the reason', async (t) => {
  const core = room(0, { maxTextLength: 3 })
  run((out) => core.open(1, 'ann', 0, undefined, undefined, out))
  const empty = run((out) => core.send(1, { type: 'send', id: 'e', text: '' }, 0, out))
  t.same(empty, [
    {
      kind: 'refuse',
      to: 1,
      frame: { type: 'error', code: 'invalid_frame', message: 'text must not be empty', room: 'r', ref: 'e' },
    },
  ])
  const long = run((out) => core.send(1, { type: 'send', id: 'l', text: 'abcd' }, 0, out))
  t.same(long, [
    {
      kind: 'refuse',
      to: 1,
      frame: { type: 'error', code: 'too_long', message: 'text is over 3 characters', room: 'r', ref: 'l' },
    },
  ])
})
