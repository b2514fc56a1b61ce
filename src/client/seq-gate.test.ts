import t from 'tap'
import { SeqGate } from './seq-gate.ts'

t.test('each seq once, in order: repeats are duplicates, skips are gaps', async (t) => {
  const gate = new SeqGate(3)
  t.same(
    [3, 4, 4, 5, 2, 8, 6, 9].map((s) => gate.accept(s)),
    ['duplicate', 'deliver', 'duplicate', 'deliver', 'duplicate', 'gap', 'duplicate', 'deliver'],
  )
  t.equal(gate.last, 9)
  gate.skipTo(5)
  t.equal(gate.last, 9, 'skipTo never goes back')
  gate.skipTo(20)
  t.equal(gate.accept(21), 'deliver')
  gate.reset(2)
  t.equal(gate.accept(3), 'deliver', 'reset follows a room that lost its history')
})
