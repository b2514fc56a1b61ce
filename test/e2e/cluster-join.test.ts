/**
 * A node joining under load (PROTOCOL.md section 8): the rooms it wins by placement move to it
 * live; every client keeps its socket and sees every message once, in order; nothing acked is
 * lost. Rooms are chosen so that two move to the new node and one stays (placement.ts decides).
 * CLUSTER_HEARTBEAT_MS=200, CLUSTER_LEASE_MS=1500.
 */
import t from 'tap'
import { ownerOf } from '../../actors/cluster/placement.ts'
import { Cluster, until } from '../support/cluster.ts'
import { membersOn, presenceOf, underLoad, verifyRoom, type Member } from '../support/cluster-member.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({ nodes: 3 })
})
t.teardown(() => cluster?.stop())

/** The first room ids (join-0, join-1, ...) for which `wanted` holds. */
function rooms(count: number, wanted: (room: string) => boolean): string[] {
  const out: string[] = []
  for (let i = 0; out.length < count; i++) if (wanted(`join-${i}`)) out.push(`join-${i}`)
  return out
}

t.test('a fourth node joins under load: its rooms move live, nothing lost, no socket closed', async (t) => {
  const three = ['n1', 'n2', 'n3']
  const four = [...three, 'n4']
  const moving = rooms(2, (r) => ownerOf(r, four) === 'n4')
  const staying = rooms(1, (r) => ownerOf(r, four) !== 'n4')
  const all = [...moving, ...staying]
  const members = new Map<string, Member[]>()
  const epochs = new Map<string, number>()
  for (const room of all) {
    members.set(room, await membersOn(cluster, cluster.live, room, 1))
    t.equal(await cluster.owner(room), ownerOf(room, three), `${room} starts on ${ownerOf(room, three)}`)
  }
  await underLoad([...members.values()].flat(), {
    before: 60,
    after: 90,
    gapMs: 60,
    during: async () => {
      for (const room of all) epochs.set(room, (await cluster.roomInfo(cluster.live[0]!, room)).epoch)
      await cluster.add('n4')
      await cluster.settled(four)
      for (const room of moving) t.equal(await cluster.owner(room), 'n4', `${room} is n4's now`)
      // Moved: activated on n4 (its claim raised the epoch), which only happens once it is used there.
      await until('the moved rooms to be claimed by n4', async () => {
        const infos = await Promise.all(moving.map((r) => cluster.roomInfo(cluster.node('n4'), r)))
        return infos.every((i, k) => i.epoch > epochs.get(moving[k]!)!) ? true : undefined
      })
    },
  })
  for (const room of staying) {
    t.equal(await cluster.owner(room), ownerOf(room, three), `${room} stayed`)
    t.equal((await cluster.roomInfo(cluster.live[0]!, room)).epoch, epochs.get(room), `${room} was not claimed again`)
  }
  for (const room of moving) {
    const users = members
      .get(room)!
      .map((m) => m.user)
      .sort()
    const present = await until(
      `presence of ${room} to settle at n4`,
      async () => {
        const p = await presenceOf(cluster, cluster.node('n1'), room)
        return p.join() === users.join() ? p : undefined
      },
      10_000,
    ).catch(async () => presenceOf(cluster, cluster.node('n1'), room))
    t.same(present, users, `presence of ${room} at n4 lists every member, nobody else`)
  }
  for (const room of all) await verifyRoom(t, cluster, room, members.get(room)!, { via: cluster.node('n4') })
  await Promise.all([...members.values()].flat().map((m) => m.close()))
})
