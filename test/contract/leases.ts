/**
 * The LeaseStore port's contract (actors/cluster/ports.ts), run by every implementation:
 * `leaseContract(t, name, make)`. `make` gives two handles on one fresh lease table, as two
 * nodes see it. Timing-free.
 */
import type { Test } from 'tap'
import type { LeaseStore } from '../../actors/cluster/ports.ts'

export interface LeasesUnderTest {
  a: LeaseStore
  b: LeaseStore
  cleanup: () => Promise<void>
}

export function leaseContract(t: Test, name: string, make: () => Promise<LeasesUnderTest>): void {
  const check = (title: string, fn: (sut: LeasesUnderTest, t: Test) => Promise<void>) =>
    t.test(`${name}: ${title}`, async (t) => {
      const sut = await make()
      t.teardown(sut.cleanup)
      await fn(sut, t)
    })

  check('renew creates a lease at version 1 and raises it by one each time', async ({ a }, t) => {
    t.same(await a.list(), [], 'an empty table')
    await a.renew({ id: 'n1', address: '10.0.0.1:7000', rooms: 0 })
    t.same(await a.list(), [{ id: 'n1', address: '10.0.0.1:7000', rooms: 0, version: 1 }])
    await a.renew({ id: 'n1', address: '10.0.0.1:7001', rooms: 12 })
    await a.renew({ id: 'n1', address: '10.0.0.1:7001', rooms: 12 })
    t.same(
      await a.list(),
      [{ id: 'n1', address: '10.0.0.1:7001', rooms: 12, version: 3 }],
      'address and rooms as last renewed',
    )
  })

  check('two nodes see each other; list returns every lease in id order', async ({ a, b }, t) => {
    await a.renew({ id: 'n2', address: 'b:1', rooms: 1 })
    await b.renew({ id: 'n1', address: 'a:1', rooms: 2 })
    const expected = [
      { id: 'n1', address: 'a:1', rooms: 2, version: 1 },
      { id: 'n2', address: 'b:1', rooms: 1, version: 1 },
    ]
    t.same(await a.list(), expected)
    t.same(await b.list(), expected)
    await b.renew({ id: 'n1', address: 'a:1', rooms: 2 })
    t.same(
      (await a.list()).map((l) => [l.id, l.version]),
      [
        ['n1', 2],
        ['n2', 1],
      ],
      "one node's renewal is seen by the other",
    )
  })

  check('remove removes one lease; removing an absent one is fine; a later renew starts again', async ({ a, b }, t) => {
    await a.renew({ id: 'n1', address: 'a:1', rooms: 0 })
    await a.renew({ id: 'n1', address: 'a:1', rooms: 0 })
    await b.renew({ id: 'n2', address: 'b:1', rooms: 0 })
    await a.remove('n1')
    t.same(
      (await b.list()).map((l) => l.id),
      ['n2'],
      'gone for the other node at once',
    )
    await a.remove('n1')
    await a.remove('never')
    t.same(
      (await a.list()).map((l) => l.id),
      ['n2'],
    )
    await a.renew({ id: 'n1', address: 'a:2', rooms: 0 })
    t.same(
      (await a.list())[0],
      { id: 'n1', address: 'a:2', rooms: 0, version: 1 },
      'a new lease (observers look for a change, not an order)',
    )
  })

  check('many leases, ids with any characters', async ({ a, b }, t) => {
    const ids = Array.from({ length: 30 }, (_, i) => `node-${String(i).padStart(2, '0')}#x:${i}`)
    await Promise.all(ids.map((id, i) => (i % 2 ? a : b).renew({ id, address: `h${i}:7000`, rooms: i })))
    const listed = await b.list()
    t.same(
      listed.map((l) => l.id),
      ids,
    )
    t.same(
      listed.map((l) => l.rooms),
      ids.map((_, i) => i),
    )
  })

  check('a proof is stored and listed as given (signed leases, src/cluster/signed-leases.ts)', async ({ a, b }, t) => {
    await a.renew({ id: 'n1', address: 'a:1', rooms: 0, proof: 'ab'.repeat(32) })
    await b.renew({ id: 'n2', address: 'b:1', rooms: 0 })
    t.same(await b.list(), [
      { id: 'n1', address: 'a:1', rooms: 0, version: 1, proof: 'ab'.repeat(32) },
      { id: 'n2', address: 'b:1', rooms: 0, version: 1 },
    ])
  })
}
