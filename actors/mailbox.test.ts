import t from 'tap'
import { Mailbox } from './mailbox.ts'

t.test('handlers never interleave, even across awaits', async (t) => {
  const log: string[] = []
  const box = new Mailbox((e) => t.fail(String(e)))
  const tick = () => new Promise<void>((r) => setImmediate(r))
  box.post(async () => {
    log.push('a1')
    await tick()
    log.push('a2')
  })
  box.post(() => {
    log.push('b')
  })
  box.post(async () => {
    log.push('c1')
    await tick()
    log.push('c2')
  })
  await box.whenIdle()
  t.same(log, ['a1', 'a2', 'b', 'c1', 'c2'])
})

t.test('a failing handler does not stop the next', async (t) => {
  const errors: unknown[] = []
  const box = new Mailbox((e) => errors.push(e))
  let ran = false
  box.post(() => {
    throw new Error('boom')
  })
  box.post(() => {
    ran = true
  })
  await box.whenIdle()
  t.equal(errors.length, 1)
  t.ok(ran)
})

t.test('call resolves with the result in order', async (t) => {
  const box = new Mailbox(() => {})
  const order: number[] = []
  const a = box.call(async () => {
    await new Promise((r) => setImmediate(r))
    order.push(1)
    return 1
  })
  const b = box.call(() => {
    order.push(2)
    return 2
  })
  t.same(await Promise.all([a, b]), [1, 2])
  t.same(order, [1, 2])
  await t.rejects(
    box.call(() => {
      throw new Error('x')
    }),
    /x/,
  )
})
