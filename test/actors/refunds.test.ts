// A send that is not stored, or was stored before, costs its sender nothing (docs/guarantees.md
// claims 3, 4 and 13): every bucket it was charged to gets its token back. Each test spends a
// whole bucket, has the store refuse (or find a duplicate), then spends the whole bucket again
// at the same virtual instant (no refill): a missing refund shows as whole refused sends.
import t from 'tap'
import { createWorld, type TestClient, type TestWorld } from '../../actors/testing.ts'
import type { Limits } from '../../actors/limits.ts'

// Refills so slow that no whole token comes back within these tests.
const slow = { sendPerSecond: 0.001, userSendPerSecond: 0.001, userSendBytesPerSecond: 0.001 }
// Each test makes one bucket the tight one; the others stay far above it.
const loose = { sendBurst: 1000, userSendBurst: 1000, userSendBytesBurst: 1_000_000 }
const text = 'ten bytes!' // 10 UTF-8 bytes

async function setup(limits: Partial<Limits>): Promise<{ world: TestWorld; ann: TestClient }> {
  const world = await createWorld({ limits: { ...loose, ...slow, ...limits } })
  return { world, ann: await world.connect('ann', { room: 'lobby' }) }
}

/** Sends `n` new messages at once; returns how many were acked and how many rate limited. */
async function burst(world: TestWorld, c: TestClient, prefix: string, n: number) {
  c.clear()
  for (let i = 0; i < n; i++) c.write({ type: 'send', id: `${prefix}${i}`, text })
  await world.settle()
  return {
    acked: c.frames('ack').length,
    limited: c.frames('error').filter((e) => e.code === 'rate_limited').length,
    unavailable: c.frames('error').filter((e) => e.code === 'unavailable').length,
  }
}

/** Every write fails while `fn` runs. */
async function failingWrites(world: TestWorld, fn: () => Promise<void>) {
  world.faults.failNext(1_000, 'append')
  await fn()
  world.faults.clear()
}

const buckets: [string, Partial<Limits>][] = [
  ['the room bucket (sendBurst)', { sendBurst: 5 }],
  ["the user's send quota (userSendBurst)", { userSendBurst: 5 }],
  ["the user's byte quota (userSendBytesBurst)", { userSendBytesBurst: 5 * text.length }],
]

for (const [bucket, limits] of buckets) {
  t.test(`a failed write refunds ${bucket}`, async (t) => {
    const { world, ann } = await setup(limits)
    await failingWrites(world, async () => {
      t.same(
        await burst(world, ann, 'f', 5),
        { acked: 0, limited: 0, unavailable: 5 },
        'a whole bucket, every write refused',
      )
    })
    t.same(
      await burst(world, ann, 'k', 6),
      { acked: 5, limited: 1, unavailable: 0 },
      'the whole bucket again, and no more',
    )
    t.same(
      (await world.host.history('lobby', {})).messages.map((m) => m.seq),
      [1, 2, 3, 4, 5],
    )
  })

  t.test(`a resend found only by the store (past the window) refunds ${bucket}`, async (t) => {
    const window = 1000
    const { world, ann } = await setup({ ...limits, idempotencyWindowMs: window, idleEvictMs: 1_000_000 })
    t.same(await burst(world, ann, 'k', 1), { acked: 1, limited: 0, unavailable: 0 })
    await world.advance(window + 1)
    // Charged (the window forgot k0), then the store rejects it as a duplicate: the original ack.
    ann.clear()
    ann.write({ type: 'send', id: 'k0', text })
    await world.settle()
    t.same(
      ann.frames().map((f) => [f.type, f.id, f.seq]),
      [['ack', 'k0', 1]],
      'the original ack, nothing broadcast',
    )
    t.same(
      await burst(world, ann, 'n', 5),
      { acked: 4, limited: 1, unavailable: 0 },
      'the rest of the bucket: one token used in all',
    )
    t.same(
      (await world.host.history('lobby', {})).messages.map((m) => m.seq),
      [1, 2, 3, 4, 5],
    )
  })
}

// A send refused by the byte quota was charged to the room bucket and the user's send count
// first: both come back. 41 bytes of quota: four 10-byte texts, then 1 byte left.
const short = 'x'
for (const [bucket, limits] of [
  ['the room bucket', { sendBurst: 5 }],
  ["the user's send quota", { userSendBurst: 5 }],
] as [string, Partial<Limits>][]) {
  t.test(`a send refused by the byte quota gives ${bucket} its token back`, async (t) => {
    const { world, ann } = await setup({ ...limits, userSendBytesBurst: 4 * text.length + 1 })
    t.same(
      await burst(world, ann, 'k', 5),
      { acked: 4, limited: 1, unavailable: 0 },
      'the fifth 10-byte text is over the byte quota',
    )
    ann.clear()
    ann.write({ type: 'send', id: 'short', text: short })
    await world.settle()
    t.same(
      ann
        .frames()
        .filter((f) => f.type !== 'message')
        .map((f) => [f.type, f.id ?? f.code]),
      [['ack', 'short']],
      `a 1-byte text: the byte left, and the token of ${bucket}`,
    )
  })
}

t.test(
  'a room creation that did not happen is refunded: the store failed, or the room appeared meanwhile',
  async (t) => {
    const world = await createWorld({ limits: { roomCreatesPerMinute: 1 } })
    const ann = await world.connect('ann')
    world.faults.failNext(1, 'createRoom')
    ann.write({ type: 'join', room: 'new0' })
    await world.settle()
    t.same(
      ann.frames().map((f) => [f.type, f.code, f.room]),
      [['error', 'unavailable', 'new0']],
    )
    // Created by someone else while ann's create-if-absent was on its way: ann created nothing.
    const release = world.faults.stall('createRoom')
    ann.clear()
    ann.write({ type: 'join', room: 'new1' })
    await world.settle()
    await world.instrumented.inner.putRoom({ roomId: 'new1', visibility: 'public' })
    release()
    await world.settle()
    t.same(
      ann.frames().map((f) => [f.type, f.room]),
      [['welcome', 'new1']],
    )
    ann.clear()
    ann.write({ type: 'join', room: 'new2' })
    ann.write({ type: 'join', room: 'new3' })
    await world.settle()
    t.same(
      ann.frames().map((f) => [f.type, f.code, f.room]),
      [
        ['welcome', undefined, 'new2'],
        ['error', 'rate_limited', 'new3'],
      ],
      'one creation per minute, spent only now',
    )
  },
)
