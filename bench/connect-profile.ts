/**
 * Where a server's CPU went during a connect storm, per connection, from a `--cpu-prof` profile
 * (`npm run bench -- --only=connect --cpu-prof`): `node bench/connect-profile.ts <profile file
 * or dir> <connections>`. Only the samples between the first and the last upgrade (`handleUpgrade` on
 * the stack) count, so start-up is left out; each sample goes to the first category its stack
 * matches, in the order listed (so a log line's write counts as logging, not as a socket write).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { type CallFrame, type Profile, stacks } from './lib/cpu-profile.ts'

const inUrl = (part: string) => (s: CallFrame[]) => s.some((c) => c.url.includes(part))
const named = (...names: string[]) => {
  const set = new Set(names)
  return (s: CallFrame[]) => s.some((c) => set.has(c.functionName))
}

export const categories: [string, (stack: CallFrame[]) => boolean][] = [
  ['idle', (s) => s[0]?.functionName === '(idle)'],
  ['garbage collector', (s) => s[0]?.functionName === '(garbage collector)'],
  ['JWT check (jose, WebCrypto HMAC)', inUrl('/jose/')],
  ['log lines', inUrl('/src/log.ts')],
  ['socket writes (write/writev system calls)', named('_writeGeneric', '_writev', 'writev', 'writeUtf8String')],
  ['store (access check, read marker)', inUrl('/src/store/')],
  ['session and room (actors/: entry, welcome, presence)', inUrl('/actors/')],
  [
    'Hono app (routing, CORS, auth, refusals)',
    (s) => inUrl('/hono/')(s) || inUrl('/src/http/')(s) || inUrl('valibot')(s),
  ],
  ['ws handshake', inUrl('/ws/lib/')],
  ['upgrade adapter (Request for the app, binding)', inUrl('/src/adapters/')],
  ['Node HTTP parser and TCP accept', (s) => s.some((c) => c.url.startsWith('node:_http') || c.url === 'node:net')],
  ['other (native, microtasks)', () => true],
]

export function summarize(profile: Profile, connections: number): { category: string; usPerConn: number }[] {
  const stack = stacks(profile)
  const upgrading = named('handleUpgrade')
  let first = -1
  let last = -1
  profile.samples.forEach((id, i) => {
    if (!upgrading(stack(id))) return
    if (first < 0) first = i
    last = i
  })
  const spent = new Map<string, number>()
  for (let i = Math.max(0, first); i <= last; i++) {
    const s = stack(profile.samples[i]!)
    const [category] = categories.find(([, matches]) => matches(s))!
    spent.set(category, (spent.get(category) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  return categories.map(([category]) => ({ category, usPerConn: Math.round((spent.get(category) ?? 0) / connections) }))
}

if (import.meta.main) {
  const [path, count] = process.argv.slice(2)
  if (!path || !count) throw new Error('usage: node bench/connect-profile.ts <profile file or dir> <connections>')
  const file = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(path, f))[0]
    : path
  if (!file) throw new Error(`no .cpuprofile in ${path}`)
  const rows = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(count))
  const busy = rows.filter((r) => r.category !== 'idle').reduce((sum, r) => sum + r.usPerConn, 0)
  console.log(`busy: ${busy} µs per connection`)
  for (const r of rows) if (r.category !== 'idle') console.log(`${String(r.usPerConn).padStart(6)} µs  ${r.category}`)
}
