import t from 'tap'
import { SeqIndexCache } from './seq-index-cache.ts'

t.test('finds the ts of a seq in the batch that holds it', async (t) => {
  const cache = new SeqIndexCache()
  cache.add('r', 4, [40, 50])
  cache.add('r', 1, [10, 20, 30])
  t.equal(cache.tsOf('r', 1), 10)
  t.equal(cache.tsOf('r', 3), 30)
  t.equal(cache.tsOf('r', 5), 50)
  t.equal(cache.tsOf('r', 6), undefined, 'past the cached batches')
  t.equal(cache.tsOf('other', 1), undefined, 'per room')
})

t.test('a gap between cached batches is a miss, not a wrong answer', async (t) => {
  const cache = new SeqIndexCache()
  cache.add('r', 1, [10, 20])
  cache.add('r', 6, [60])
  t.equal(cache.tsOf('r', 4), undefined)
})

t.test('bounded in rooms (least recently used go) and in batches per room (oldest go)', async (t) => {
  const cache = new SeqIndexCache(2, 2)
  cache.add('a', 1, [1])
  cache.add('b', 1, [1])
  cache.tsOf('a', 1)
  cache.add('c', 1, [1])
  t.equal(cache.tsOf('b', 1), undefined)
  t.equal(cache.tsOf('a', 1), 1)
  cache.add('a', 2, [2])
  cache.add('a', 3, [3])
  t.equal(cache.tsOf('a', 1), undefined)
  t.equal(cache.tsOf('a', 3), 3)
  const off = new SeqIndexCache(0)
  off.add('a', 1, [1])
  t.equal(off.tsOf('a', 1), undefined, '0 rooms: disabled')
})
