/** The DeviceStore contract (test/contract/devices.ts) on the embedded store, and what its log keeps. */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import t from 'tap'
import { deviceContract } from '../../../test/contract/devices.ts'
import { DB_FILE } from './database.ts'
import { EmbeddedStore } from './embedded-store.ts'

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-devices-'))

deviceContract(t, 'EmbeddedStore', async ({ now, ...devices }) => {
  const dir = tempDir()
  const store = await EmbeddedStore.open({ dir, now, devices })
  return {
    store,
    cleanup: async () => {
      await store.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
})

t.test('devices and claims are in the log: a database rebuilt from it has them', async (t) => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  let clock = 1_700_000_000_000
  const open = () => EmbeddedStore.open({ dir, now: () => clock++, devices: { maxDevicesPerUser: 2 } })
  let store = await open()
  await store.putDevice('alice', { deviceId: 'a', platform: 'fcm', token: 'ta' })
  await store.putDevice('alice', { deviceId: 'b', platform: 'fcm', token: 'tb' })
  await store.putDevice('alice', { deviceId: 'c', platform: 'fcm', token: 'tc' })
  await store.putDevice('bob', { deviceId: 'x', platform: 'fcm', token: 'tb' })
  await store.deleteDevice('alice', 'c')
  await store.putDevice('alice', { deviceId: 'd', platform: 'fcm', token: 'td', locale: 'es' })
  t.equal(await store.claimPush('m1', 'bob', 'x'), true)
  t.equal(await store.claimPush('m2', 'bob', 'x'), true)
  await store.releasePush('m2', 'bob', 'x')
  await store.close()
  // The database lost: the next open applies every record again, in log order.
  for (const f of fs.readdirSync(dir)) if (f.startsWith(DB_FILE)) fs.rmSync(path.join(dir, f))
  store = await open()
  t.teardown(() => store.close())
  t.same(await store.listDevices('alice'), [{ deviceId: 'd', platform: 'fcm', token: 'td', locale: 'es' }])
  t.same(await store.listDevices('bob'), [{ deviceId: 'x', platform: 'fcm', token: 'tb' }])
  t.equal(await store.claimPush('m1', 'bob', 'x'), false, 'the claim survived')
  t.equal(await store.claimPush('m2', 'bob', 'x'), true, 'the release too')
})

t.test('expired claims are purged, so the claims table stays bounded by the retention', async (t) => {
  const dir = tempDir()
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  let clock = 1_700_000_000_000
  const store = await EmbeddedStore.open({ dir, now: () => clock, devices: { pushClaimTtlSeconds: 10 } })
  t.teardown(() => store.close())
  for (let i = 0; i < 50; i++) await store.claimPush(`m${i}`, 'u', 'd')
  clock += 10_000
  await store.claimPush('later', 'u', 'd')
  await store.close()
  const { DatabaseSync } = await import('node:sqlite')
  const db = new DatabaseSync(path.join(dir, DB_FILE))
  t.teardown(() => db.close())
  t.same(db.prepare('SELECT message FROM push_claims').all(), [{ message: 'later' }], 'the 50 expired claims are gone')
})
