import t from 'tap'
import { MemoryLeaseStore } from '../../actors/testing/memory-leases.ts'
import { signedLeases } from './signed-leases.ts'

const secret = 'a'.repeat(40)

t.test('a lease written with another secret (or none) is not listed, and is logged once', async (t) => {
  const table = new MemoryLeaseStore()
  const warnings: unknown[] = []
  const logger = {
    info() {},
    error() {},
    warn: (event: string, fields?: unknown) => void warnings.push([event, fields]),
  }
  const ours = signedLeases(table.view('n1'), secret, logger)
  const theirs = signedLeases(table.view('n9'), 'b'.repeat(40), logger)
  await ours.renew({ id: 'n1', address: '10.0.0.1:8788', rooms: 0 })
  await theirs.renew({ id: 'n9', address: '10.0.0.9:8788', rooms: 0 })
  await table.view('old').renew({ id: 'old', address: '10.0.0.7:8788', rooms: 0 })
  t.same(
    (await ours.list()).map((l) => l.id),
    ['n1'],
  )
  await ours.list()
  t.same(
    warnings.map((w) => (w as [string, { node: string; reason: string }])[1].node),
    ['n9', 'old'],
    'each foreign node logged once',
  )
  t.same(
    (await theirs.list()).map((l) => l.id),
    ['n9'],
    'and the other way round',
  )
})

t.test('a proof is bound to the address: copying a lease elsewhere does not make it valid', async (t) => {
  const table = new MemoryLeaseStore()
  const logger = { info() {}, error() {}, warn() {} }
  const ours = signedLeases(table, secret, logger)
  await ours.renew({ id: 'n1', address: '10.0.0.1:8788', rooms: 0 })
  const [lease] = await table.list()
  await table.renew({ id: 'n2', address: '10.0.0.66:8788', rooms: 0, proof: lease!.proof })
  t.same(
    (await ours.list()).map((l) => l.id),
    ['n1'],
  )
})
