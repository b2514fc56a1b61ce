import t from 'tap'
import { LeaseFaultError, MemoryLeaseStore } from '../../actors/testing/memory-leases.ts'
import { leaseContract } from './leases.ts'

leaseContract(t, 'MemoryLeaseStore', async () => {
  const root = new MemoryLeaseStore()
  return { a: root.view('a'), b: root.view('b'), cleanup: async () => {} }
})

const lease = (id: string) => ({ id, address: `${id}:7000`, rooms: 0 })

t.test('faults: failNext rejects with nothing applied, or after applying', async (t) => {
  const leases = new MemoryLeaseStore()
  leases.failNext(1, 'renew')
  await t.rejects(leases.renew(lease('n1')), LeaseFaultError)
  t.same(await leases.list(), [], 'nothing applied')
  leases.failNext(1, 'renew', { afterApply: true })
  await t.rejects(leases.renew(lease('n1')), LeaseFaultError)
  t.same(
    (await leases.list()).map((l) => l.version),
    [1],
    'applied, answer lost',
  )
  leases.failNext(2)
  await t.rejects(leases.list(), LeaseFaultError)
  await t.rejects(leases.remove('n1'), LeaseFaultError)
  t.equal((await leases.list()).length, 1)
  t.same(leases.calls, { renew: 2, list: 4, remove: 1 })
})

t.test('faults: views share the table, not their faults (a node cut off from the table)', async (t) => {
  const root = new MemoryLeaseStore()
  const [a, b] = [root.view('a'), root.view('b')]
  const seen: string[] = []
  a.hook = (call) => {
    seen.push(`${call.caller}:${call.op}:${call.id ?? ''}`)
    throw new Error('partitioned')
  }
  await t.rejects(a.renew(lease('a')), { message: 'partitioned' })
  await b.renew(lease('b'))
  t.same(
    (await b.list()).map((l) => l.id),
    ['b'],
    "a's renewal never reached the table",
  )
  t.same(seen, ['a:renew:a'])
})

t.test('faults: stall holds calls until released; released with an error, applies nothing', async (t) => {
  const leases = new MemoryLeaseStore()
  const release = leases.stall('renew')
  let done = false
  const pending = leases.renew(lease('n1')).then(() => (done = true))
  t.same(await leases.list(), [], 'lists are not stalled')
  t.equal(done, false)
  release()
  await pending
  t.same(
    (await leases.list()).map((l) => l.version),
    [1],
  )
  const fail = leases.stall()
  const lost = leases.renew(lease('n1'))
  fail(new Error('timeout'))
  await t.rejects(lost, { message: 'timeout' })
  t.same(
    (await leases.list()).map((l) => l.version),
    [1],
  )
})

t.test('hook: an async hook delays the call until it resolves', async (t) => {
  const leases = new MemoryLeaseStore()
  let open!: () => void
  let entered!: () => void
  const inHook = new Promise<void>((resolve) => (entered = resolve))
  leases.hook = (call) => {
    if (call.op !== 'renew') return
    entered()
    return new Promise<void>((resolve) => (open = resolve))
  }
  const pending = leases.renew(lease('n1'))
  await inHook
  t.same(await leases.list(), [], 'not yet applied')
  open()
  await pending
  t.equal((await leases.list()).length, 1)
})
