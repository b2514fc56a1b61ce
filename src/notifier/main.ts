/** The push worker's entry point (`npm run notifier`; in the image: `node src/notifier/main.ts`). */
import process from 'node:process'
import { runNotifier } from './run.ts'

await runNotifier({
  env: process.env,
  onSignal: (signal, handler) => process.on(signal, handler),
  exit: (code) => process.exit(code),
})
