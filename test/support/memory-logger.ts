/** A logger that keeps its lines in memory, for tests: the JSON logger's lines, parsed. */
import type { Logger } from '../../actors/ports.ts'
import { createJsonLogger } from '../../src/log.ts'

export function createMemoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = createJsonLogger({ write: (line) => lines.push(JSON.parse(line)) })
  return Object.assign(logger, { lines })
}
