import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import t from 'tap'
import { mint, testSecret, unsigned } from '../../test/support/tokens.ts'
import { AuthError, createVerifier } from './verify.ts'

const verify = createVerifier({ secret: testSecret })

t.test('an HS256 token yields its principal', async (t) => {
  const exp = Math.floor(Date.now() / 1000) + 600
  const p = await verify(await mint({ sub: 'alice', name: 'Alice', exp }))
  t.same(p, { user: { id: 'alice', name: 'Alice' }, admin: false, expiresAt: exp * 1000 })
})

t.test('roles including "admin" grant admin', async (t) => {
  t.equal((await verify(await mint({ roles: ['reader', 'admin'] }))).admin, true)
  t.equal((await verify(await mint({ roles: ['reader'] }))).admin, false)
})

t.test('refusals', async (t) => {
  const cases: [string, Promise<string> | string, RegExp][] = [
    ['expired', mint({ exp: Math.floor(Date.now() / 1000) - 10 }), /expired/],
    ['wrong key', mint({ secret: 'another-secret-another-secret-xx' }), /signature/],
    ['alg none', unsigned(), /./],
    ['malformed', 'not.a.jwt', /malformed/],
    ['garbage', 'garbage', /malformed/],
    ['no exp', mint({ noExp: true }), /exp/],
    ['no sub', mint({ sub: '' }), /sub/],
    ['sub too long', mint({ sub: 'x'.repeat(129) }), /sub/],
    [
      'roles not strings',
      new SignJWT({ roles: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('a')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(testSecret)),
      /claims/,
    ],
  ]
  for (const [name, token, message] of cases) {
    await t.rejects(verify(await token), message, name)
    await t.rejects(verify(await token), AuthError, `${name} is an AuthError`)
  }
})

t.test('a 128-character sub is accepted', async (t) => {
  t.equal((await verify(await mint({ sub: 'é'.repeat(128) }))).user.id.length, 128)
})

t.test('issuer and audience are checked when configured', async (t) => {
  const strict = createVerifier({ secret: testSecret, issuer: 'https://id.example', audience: ['chat', 'other'] })
  await t.resolves(strict(await mint({ iss: 'https://id.example', aud: 'chat' })))
  await t.rejects(strict(await mint({ iss: 'https://evil.example', aud: 'chat' })), /iss/)
  await t.rejects(strict(await mint({ iss: 'https://id.example', aud: 'billing' })), /aud/)
  await t.rejects(strict(await mint({})), /iss/)
})

t.test('JWKS: ES256 tokens verify against the key set; HS256 is refused without a secret', async (t) => {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  const viaJwks = createVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json` })
  const good = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject('bob')
    .setExpirationTime('1h')
    .sign(privateKey)
  t.equal((await viaJwks(good)).user.id, 'bob')
  const other = await generateKeyPair('ES256')
  const forged = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject('bob')
    .setExpirationTime('1h')
    .sign(other.privateKey)
  await t.rejects(viaJwks(forged), AuthError)
  await t.rejects(viaJwks(await mint()), /algorithm/)
  await t.rejects(viaJwks(unsigned()), AuthError)
})
