import t from 'tap'
import { mintDevTokens, randomSecret } from './dev.ts'
import { createVerifier } from './verify.ts'

t.test('dev tokens verify with the generated secret; the admin one is admin', async (t) => {
  const secret = randomSecret()
  t.ok(secret.length >= 43, '32 random bytes')
  t.not(secret, randomSecret())
  const { token, adminToken } = await mintDevTokens(secret)
  const verify = createVerifier({ secret })
  t.same((await verify(token)).admin, false)
  t.same((await verify(adminToken)).admin, true)
})
