import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { testSecret } from '../test/support/tokens.ts'
import { createMemoryLogger } from '../test/support/memory-logger.ts'
import { REPEAT_SIGNAL_MS, run, type RuntimeHooks } from './run.ts'

/** `run` on fake runtime hooks: signals are raised by hand, time is moved by hand. */
async function started(t: Test) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-run-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const logger = createMemoryLogger()
  const handlers: Record<string, () => void> = {}
  const exits: number[] = []
  let exited!: () => void
  const firstExit = new Promise<void>((resolve) => (exited = resolve))
  const clock = { time: 1_000_000, now: () => clock.time }
  const hooks: RuntimeHooks = {
    runtime: 'node',
    env: { JWT_SECRET: testSecret, DATA_DIR: dir, PORT: '0' },
    upgradeWebSocket: (() => {
      throw new Error('no sockets here')
    }) as unknown as RuntimeHooks['upgradeWebSocket'],
    serve: async () => ({ port: 1, stopAccepting() {}, close: async () => {} }),
    onSignal: (signal, handler) => {
      handlers[signal] = handler
    },
    exit: (code) => {
      exits.push(code)
      exited()
    },
    logger,
    clock,
  }
  await run(hooks)
  const events = () => logger.lines.map((l) => l.event)
  return {
    handlers,
    exits,
    firstExit,
    clock,
    events,
    drained: () => logger.lines.some((l) => l.event === 'drain_done'),
  }
}

t.test('one Ctrl+C delivered twice (by the terminal and again by npm) is one drain, not an abort', async (t) => {
  const s = await started(t)
  s.handlers.SIGINT!()
  s.clock.time += REPEAT_SIGNAL_MS - 1
  s.handlers.SIGINT!()
  await s.firstExit
  t.same(s.exits, [0])
  t.notOk(s.events().includes('drain_aborted'))
  t.ok(s.drained())
})

t.test('a second signal later, or a different one, still exits at once with 1', async (t) => {
  for (const [second, after] of [
    ['SIGINT', REPEAT_SIGNAL_MS],
    ['SIGTERM', 0],
  ] as const) {
    const s = await started(t)
    s.handlers.SIGINT!()
    s.clock.time += after
    s.handlers[second]!()
    await s.firstExit
    t.equal(s.exits[0], 1, `${second} after ${after} ms`)
    t.ok(s.events().includes('drain_aborted'))
  }
})
