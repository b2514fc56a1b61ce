/**
 * The mailbox runs synchronous tasks without an async function's promise per run, on the
 * same schedule as the one async loop it replaced (the expected trace below is that loop's).
 */
import { createHook } from 'node:async_hooks'
import t from 'tap'
import { Mailbox } from '../../actors/mailbox.ts'

t.test('a run of synchronous tasks creates no promise', async (t) => {
  const box = new Mailbox((e) => t.fail(String(e)))
  let ran = 0
  let promises = 0
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises++
    },
  })
  hook.enable()
  for (let i = 0; i < 100; i++) box.post(() => void ran++)
  hook.disable()
  t.equal(ran, 100)
  t.equal(promises, 0)
})

t.test('sync, async, throwing and rejecting tasks interleave with other microtasks as before', async (t) => {
  const trace: string[] = []
  const box = new Mailbox((e) => trace.push(`error ${(e as Error).message}`))
  // A chain of microtasks outside the mailbox, to see where each task's continuation lands.
  void (async () => {
    for (let i = 0; i < 8; i++) {
      trace.push(`tick ${i}`)
      await undefined
    }
  })()
  box.post(() => void trace.push('a'))
  box.post(async () => {
    trace.push('b start')
    await undefined
    trace.push('b end')
  })
  box.post(() => {
    trace.push('c throws')
    throw new Error('c')
  })
  box.post(async () => {
    trace.push('d start')
    await undefined
    throw new Error('d')
  })
  const e = box.call(() => {
    trace.push('e')
    return 5
  })
  box.post(() => void trace.push('f'))
  trace.push(`idle ${box.idle}`)
  t.equal(await e, 5)
  await box.whenIdle()
  trace.push(`idle ${box.idle}`)
  t.same(trace, [
    'tick 0',
    'a',
    'b start',
    'idle false',
    'tick 1',
    'b end',
    'tick 2',
    'c throws',
    'error c',
    'd start',
    'tick 3',
    'tick 4',
    'error d',
    'e',
    'tick 5',
    'tick 6',
    'f',
    'tick 7',
    'idle true',
  ])
})
