import t from 'tap'
import type { LinkChannel } from '../../cluster/ports.ts'
import { ManualClock } from '../manual-clock.ts'
import { MemoryNetwork } from './memory-link.ts'
import { Rng } from './random.ts'

function setup(seed = 1, delays: { minDelayMs?: number; maxDelayMs?: number } = { minDelayMs: 1, maxDelayMs: 50 }) {
  const clock = new ManualClock(0)
  const rng = new Rng(seed)
  const net = new MemoryNetwork({ clock, random: () => rng.next(), ...delays })
  /** Runs virtual time until nothing is left to fire (letting promises settle in between). */
  const settle = async (): Promise<void> => {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve))
      const due = clock.nextDue()
      if (due === undefined) return
      clock.set(due)
    }
  }
  return { clock, net, settle }
}

function watch(channel: LinkChannel, clock: ManualClock) {
  const got: { data: string; at: number }[] = []
  let closes = 0
  let closedAt = -1
  channel.onMessage = (data) => got.push({ data, at: clock.now() })
  channel.onClose = () => {
    closes++
    closedAt = clock.now()
  }
  return {
    got,
    data: () => got.map((g) => g.data),
    closes: () => closes,
    closedAt: () => closedAt,
  }
}

/** Links node `a` to node `b`: both ends, watched. */
async function linked(s: ReturnType<typeof setup>, a = 'a', b = 'b') {
  const ta = s.net.transport(a, `${a}:8788`)
  const tb = s.net.transport(b, `${b}:8788`)
  let accepted: LinkChannel | undefined
  tb.onAccept = (c) => (accepted = c)
  const connecting = ta.connect(b, `${b}:8788`)
  await s.settle()
  const atA = await connecting
  return { ta, tb, atA, atB: accepted!, seenAtA: watch(atA, s.clock), seenAtB: watch(accepted!, s.clock) }
}

t.test('messages arrive after a random delay, in the order sent, both ways (FIFO per channel)', async (t) => {
  const s = setup(7)
  const { atA, atB, seenAtA, seenAtB } = await linked(s)
  t.same([atA.peer, atB.peer], ['b', 'a'], 'each side knows its peer')
  const start = s.clock.now()
  for (let i = 0; i < 200; i++) {
    atA.send(`a${i}`)
    atB.send(`b${i}`)
    if (i % 10 === 0) s.clock.set(s.clock.now() + 3)
  }
  await s.settle()
  t.same(
    seenAtB.data(),
    Array.from({ length: 200 }, (_, i) => `a${i}`),
  )
  t.same(
    seenAtA.data(),
    Array.from({ length: 200 }, (_, i) => `b${i}`),
  )
  const times = seenAtB.got.map((g) => g.at)
  t.ok(
    times.every((at, i) => i === 0 || at >= times[i - 1]!),
    'arrival times never go back',
  )
  t.ok(new Set(times).size > 10, 'delays vary')
  t.ok(times[0]! > start, 'nothing arrives synchronously')
  t.same([s.net.sent, s.net.delivered, s.net.dropped], [400, 400, 0])
})

t.test('the same seed gives the same schedule; another seed another one', async (t) => {
  const schedule = async (seed: number) => {
    const s = setup(seed)
    const { atA, seenAtB } = await linked(s)
    for (let i = 0; i < 50; i++) atA.send(`m${i}`)
    await s.settle()
    return seenAtB.got.map((g) => g.at)
  }
  t.same(await schedule(3), await schedule(3))
  t.notSame(await schedule(3), await schedule(4))
})

t.test('bufferedAmount is the UTF-8 bytes in flight', async (t) => {
  const s = setup(1, { minDelayMs: 10, maxDelayMs: 10 })
  const { atA } = await linked(s)
  t.equal(atA.bufferedAmount(), 0)
  atA.send('abc')
  atA.send('é😀')
  t.equal(atA.bufferedAmount(), 3 + 2 + 4)
  await s.settle()
  t.equal(atA.bufferedAmount(), 0)
})

t.test('connect fails to a wrong node, to nothing, and from a closed transport', async (t) => {
  const s = setup()
  const ta = s.net.transport('a', 'a:1')
  s.net.transport('c', 'c:1')
  const wrong = t.rejects(ta.connect('b', 'c:1'), /the node there is c/)
  const nothing = t.rejects(ta.connect('b', 'b:1'), /nothing listens there/)
  await s.settle()
  await wrong
  await nothing
  await ta.close()
  const closed = t.rejects(ta.connect('c', 'c:1'), /closed/)
  await s.settle()
  await closed
})

t.test('terminate: what was sent still arrives, then the close; the terminating side reads nothing more', async (t) => {
  const s = setup(2)
  const { atA, atB, seenAtA, seenAtB } = await linked(s)
  atA.send('one')
  atA.send('two')
  atB.send('lost: a terminated before it arrived')
  atA.terminate('test')
  t.equal(seenAtA.closes(), 0, 'onClose is never called inside terminate')
  atA.send('after terminate: dropped')
  atA.terminate('again: no-op')
  await s.settle()
  t.same(seenAtB.data(), ['one', 'two'])
  t.ok(seenAtB.closedAt() >= seenAtB.got[1]!.at, 'the close comes after the last message')
  t.same(seenAtA.data(), [])
  t.same([seenAtA.closes(), seenAtB.closes()], [1, 1], 'onClose once on each side')
  atB.send('to a closed link')
  await s.settle()
  t.same(seenAtA.data(), [])
  t.equal(s.net.openLinks(), 0)
})

t.test('partition: open links drop on both sides with what was in flight, connects fail until healed', async (t) => {
  const s = setup(5)
  const ab = await linked(s, 'a', 'b')
  const tc = s.net.transport('c', 'c:8788')
  let cAccepted: LinkChannel | undefined
  tc.onAccept = (ch) => (cAccepted = ch)
  const ac = ab.ta.connect('c', 'c:8788')
  await s.settle()
  const atAc = watch(await ac, s.clock)
  const atC = watch(cAccepted!, s.clock)

  ab.atA.send('in flight')
  ab.atB.send('in flight too')
  s.net.partition('b', 'a')
  await s.settle()
  t.same([ab.seenAtA.closes(), ab.seenAtB.closes()], [1, 1], 'both sides see the close')
  t.same([ab.seenAtA.data(), ab.seenAtB.data()], [[], []], 'in-flight messages are lost')
  t.equal(s.net.dropped, 2)

  const refused = t.rejects(ab.ta.connect('b', 'b:8788'), /partition/)
  const refusedBack = t.rejects(ab.tb.connect('a', 'a:8788'), /partition/)
  await s.settle()
  await refused
  await refusedBack

  ;(await ac).send('a to c still flows')
  await s.settle()
  t.same(atC.data(), ['a to c still flows'], 'other pairs are untouched')
  t.equal(atAc.closes(), 0)

  s.net.heal('a', 'b')
  const again = ab.ta.connect('b', 'b:8788')
  await s.settle()
  t.equal((await again).peer, 'b', 'linked again once healed')
})

t.test(
  'crash: the peers see the close, the dead side hears nothing, nothing links to or from it until restart',
  async (t) => {
    const s = setup(9)
    const { ta, tb, atA, seenAtA, seenAtB } = await linked(s)
    atA.send('lost with the crash')
    s.net.crash('b')
    await s.settle()
    t.equal(seenAtA.closes(), 1, 'the survivor sees the link close')
    t.equal(seenAtB.closes(), 0, 'the dead process runs nothing')
    t.same(seenAtB.data(), [])

    const toDead = t.rejects(ta.connect('b', 'b:8788'), /nothing listens/)
    const fromDead = t.rejects(tb.connect('a', 'a:8788'), /closed/)
    await s.settle()
    await toDead
    await fromDead

    s.net.restart('b')
    const tb2 = s.net.transport('b', 'b:8788')
    let accepted: LinkChannel | undefined
    tb2.onAccept = (ch) => (accepted = ch)
    const back = ta.connect('b', 'b:8788')
    await s.settle()
    t.equal((await back).peer, 'b', 'the new incarnation accepts')
    t.equal(accepted?.peer, 'a')
    const old = t.rejects(tb.connect('a', 'a:8788'), /closed/, 'the old incarnation stays dead')
    await s.settle()
    await old
  },
)

t.test('close drops every link of the transport and accepts nothing more', async (t) => {
  const s = setup(4)
  const { ta, tb, seenAtA, seenAtB } = await linked(s)
  await tb.close()
  await s.settle()
  t.same([seenAtA.closes(), seenAtB.closes()], [1, 1])
  const refused = t.rejects(ta.connect('b', 'b:8788'), /nothing listens/)
  await s.settle()
  await refused
})
