/**
 * What a connect allocates on the server, by whom: `node bench/connect-alloc.ts [checkout]
 * [connections]`. Starts guildhall from the checkout (default: this one) with the embedded
 * store and bench/lib/heap-sampler.ts, opens 200 connections to warm up (first-use compilation
 * is per process), then samples every allocation (collected or not) over a storm of
 * `connections` (default 1,000; 128 in flight, 100 rooms, one JWT each, each waiting for its
 * `welcome`), and prints the sampled bytes per connection by category (connect-profile.ts's,
 * the first its stack matches) and the functions that allocate most. Sampled: read shares
 * and sizes to a few hundred bytes, not exact counts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { categories } from './connect-profile.ts'
import { freePort } from './lib/free-port.ts'
import { mintToken } from './lib/token.ts'
import { spawnServer } from './targets/spawn.ts'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface SamplingNode {
  callFrame: CallFrame
  selfSize: number
  children: SamplingNode[]
}

const here = fileURLToPath(new URL('.', import.meta.url))
const root = resolve(process.argv[2] ?? join(here, '..'))
const connections = Number(process.argv[3] ?? 1000)
/** `ALLOC_CATEGORY=<start of a category name>`: the top functions of that category only. */
const only = process.env.ALLOC_CATEGORY
const secret = randomBytes(32).toString('hex')
const work = mkdtempSync(join(tmpdir(), 'connect-alloc-'))
const profileFile = join(work, 'connect.heapprofile')

const server = await spawnServer(
  {
    args: [`--import=${join(here, 'lib', 'heap-sampler.ts')}`, join(root, 'src', 'main.ts')],
    cwd: root,
    env: { STORE: 'embedded', DATA_DIR: join(work, 'data'), HEAP_PROF_FILE: profileFile },
  },
  { host: '127.0.0.1', port: await freePort(), jwtSecret: secret, logFile: join(work, 'server.log'), dataDir: work },
)

async function storm(count: number, offset: number): Promise<WebSocket[]> {
  const tokens = await Promise.all(Array.from({ length: count }, (_, i) => mintToken(secret, `u${offset + i}`)))
  const open: WebSocket[] = []
  let next = 0
  const lane = async () => {
    while (next < count) {
      const i = next++
      const url = `ws://${server.host}:${server.port}/ws/rooms/storm-${i % 100}?token=${tokens[i]}`
      open.push(
        await new Promise<WebSocket>((done, fail) => {
          const ws = new WebSocket(url, { perMessageDeflate: false })
          ws.on('message', (data: Buffer) => {
            if (data.includes('"welcome"')) done(ws)
          })
          ws.on('error', fail)
          ws.on('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)))
        }),
      )
    }
  }
  await Promise.all(Array.from({ length: 128 }, lane))
  return open
}

try {
  for (const ws of await storm(200, 0)) ws.close()
  await sleep(500)
  process.kill(server.pid, 'SIGUSR2')
  await sleep(200)
  const open = await storm(connections, 1000)
  process.kill(server.pid, 'SIGUSR2')
  for (let i = 0; i < 50; i++) {
    await sleep(100)
    try {
      readFileSync(profileFile)
      break
    } catch {}
  }
  await sleep(300)
  const { head } = JSON.parse(readFileSync(profileFile, 'utf8')) as { head: SamplingNode }
  for (const ws of open) ws.terminate()
  report(head)
} finally {
  await server.stop()
  rmSync(work, { recursive: true, force: true })
}

function report(head: SamplingNode): void {
  const byCategory = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  const walk = (node: SamplingNode, stack: CallFrame[]) => {
    const here = [node.callFrame, ...stack]
    if (node.selfSize > 0) {
      total += node.selfSize
      const [category] = categories.find(([, matches]) => matches(here))!
      byCategory.set(category, (byCategory.get(category) ?? 0) + node.selfSize)
      const f = node.callFrame
      if (only && !category.startsWith(only)) {
        for (const child of node.children) walk(child, here)
        return
      }
      const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|src|actors)\//, '$1/')}:${f.lineNumber + 1}`
      byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize)
    }
    for (const child of node.children) walk(child, here)
  }
  walk(head, [])
  const perConn = (bytes: number) => String(Math.round(bytes / connections)).padStart(7)
  console.log(`${root}: ${perConn(total)} B allocated per connection (${connections} connections)`)
  for (const [category, bytes] of [...byCategory].sort((a, b) => b[1] - a[1]))
    console.log(`${perConn(bytes)} B  ${category}`)
  console.log('top allocating functions:')
  for (const [key, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`${perConn(bytes)} B  ${key}`)
}
