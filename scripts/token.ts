/**
 * `npm run -s token -- <user> [--admin] [--name <display name>] [--ttl 1h]`: prints an access
 * token for <user> on stdout, so `TOKEN=$(npm run -s token -- alice)` works.
 *
 * Signed with `JWT_SECRET` when it is set (the secret the server is started with), else with
 * the secret of the development server running on `DATA_DIR` (default ./.data), which it keeps
 * in `DATA_DIR/dev-secret` while it runs (src/auth/dev-secret.ts). Nothing else to configure.
 */
import process from 'node:process'
import { parseArgs } from 'node:util'
import { mintToken } from '../src/auth/dev.ts'
import { DEV_SECRET_FILE, readDevSecret } from '../src/auth/dev-secret.ts'
import { MIN_SECRET_BYTES } from '../src/config.ts'

const usage = 'usage: npm run -s token -- <user> [--admin] [--name <display name>] [--ttl <n>s|m|h|d]'

function fail(message: string): never {
  console.error(`token: ${message}`)
  process.exit(1)
}

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds. */
function parseTtl(text: string): number | undefined {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (!m) return undefined
  const seconds = Number(m[1]) * { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd']
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined
}

function parseOptions() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        admin: { type: 'boolean' },
        name: { type: 'string' },
        ttl: { type: 'string', default: '24h' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    return fail(`${(err as Error).message}\n${usage}`)
  }
}
const { values, positionals } = parseOptions()
if (values.help) {
  console.log(usage)
  process.exit(0)
}
if (positionals.length !== 1) fail(usage)
const user = positionals[0]!
const length = [...user].length
if (length < 1 || length > 128) fail('the user id must be 1 to 128 characters')
const ttlSeconds = parseTtl(values.ttl!)
if (ttlSeconds === undefined) fail(`--ttl ${values.ttl}: expected a positive number of seconds, or e.g. 15m, 1h, 7d`)

const dataDir = process.env.DATA_DIR || './.data'
let secret = process.env.JWT_SECRET || undefined
let source = 'JWT_SECRET'
if (secret === undefined) {
  secret = readDevSecret(dataDir)
  source = `the development server's secret in ${dataDir}/${DEV_SECRET_FILE}`
}
if (secret === undefined) {
  fail(
    `JWT_SECRET is not set and no development server is running on DATA_DIR (${dataDir}).\n` +
      '  Sign with the secret your server uses:  JWT_SECRET=... npm run -s token -- ' +
      user +
      '\n' +
      '  or start a development server first (npm start without JWT_SECRET) and run this in the same directory.',
  )
}
if (new TextEncoder().encode(secret).length < MIN_SECRET_BYTES)
  fail(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes, as the server requires`)

const token = await mintToken(secret, {
  sub: user,
  ...(values.name !== undefined && { name: values.name }),
  ...(values.admin && { roles: ['admin'] }),
  ttlSeconds,
})
console.log(token)
console.error(
  `token: user "${user}"${values.admin ? ' with the admin role' : ''}, valid ${values.ttl}, signed with ${source}`,
)
