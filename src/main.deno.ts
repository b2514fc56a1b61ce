/** Deno entry point (`npm run start:deno`): the shared lifecycle on the Deno adapter. */
import { resolveLimits } from '../actors/limits.ts'
import { denoUpgrade, serveDeno } from './adapters/deno.ts'
import { loadConfig } from './config.ts'
import { run } from './run.ts'

declare const Deno: {
  env: { toObject(): Record<string, string> }
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void
  exit(code: number): never
}

const env = Deno.env.toObject()
// The upgrade needs the peer timeout before the app exists; a bad config is reported by `run`.
let peerTimeoutMs = resolveLimits().peerTimeoutMs
try {
  peerTimeoutMs = resolveLimits(loadConfig(env).limits).peerTimeoutMs
} catch {
  // run() reports it
}

await run({
  runtime: 'deno',
  env,
  upgradeWebSocket: denoUpgrade(peerTimeoutMs),
  serve: serveDeno,
  onSignal: (signal, handler) => Deno.addSignalListener(signal, handler),
  exit: (code) => Deno.exit(code),
})
