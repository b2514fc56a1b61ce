/**
 * Where a server's main thread spent a CPU profile (`--window-prof`): each sample goes to the
 * first category found walking up its stack (idle, GC, the profiler itself, the embedded
 * store and its file I/O), else by the function it was in (sockets: ws, net and streams;
 * actors/; src/; other). `node bench/profile-summary.ts <file.cpuprofile>...`
 */
import { readFileSync } from 'node:fs'
import { type CallFrame, type Profile, stacks } from './lib/cpu-profile.ts'

const onStack: [string, (f: CallFrame) => boolean][] = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['profiler', (f) => f.url.includes('inspector') || f.url.includes('diagnostics')],
  ['store (embedded log, fs)', (f) => f.url.includes('/store/') || f.url.includes('fs/promises')],
]

function byFunction(f: CallFrame): string {
  const socket = ['writev', 'writeBuffer', 'writeUtf8String'].includes(f.functionName)
  if (socket || /stream|node:net|\/ws\/lib\//.test(f.url)) return 'sockets (ws, net, streams)'
  if (f.url.includes('/actors/')) return 'actors/ (rooms, sessions)'
  if (f.url.includes('/src/')) return 'src/ (socket bridge, adapters, log)'
  return 'other'
}

export function summarize(profile: Profile): Map<string, number> {
  const stack = stacks(profile)
  const self = new Map<number, number>()
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  const ms = new Map<string, number>()
  for (const [id, us] of self) {
    const frames = stack(id)
    let category: string | undefined
    for (const frame of frames) {
      category = onStack.find(([, test]) => test(frame))?.[0]
      if (category) break
    }
    category ??= byFunction(frames[0]!)
    ms.set(category, (ms.get(category) ?? 0) + us / 1000)
  }
  return ms
}

for (const file of process.argv.slice(2)) {
  const ms = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile)
  const total = [...ms.values()].reduce((a, b) => a + b, 0)
  const busy = total - (ms.get('idle') ?? 0)
  console.log(`\n${file}: ${Math.round(total)} ms sampled, ${Math.round(busy)} ms busy\n`)
  console.log('| category | ms | share of busy |\n|---|---:|---:|')
  for (const [k, v] of [...ms].sort((a, b) => b[1] - a[1])) {
    if (k !== 'idle') console.log(`| ${k} | ${Math.round(v)} | ${((100 * v) / busy).toFixed(1)}% |`)
  }
}
