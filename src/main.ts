/** Node entry point (`npm start`): the shared lifecycle on the Node adapter. */
import process from 'node:process'
import { serveNode, upgradeWebSocket } from './adapters/node.ts'
import { run } from './run.ts'

// tsx turns source maps on. Then every Error's stack is mapped when read, and Node's streams
// read the stack of each failed socket write: a broadcast to peers that vanished spent more
// time mapping stacks than sending. Our logs carry an error's name and message, never its
// stack, so the server runs without them (SOURCE_MAPS=true turns them back on for debugging).
if (process.env.SOURCE_MAPS !== 'true') process.setSourceMapsEnabled(false)

await run({
  runtime: 'node',
  env: process.env,
  upgradeWebSocket,
  serve: serveNode,
  onSignal: (signal, handler) => process.on(signal, handler),
  exit: (code) => process.exit(code),
})
