import t from 'tap'
import type { IncomingMessage } from 'node:http'
import { Hono } from 'hono'
import { upgradeRequest, upgradeUrl } from './upgrade-request.ts'

const incoming = (url: string, headers: Record<string, string | string[]> = { host: 'chat.example:8080' }) =>
  ({ url, headers }) as unknown as IncomingMessage

t.test('the app gets no undici Request, Headers or URL for an upgrade', async (t) => {
  const req = upgradeRequest(incoming('/ws/rooms/r?token=a.b.c'))
  t.notOk(req instanceof Request, 'not a Request')
  t.notOk(req.headers instanceof Headers, 'not a Headers')
  t.equal(typeof req.url, 'string')
  t.equal(req.method, 'GET')
})

t.test('targets', async (t) => {
  t.equal(upgradeUrl(incoming('/ws/rooms/r?token=a.b.c')), 'http://chat.example:8080/ws/rooms/r?token=a.b.c')
  t.equal(upgradeUrl(incoming('/ws/../ws/rooms/r')), 'http://chat.example:8080/ws/rooms/r', 'dot segments resolved')
  t.equal(upgradeUrl(incoming('/ws/rooms/GUILD%23g')), 'http://chat.example:8080/ws/rooms/GUILD%23g')
  t.equal(
    upgradeUrl(incoming('/ws/rooms/é')),
    'http://chat.example:8080/ws/rooms/%C3%A9',
    'encoded as the URL parser does',
  )
  t.equal(
    upgradeUrl(incoming('/ws', { host: 'Chat.Example' })),
    'http://chat.example/ws',
    'host as the URL parser reads it',
  )
  t.equal(upgradeUrl(incoming('/ws', {})), 'http://localhost/ws', 'no Host')
  t.equal(upgradeUrl(incoming('http://other.example/ws?x=1')), 'http://other.example/ws?x=1', 'absolute as given')
  t.throws(() => upgradeUrl(incoming('*')), 'not a URL')
  t.throws(() => upgradeUrl(incoming('/ws', { host: 'a b' })), 'not a host')
})

t.test('headers', async (t) => {
  const { headers } = upgradeRequest(
    incoming('/ws', { host: 'h', authorization: 'Bearer x', origin: '', 'set-cookie': ['a=1', 'b=2'] }),
  )
  t.equal(headers.get('Authorization'), 'Bearer x', 'names in any case')
  t.equal(headers.get('origin'), null, 'an empty value is absent')
  t.equal(headers.get('constructor'), null, 'not a property of the object')
  t.equal(headers.get('set-cookie'), 'a=1', 'the first of repeated values')
  t.ok(headers.has('HOST'))
  const seen: string[] = []
  headers.forEach((value, name) => {
    seen.push(`${name}=${value}`)
  })
  t.same(seen, ['host=h', 'authorization=Bearer x', 'set-cookie=a=1'])
})

t.test('Hono routes it as a request: path, params, query, headers', async (t) => {
  const app = new Hono().get('/ws/rooms/:roomId', (c) =>
    c.json({
      room: c.req.param('roomId'),
      since: c.req.query('since'),
      token: c.req.query('token'),
      origin: c.req.header('origin'),
      path: c.req.path,
    }),
  )
  const req = upgradeRequest(
    incoming('/ws/rooms/GUILD%23g?since=4&token=a%2Bb', { host: 'h', origin: 'https://app.example' }),
  )
  const res = await app.fetch(req)
  t.same(await res.json(), {
    room: 'GUILD#g',
    since: '4',
    token: 'a+b',
    origin: 'https://app.example',
    path: '/ws/rooms/GUILD%23g',
  })
  t.equal((await app.fetch(upgradeRequest(incoming('/nowhere', { host: 'h' })))).status, 404)
})
