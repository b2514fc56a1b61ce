import t from 'tap'
import { MemoryStore, StoreFaultError } from '../../actors/testing/memory-store.ts'
import { messages, storeContract, type StoreUnderTest } from './store.ts'

const makeStore = async (): Promise<StoreUnderTest> => {
  let store = new MemoryStore()
  return {
    store,
    reopen: async () => (store = MemoryStore.reopen(store)),
    cleanup: () => store.close(),
  }
}
storeContract(t, 'MemoryStore', makeStore)

t.test('faults: failNext fails the next writes and stores nothing', async (t) => {
  const store = new MemoryStore()
  store.faults.failNext(2)
  t.equal(await store.getReadMarker('lobby', 'a'), 0, 'reads are not writes')
  await t.rejects(store.append('lobby', 0, messages('lobby', 1, 1)), StoreFaultError)
  await t.rejects(store.advanceReadMarker('lobby', 'a', 3), StoreFaultError)
  t.equal(await store.getReadMarker('lobby', 'a'), 0)
  await store.append('lobby', 0, messages('lobby', 1, 1))
  t.equal(store.calls.get('append'), 2)
})

t.test('faults: failNext on one method, any method', async (t) => {
  const store = new MemoryStore()
  store.faults.failNext(1, 'putRoom')
  await store.append('lobby', 0, messages('lobby', 1, 1))
  await t.rejects(store.putRoom({ roomId: 'lobby', visibility: 'public' }), StoreFaultError)
  store.faults.failNext(1, 'any')
  await t.rejects(store.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 }), StoreFaultError)
  t.equal((await store.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq, 1)
})

t.test('faults: failCall fails only the nth call, counted when made', async (t) => {
  const store = new MemoryStore()
  store.faults.failCall(3, 'append')
  const calls = [1, 2, 3, 4].map((seq) => store.append(`r${seq}`, 0, messages(`r${seq}`, 1, 1)))
  const results = await Promise.allSettled(calls)
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  )
  t.equal(await store.findByClientId('r3', 'alice', 'c1'), undefined)
})

t.test('faults: afterApply stores the write and rejects anyway', async (t) => {
  const store = new MemoryStore()
  store.faults.failNext(1, 'append', { afterApply: true })
  await t.rejects(store.append('lobby', 0, messages('lobby', 1, 1)), StoreFaultError)
  t.equal((await store.findByClientId('lobby', 'alice', 'c1'))?.seq, 1)
})

t.test('faults: stall holds writes until released, in order', async (t) => {
  const store = new MemoryStore()
  const release = store.faults.stall()
  const done: number[] = []
  const a = store.append('lobby', 0, messages('lobby', 1, 1)).then(() => done.push(1))
  const b = store.append('lobby', 1, messages('lobby', 2, 1)).then(() => done.push(2))
  t.equal(await store.getReadMarker('lobby', 'x'), 0, 'reads are not stalled')
  t.equal((await store.readPage('lobby', { limit: 10 })).messages.length, 0, 'nothing applied yet')
  t.same(done, [])
  release()
  await Promise.all([a, b])
  t.same(done, [1, 2])
  await store.append('lobby', 2, messages('lobby', 3, 1))
  t.same(
    (await store.readPage('lobby', { limit: 10 })).messages.map((m) => m.seq),
    [1, 2, 3],
    'calls after the release are not stalled',
  )
})

t.test('faults: a stall released with an error rejects and applies nothing', async (t) => {
  const store = new MemoryStore()
  const release = store.faults.stall('append')
  const pending = store.append('lobby', 0, messages('lobby', 1, 1))
  await store.putRoom({ roomId: 'lobby', visibility: 'public' })
  release(new Error('timeout'))
  await t.rejects(pending, { message: 'timeout' })
  t.equal((await store.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq, 0)
})

t.test('faults: clear releases stalls and forgets rules', async (t) => {
  const store = new MemoryStore()
  store.faults.stall()
  store.faults.failNext(5)
  const pending = store.append('lobby', 0, messages('lobby', 1, 1))
  store.faults.clear()
  await t.rejects(pending, StoreFaultError, 'a fault planned when the call was made still applies')
  await store.append('lobby', 0, messages('lobby', 1, 1))
})

t.test('a closed store refuses calls', async (t) => {
  const store = new MemoryStore()
  await store.close()
  await t.rejects(store.getRoom('lobby'), /closed/)
})

t.test('faults apply to ownership like other calls: claims and releases are writes', async (t) => {
  const store = new MemoryStore()
  store.faults.failNext(1)
  await t.rejects(store.claimRoom('lobby', 'n1'), StoreFaultError)
  t.same(await store.roomOwnership('lobby'), { epoch: 0 }, 'nothing claimed')
  store.faults.failNext(1, 'claimRoom', { afterApply: true })
  await t.rejects(store.claimRoom('lobby', 'n1'), StoreFaultError)
  t.same(await store.roomOwnership('lobby'), { node: 'n1', epoch: 1 }, 'claimed, answer lost')
  const release = store.faults.stall('releaseRoom')
  const pending = store.releaseRoom('lobby', 'n1', 1)
  t.same(await store.roomOwnership('lobby'), { node: 'n1', epoch: 1 }, 'not yet released')
  release()
  t.equal(await pending, true)
  t.equal(store.calls.get('claimRoom'), 2)
})
