/**
 * Starts the Durable Object chat room on workerd through Miniflare and keeps it up until
 * SIGTERM/SIGINT. chat-room.ts is compiled with TypeScript's transpiler (no bundler needed:
 * one module, Web APIs only). Env: PORT, HOST, JWT_SECRET.
 */
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { Miniflare } from 'miniflare'

const source = readFileSync(new URL('./chat-room.ts', import.meta.url), 'utf8')
const script = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText

const mf = new Miniflare({
  modules: true,
  script,
  compatibilityDate: '2025-04-01',
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8792),
  durableObjects: { ROOMS: 'ChatRoom' },
  bindings: { JWT_SECRET: process.env.JWT_SECRET ?? '' },
  durableObjectsPersist: false,
})

const url = await mf.ready
console.log(JSON.stringify({ event: 'ready', url: url.href }))

async function stop(): Promise<void> {
  await mf.dispose()
  process.exit(0)
}
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void stop())
