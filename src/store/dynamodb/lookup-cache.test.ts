import t from 'tap'
import { LookupCache } from './lookup-cache.ts'

function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

t.test('serves from memory within the TTL, asks again after it', async (t) => {
  let now = 0
  let loads = 0
  const cache = new LookupCache<boolean>(100, () => now)
  const load = async () => {
    loads++
    return true
  }
  await cache.get('k', load)
  await cache.get('k', load)
  t.equal(loads, 1)
  now = 100
  await cache.get('k', load)
  t.equal(loads, 2)
})

t.test('a write replaces the entry at once', async (t) => {
  const cache = new LookupCache<boolean>(1_000, () => 0)
  t.equal(await cache.get('k', async () => true), true)
  cache.written('k', false)
  t.equal(await cache.get('k', async () => true), false)
})

t.test('a lookup in flight during a revocation does not cache its older answer', async (t) => {
  const cache = new LookupCache<boolean>(1_000, () => 0)
  const slow = deferred<boolean>()
  const before = cache.get('k', () => slow.promise)
  cache.written('k', false)
  slow.resolve(true)
  t.equal(await before, true, 'the caller that asked before the revocation gets what it read')
  t.equal(await cache.get('k', async () => true), false, 'but the revocation stays cached')
})

t.test('ttl 0 caches nothing; size is bounded', async (t) => {
  let loads = 0
  const off = new LookupCache<boolean>(0, () => 0)
  await off.get('k', async () => {
    loads++
    return true
  })
  off.written('k', true)
  await off.get('k', async () => {
    loads++
    return true
  })
  t.equal(loads, 2)
  const small = new LookupCache<number>(1_000, () => 0, 2)
  for (const k of ['a', 'b', 'c']) await small.get(k, async () => 1)
  let reloaded = 0
  await small.get('a', async () => {
    reloaded++
    return 1
  })
  t.equal(reloaded, 1, 'the oldest entry went first')
})
