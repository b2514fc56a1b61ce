import t from 'tap'
import { insertionIndex, seenAt } from './message-log.ts'

t.test('insertionIndex: where a seq goes in ascending order', async (t) => {
  t.equal(insertionIndex([], 5), 0)
  t.equal(insertionIndex([1, 2, 3], 0), 0)
  t.equal(insertionIndex([1, 2, 3], 4), 3)
  t.equal(insertionIndex([1, 3, 5], 4), 2)
  t.equal(insertionIndex([1, 3, 5], 3), 1, 'before an equal one (the caller drops duplicates)')
})

t.test('seenAt: each reader under the newest shown message at or below their marker', async (t) => {
  const reads = new Map([
    ['bob', 5],
    ['carol', 3],
    ['me', 5],
    ['dan', 1],
    ['erin', 9],
  ])
  const at = seenAt(reads, [2, 3, 5, 8], 'me')
  t.same(
    [...at].sort(([a], [b]) => a - b),
    [
      [3, ['carol']],
      [5, ['bob']],
      [8, ['erin']],
    ],
    'not me; dan read only what is not shown (above the oldest page)',
  )
})
