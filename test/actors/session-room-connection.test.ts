/**
 * SessionRoomConnection's delivery rules on their own: where delivery starts after a welcome, and
 * that it never moves backwards across a move (a re-entry answered by an owner that is behind,
 * a stale one about to be fenced, must not let an already delivered seq through again:
 * found by the cluster simulator).
 */
import t from 'tap'
import { SessionRoomConnection, type RoomConnectionOwner } from '../../actors/session-room-connection.ts'

function rig() {
  const written: string[] = []
  const owner: RoomConnectionOwner = {
    userId: 'alice',
    transmit: (text) => {
      written.push(text)
      return true
    },
    countRefusal() {},
    revoked() {},
    lost() {},
    kicked() {},
  }
  const m = new SessionRoomConnection(owner, 'lobby', 1, 0)
  return { m, written }
}

const moving = (m: SessionRoomConnection, since: number) => {
  m.move = { since, deadline: Infinity, attempts: 1, queued: [], read: undefined, cancelRetry: undefined }
  m.entrySince = since
  return m.renew(m.entry.id + 1)
}

t.test('a re-entry whose owner is behind does not let delivered messages through again', async (t) => {
  const { m, written } = rig()
  m.deliver(m.entry, 'welcome', { welcome: { seq: 10 } })
  m.deliver(m.entry, 'm11', { seq: 11 })
  m.deliver(m.entry, 'm12', { seq: 12 })
  const conn = moving(m, 12)
  // A stale owner at head 11 answers `since: 12` with a recovered welcome at seq 11.
  t.ok(m.deliver(conn, 'welcome2', { welcome: { seq: 11, recovered: true } }))
  m.move = undefined
  m.deliver(conn, 'm12 again', { seq: 12 })
  m.deliver(conn, 'm13', { seq: 13 })
  t.same(written, ['welcome', 'm11', 'm12', 'm13'], 'the second welcome swallowed, 12 not twice')
  t.equal(m.lastSeq, 13)
})

t.test('a first entry with since starts after since; without, at the head', async (t) => {
  const a = rig()
  a.m.entrySince = 5
  a.m.deliver(a.m.entry, 'welcome', { welcome: { seq: 9, recovered: true } })
  t.equal(a.m.lastSeq, 5)
  const b = rig()
  b.m.deliver(b.m.entry, 'welcome', { welcome: { seq: 9 } })
  t.equal(b.m.lastSeq, 9)
})

t.test('a join the client asks for again replays from its since, even what it already had', async (t) => {
  const { m, written } = rig()
  m.deliver(m.entry, 'welcome', { welcome: { seq: 10 } })
  m.deliver(m.entry, 'm11', { seq: 11 })
  m.entrySince = 9
  m.deliver(m.entry, 'welcome again', { welcome: { seq: 11, recovered: true } })
  m.deliver(m.entry, 'm10', { seq: 10 })
  m.deliver(m.entry, 'm11 again', { seq: 11 })
  t.same(written, ['welcome', 'm11', 'welcome again', 'm10', 'm11 again'])
})
