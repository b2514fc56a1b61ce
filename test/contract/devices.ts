/**
 * The DeviceStore contract (src/notifier/ports.ts, rules in src/notifier/device-rules.ts), run on
 * every implementation: `deviceContract(t, 'memory', make)`. `make` gets a clock to drive (the
 * registration order the cap evicts by, and claim expiry) and the cap to use.
 */
import type { Test } from 'tap'
import type { Device, DeviceStore } from '../../src/notifier/ports.ts'

export interface DevicesUnderTest {
  store: DeviceStore
  cleanup: () => Promise<void>
}

export interface MakeDevices {
  (opts: { now: () => number; maxDevicesPerUser: number; pushClaimTtlSeconds: number }): Promise<DevicesUnderTest>
}

const fcm = (deviceId: string, token = `tok-${deviceId}`, locale?: string): Device => ({
  deviceId,
  platform: 'fcm',
  token,
  ...(locale && { locale }),
})
const webpush = (deviceId: string, endpoint = `https://push.example/${deviceId}`): Device => ({
  deviceId,
  platform: 'webpush',
  subscription: { endpoint, keys: { p256dh: 'BPub', auth: 'secret' } },
  locale: 'fr',
})
const byId = (devices: Device[]) => [...devices].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1))

export function deviceContract(t: Test, name: string, make: MakeDevices): void {
  const TTL = 3600
  const setup = async (t: Test, max = 20) => {
    let clock = 1_700_000_000_000
    const made = await make({ now: () => clock, maxDevicesPerUser: max, pushClaimTtlSeconds: TTL })
    t.teardown(made.cleanup)
    return { store: made.store, tick: (ms = 1000) => (clock += ms) }
  }

  t.test(`${name}: devices are stored per user, replaced by id, listed whole`, async (t) => {
    const { store } = await setup(t)
    t.same(await store.listDevices('alice'), [], 'none yet')
    t.same(await store.putDevice('alice', fcm('phone', 'tok-1', 'es')), { evicted: [] })
    await store.putDevice('alice', webpush('laptop'))
    t.same(byId(await store.listDevices('alice')), [webpush('laptop'), fcm('phone', 'tok-1', 'es')])
    await store.putDevice('alice', fcm('phone', 'tok-2'))
    t.same(byId(await store.listDevices('alice')), [webpush('laptop'), fcm('phone', 'tok-2')], 'replaced, locale gone')
    t.same(await store.listDevices('bob'), [], "another user's list is empty")
  })

  t.test(`${name}: delete is idempotent and touches only that user's device`, async (t) => {
    const { store } = await setup(t)
    await store.putDevice('alice', fcm('d1', 'tok-a'))
    await store.putDevice('bob', fcm('d1', 'tok-b'))
    await store.deleteDevice('bob', 'd1')
    await store.deleteDevice('bob', 'd1')
    await store.deleteDevice('carol', 'never')
    t.same(await store.listDevices('bob'), [])
    t.same(await store.listDevices('alice'), [fcm('d1', 'tok-a')], "alice's d1 is kept")
    await store.putDevice('bob', fcm('d2', 'tok-a'))
    t.same(await store.listDevices('alice'), [], 'the token moved after all: a deleted device leaves no trace')
  })

  t.test(`${name}: past the cap, the least recently registered devices are evicted`, async (t) => {
    const { store, tick } = await setup(t, 3)
    for (const id of ['d1', 'd2', 'd3']) {
      await store.putDevice('alice', fcm(id))
      tick()
    }
    await store.putDevice('alice', fcm('d1'))
    tick()
    t.same(await store.putDevice('alice', fcm('d4')), { evicted: ['d2'] }, 'd1 was registered again: d2 is oldest')
    t.same(
      byId(await store.listDevices('alice')).map((d) => d.deviceId),
      ['d1', 'd3', 'd4'],
    )
    tick()
    t.same(await store.putDevice('alice', fcm('d3', 'tok-new')), { evicted: [] }, 'replacing one evicts nothing')
    t.equal((await store.listDevices('alice')).length, 3)
  })

  t.test(`${name}: the same push token registered by another user moves to them`, async (t) => {
    const { store } = await setup(t)
    await store.putDevice('alice', fcm('phone', 'shared-token'))
    await store.putDevice('alice', webpush('browser', 'https://push.example/shared'))
    t.same(await store.putDevice('bob', fcm('his-phone', 'shared-token')), {
      evicted: [],
      movedFrom: { userId: 'alice', deviceId: 'phone' },
    })
    t.same(await store.putDevice('bob', webpush('b', 'https://push.example/shared')), {
      evicted: [],
      movedFrom: { userId: 'alice', deviceId: 'browser' },
    })
    t.same(await store.listDevices('alice'), [], 'nothing left with alice')
    t.same(
      byId(await store.listDevices('bob')).map((d) => d.deviceId),
      ['b', 'his-phone'],
    )
    t.same(await store.putDevice('bob', fcm('renamed', 'shared-token')), { evicted: [] }, 'same user, new id')
    t.same(
      byId(await store.listDevices('bob')).map((d) => d.deviceId),
      ['b', 'renamed'],
      'one registration a token',
    )
    await store.putDevice('bob', fcm('renamed', 'fresh-token'))
    await store.putDevice('alice', fcm('phone', 'shared-token'))
    t.same(
      byId(await store.listDevices('bob')).map((d) => d.deviceId),
      ['b', 'renamed'],
      'a token a device no longer has moves nothing from it',
    )
    t.same(await store.listDevices('alice'), [fcm('phone', 'shared-token')])
  })

  t.test(`${name}: a push claim is taken once, released on demand, and expires`, async (t) => {
    const { store, tick } = await setup(t)
    t.equal(await store.claimPush('m1', 'alice', 'phone'), true, 'first claim')
    t.equal(await store.claimPush('m1', 'alice', 'phone'), false, 'again: refused')
    t.equal(await store.claimPush('m1', 'alice', 'laptop'), true, 'another device')
    t.equal(await store.claimPush('m2', 'alice', 'phone'), true, 'another message')
    t.equal(await store.claimPush('m1', 'bob', 'phone'), true, 'another user with the same device id')
    t.equal(await store.claimPush('m#1', 'a', 'b#c'), true, 'ids holding # ...')
    t.equal(await store.claimPush('m#1', 'a#b', 'c'), true, '... never collide')
    await store.releasePush('m1', 'alice', 'phone')
    await store.releasePush('m9', 'alice', 'phone')
    t.equal(await store.claimPush('m1', 'alice', 'phone'), true, 'released: taken again')
    tick(TTL * 1000 - 1000)
    t.equal(await store.claimPush('m1', 'alice', 'phone'), false, 'still held just before the TTL')
    tick(2000)
    t.equal(await store.claimPush('m1', 'alice', 'phone'), true, 'expired: taken again')
  })

  t.test(`${name}: of concurrent claims exactly one wins`, async (t) => {
    const { store } = await setup(t)
    const answers = await Promise.all(Array.from({ length: 8 }, () => store.claimPush('m1', 'alice', 'phone')))
    t.equal(answers.filter(Boolean).length, 1)
  })
}
