import t from 'tap'
import { Outbox } from './outbox.ts'

t.test('sends keep their order and ids through drops and retries, and the box is bounded', async (t) => {
  const box = new Outbox(3)
  box.add('a', 'A')
  box.add('b', 'B')
  t.same(
    box.takeWaiting().map((e) => e.id),
    ['a', 'b'],
  )
  t.same(box.takeWaiting(), [], 'sent once until something happens')
  box.add('c', 'C')
  t.ok(box.full)
  box.unsend() // the connection dropped
  t.same(
    box.takeWaiting().map((e) => e.id),
    ['a', 'b', 'c'],
    'everything unanswered again, oldest first',
  )
  t.equal(box.settle('b')?.text, 'B')
  t.equal(box.settle('b'), undefined, 'an answer settles once')
  t.equal(box.retry('a')?.retries, 1)
  t.same(
    box.takeWaiting().map((e) => e.id),
    ['a'],
  )
  t.same(
    box.drain().map((e) => e.id),
    ['a', 'c'],
  )
  t.equal(box.size, 0)
})
