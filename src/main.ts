/** Node entry point (`npm start`): the shared lifecycle on the Node adapter. */
import process from 'node:process'
import { serveNode, upgradeWebSocket } from './adapters/node.ts'
import { run } from './run.ts'

await run({
  runtime: 'node',
  env: process.env,
  upgradeWebSocket,
  serve: serveNode,
  onSignal: (signal, handler) => process.on(signal, handler),
  exit: (code) => process.exit(code),
})
