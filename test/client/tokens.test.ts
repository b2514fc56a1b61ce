/**
 * Tokens (docs/client.md "Tokens"): a token that expires during the session (close 4401) or
 * is refused at the upgrade stops the reconnects until `refreshToken` or `setToken` gives a
 * new one; the rooms then carry on from where they were, nothing lost.
 */
import t from 'tap'
import { GuildhallClient } from '../../src/client/index.ts'
import { mint } from '../support/tokens.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { uniq } from '../e2e/scenarios/util.ts'
import { clientFor, collect, until } from './helpers.ts'

let server: InProcess
t.before(async () => {
  server = await startInProcess()
})
t.teardown(() => server.stop())

const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s

t.test('4401: the client asks refreshToken for a new token and its rooms carry on', async (t) => {
  const room = uniq('expiry')
  let refreshed = 0
  const closes: number[] = []
  const alice = new GuildhallClient({
    url: server.http,
    token: await server.token({ sub: 'alice', exp: inSeconds(2) }),
    refreshToken: async () => {
      refreshed++
      return server.token({ sub: 'alice' })
    },
    backoff: { initialDelayMs: 20 },
  })
  alice.on('status', (s) => s.code !== undefined && closes.push(s.code))
  const bob = await clientFor(server, 'bob')
  t.teardown(() => alice.close())
  t.teardown(() => bob.close())
  const a = alice.join(room)
  const b = bob.join(room)
  await Promise.all([a.ready, b.ready])
  const seen = collect(a)
  await b.send('before')
  await until(() => refreshed === 1, 'the token refreshed', 10_000)
  await b.send('after')
  await until(() => seen.length === 2, 'both messages')
  t.same(
    seen.map((m) => m.text),
    ['before', 'after'],
  )
  t.equal(refreshed, 1)
  t.ok(closes.includes(4401), 'closed with 4401')
  t.equal(alice.status, 'open')
})

t.test('a token refused at the upgrade: unauthorized until setToken, then the room is joined', async (t) => {
  const errors: string[] = []
  const alice = new GuildhallClient({
    url: server.http,
    token: await mint({ sub: 'alice', secret: 'not-the-servers-secret-0123456789abcdef' }),
    backoff: { initialDelayMs: 20 },
  })
  t.teardown(() => alice.close())
  alice.on('error', (e) => errors.push(e.code))
  const a = alice.join(uniq('refused'))
  await until(() => alice.status === 'unauthorized', 'unauthorized')
  t.same(errors, ['unauthorized'])
  alice.setToken(await server.token({ sub: 'alice' }))
  await a.ready
  t.equal(alice.status, 'open')
})

t.test('an expired token is not even tried: refreshToken first', async (t) => {
  let refreshed = 0
  const alice = new GuildhallClient({
    url: server.http,
    token: await server.token({ sub: 'alice', exp: inSeconds(-10) }),
    refreshToken: async () => {
      refreshed++
      return server.token({ sub: 'alice' })
    },
  })
  t.teardown(() => alice.close())
  await alice.join(uniq('expired')).ready
  t.equal(refreshed, 1)
})

t.test("a browser's fetch, which refuses to run detached from window, still tells a refused token", async (t) => {
  const realFetch = globalThis.fetch
  globalThis.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
    if (this !== globalThis) throw new TypeError("Failed to execute 'fetch' on 'Window': Illegal invocation")
    return realFetch(input, init)
  } as typeof fetch
  t.teardown(() => {
    globalThis.fetch = realFetch
  })
  let refreshed = 0
  const alice = new GuildhallClient({
    url: server.http,
    token: await mint({ sub: 'alice', secret: 'not-the-servers-secret-0123456789abcdef' }),
    refreshToken: async () => {
      refreshed++
      return server.token({ sub: 'alice' })
    },
    backoff: { initialDelayMs: 20 },
  })
  t.teardown(() => alice.close())
  await alice.join(uniq('browser-fetch')).ready
  t.equal(refreshed, 1)
})
