/**
 * Run by test/client/deno.test.ts under the real deno binary: the client from its TypeScript
 * source (Deno runs it as it is), with Deno's own WebSocket and fetch. Joins a room, sends two
 * messages, waits for both to come back, and prints what it saw as one JSON line.
 */
import { GuildhallClient } from '../../../src/client/index.ts'

declare const Deno: { args: string[] }

const [url, token, roomId] = Deno.args as [string, string, string]
const client = new GuildhallClient({ url, token })
const room = client.join(roomId)
const welcome = await room.ready
const seen: number[] = []
const both = new Promise<void>((resolve) =>
  room.on('message', (m) => {
    seen.push(m.seq)
    if (seen.length === 2) resolve()
  }),
)
const acks = [await room.send('from deno 1'), await room.send('from deno 2')]
await both
const page = await room.history({ limit: 10 })
console.log(JSON.stringify({ user: welcome.user, acks: acks.map((a) => a.seq), seen, history: page.messages.length }))
client.close()
