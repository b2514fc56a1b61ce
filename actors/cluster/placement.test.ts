import t from 'tap'
import { ownerOf } from './placement.ts'

const rooms = Array.from({ length: 3000 }, (_, i) => `room-${i}`)

t.test('every node computes the same owner, whatever the order of the live set', async (t) => {
  const a = ['n1', 'n2', 'n3']
  const b = ['n3', 'n1', 'n2']
  t.same(
    rooms.map((r) => ownerOf(r, a)),
    rooms.map((r) => ownerOf(r, b)),
  )
  t.equal(ownerOf('lobby', []), undefined)
})

t.test('rooms spread over the nodes', async (t) => {
  const counts = new Map<string, number>()
  for (const r of rooms)
    counts.set(ownerOf(r, ['n1', 'n2', 'n3'])!, (counts.get(ownerOf(r, ['n1', 'n2', 'n3'])!) ?? 0) + 1)
  for (const n of ['n1', 'n2', 'n3']) t.ok(counts.get(n)! > 800 && counts.get(n)! < 1200, `${n} owns ${counts.get(n)}`)
})

t.test('a node joining takes only rooms from the others, about its share', async (t) => {
  const moves = rooms
    .map((r) => [ownerOf(r, ['n1', 'n2', 'n3']), ownerOf(r, ['n1', 'n2', 'n3', 'n4'])])
    .filter(([before, after]) => before !== after)
  const moved = moves.length
  t.same(
    moves.filter(([, after]) => after !== 'n4'),
    [],
    'rooms move to the new node only',
  )
  t.ok(moved > 550 && moved < 950, `${moved} of ${rooms.length} moved`)
})

t.test('a node leaving moves only its own rooms', async (t) => {
  const wrong = rooms.filter((r) => {
    const before = ownerOf(r, ['n1', 'n2', 'n3'])
    return before !== 'n2' && ownerOf(r, ['n1', 'n3']) !== before
  })
  t.same(wrong, [])
})
