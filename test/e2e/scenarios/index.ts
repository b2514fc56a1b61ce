/**
 * The end-to-end scenario suite: every row of docs/protocol.md, over real sockets, against any
 * `Target` (in process, a Node child, a Deno child, or a server with STORE=dynamodb).
 */
import type { Test } from 'tap'
import type { Target } from '../../support/server.ts'
import { adminScenarios } from './admin.ts'
import { conversationScenarios } from './conversations.ts'
import { deviceScenarios } from './devices.ts'
import { frameScenarios } from './frames.ts'
import { guaranteeScenarios } from './guarantees.ts'
import { httpScenarios } from './http.ts'
import { limitScenarios } from './limits.ts'
import { multiplexScenarios } from './multiplex.ts'
import { roomWriteScenarios } from './room-writes.ts'

export function protocolScenarios(t: Test, target: () => Target): void {
  t.test('HTTP endpoints', async (t) => httpScenarios(t, target))
  t.test('admin API', async (t) => adminScenarios(t, target))
  t.test('frames', async (t) => frameScenarios(t, target))
  t.test('guarantees', async (t) => guaranteeScenarios(t, target))
  t.test('multiplexed /ws', async (t) => multiplexScenarios(t, target))
  t.test('limits and close codes', async (t) => limitScenarios(t, target))
  t.test('posting and reading over HTTP', async (t) => roomWriteScenarios(t, target))
  t.test('push devices', async (t) => deviceScenarios(t, target))
  t.test('conversations and my rooms', async (t) => conversationScenarios(t, target))
}
