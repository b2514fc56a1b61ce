/** docs/protocol.md "Limits": frame size, refusal flood, token expiry, server pings. */
import type { Test } from 'tap'
import { Client, is } from '../../support/client.ts'
import type { Target } from '../../support/server.ts'
import { joinRoom, say, uniq } from './util.ts'

export function limitScenarios(t: Test, target: () => Target): void {
  t.test('a frame over 32 KiB closes the connection with 1009; one at the limit does not', async (t) => {
    const s = target()
    const { c } = await joinRoom(s, uniq('big'), 'alice')
    const at = JSON.stringify({ type: 'ping', pad: '' })
    c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(s.limits.maxFrameBytes - at.length) }))
    await c.take(is('pong'))
    c.send(JSON.stringify({ type: 'send', id: 'big', text: 'x'.repeat(s.limits.maxFrameBytes) }))
    t.equal((await c.closedBy()).code, 1009)
  })

  t.test('a flood of refused frames closes with 1008', async (t) => {
    const s = target()
    const { c } = await joinRoom(s, uniq('flood'), 'alice')
    for (let i = 0; i <= s.limits.maxRefusals; i++) c.send('{')
    t.equal((await c.closedBy()).code, 1008)
    t.ok(c.seen(is('error', { code: 'invalid_frame' })).length >= s.limits.maxRefusals)
  })

  t.test('a token that expires during the session closes it with 4401', async (t) => {
    const s = target()
    const room = uniq('exp')
    // Valid for 3-4 s (exp is in whole seconds): the upgrades and the welcome (~50 ms, a few
    // hundred under load) fit many times over. Both connections wait out the same expiry.
    const exp = Math.floor(Date.now() / 1000) + 4
    const [c, mux] = await Promise.all([
      Client.open(`${s.ws}/ws/rooms/${room}`, { token: await s.token({ sub: 'alice', exp }) }),
      Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'bob', exp }) }),
    ])
    await c.take(is('welcome'))
    await mux.sync()
    t.equal((await c.closedBy(20_000)).code, 4401)
    t.equal((await mux.closedBy(20_000)).code, 4401, 'on /ws too')
  })

  t.test('the server pings; a peer that never answers is closed', async (t) => {
    const s = target()
    const { c: live } = await joinRoom(s, uniq('alive'), 'alice')
    const silent = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'mute' }), autoPong: false })
    await new Promise<void>((resolve) => live.ws.once('ping', () => resolve()))
    t.pass('a WebSocket ping arrived')
    const closed = await silent.closedBy(s.limits.peerTimeoutMs + 15_000)
    // docs/protocol.md: cut without a handshake on Node (1006), closed with 1001 on Deno.
    t.equal(closed.code, s.name.startsWith('deno') ? 1001 : 1006, 'the silent peer was cut')
    await say(live, 'still', 'here')
    t.equal(live.ws.readyState, live.ws.OPEN, 'a peer that answers pings stays connected')
    await live.close()
  })
}
