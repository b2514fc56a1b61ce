/**
 * What the traces CLI asks X-Ray: the trace ids of a room (GetTraceSummaries on the
 * `room_id` annotation, every page), then the traces themselves (BatchGetTraces, at most
 * 5 ids a call as the API allows, every page). Throttling is retried by the client's retry
 * strategy (scripts/traces.ts builds it); nothing here waits or retries by itself.
 */
import { BatchGetTracesCommand, GetTraceSummariesCommand, type Trace, type XRayClient } from '@aws-sdk/client-xray'

/** BatchGetTraces takes 1 to 5 trace ids (X-Ray API reference). */
export const BATCH_GET_TRACES_MAX_IDS = 5

/**
 * The longest window one GetTraceSummaries call is given. The API reference states no
 * maximum, the console takes at most 6 hours, so a longer look-back is asked window by window.
 */
export const MAX_WINDOW_MS = 6 * 3_600_000

/** The X-Ray filter for a room, or for one message in it (ids are checked by args.ts). */
export function filterExpression(room: string, message?: string): string {
  const byRoom = `annotation.room_id = "${room}"`
  return message === undefined ? byRoom : `${byRoom} AND annotation.message_id = "${message}"`
}

export interface Window {
  start: Date
  end: Date
}

/** [end - sinceMs, end] cut into windows of at most `maxMs`, newest first. */
export function timeWindows(end: Date, sinceMs: number, maxMs = MAX_WINDOW_MS): Window[] {
  const windows: Window[] = []
  const startMs = end.getTime() - sinceMs
  for (let hi = end.getTime(); hi > startMs; hi -= maxMs) {
    windows.push({ start: new Date(Math.max(startMs, hi - maxMs)), end: new Date(hi) })
  }
  return windows
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** The matching trace ids over all windows and pages, each once, in X-Ray's order. */
export async function findTraceIds(client: XRayClient, filter: string, windows: readonly Window[]): Promise<string[]> {
  const ids = new Set<string>()
  for (const window of windows) {
    let nextToken: string | undefined
    do {
      const page = await client.send(
        new GetTraceSummariesCommand({
          StartTime: window.start,
          EndTime: window.end,
          // TraceId: traces that started in the window (a trace id carries its start second).
          TimeRangeType: 'TraceId',
          FilterExpression: filter,
          ...(nextToken !== undefined && { NextToken: nextToken }),
        }),
      )
      for (const summary of page.TraceSummaries ?? []) if (summary.Id) ids.add(summary.Id)
      nextToken = page.NextToken || undefined
    } while (nextToken !== undefined)
  }
  return [...ids]
}

/** An X-Ray trace id's start, in epoch seconds: `1-<8 hex seconds>-<24 hex>`. */
export function traceIdSeconds(id: string): number {
  const m = /^1-([0-9a-f]{8})-/i.exec(id)
  return m ? parseInt(m[1]!, 16) : 0
}

/** The newest `limit` ids (by the start second in the id). */
export function newest(ids: readonly string[], limit: number): string[] {
  return [...ids].sort((a, b) => traceIdSeconds(b) - traceIdSeconds(a)).slice(0, limit)
}

export interface FetchedTraces {
  traces: Trace[]
  /** Ids X-Ray listed as unprocessed. */
  unprocessed: string[]
}

/** The traces for `ids`, 5 ids a call, every page; a trace split over pages is merged. */
export async function getTraces(client: XRayClient, ids: readonly string[]): Promise<FetchedTraces> {
  const byId = new Map<string, Trace>()
  const unprocessed = new Set<string>()
  for (const batch of chunks(ids, BATCH_GET_TRACES_MAX_IDS)) {
    let nextToken: string | undefined
    do {
      const page = await client.send(
        new BatchGetTracesCommand({ TraceIds: batch, ...(nextToken !== undefined && { NextToken: nextToken }) }),
      )
      for (const trace of page.Traces ?? []) merge(byId, trace)
      for (const id of page.UnprocessedTraceIds ?? []) unprocessed.add(id)
      nextToken = page.NextToken || undefined
    } while (nextToken !== undefined)
  }
  for (const id of byId.keys()) unprocessed.delete(id)
  return { traces: [...byId.values()], unprocessed: [...unprocessed] }
}

function merge(byId: Map<string, Trace>, trace: Trace): void {
  if (!trace.Id) return
  const seen = byId.get(trace.Id)
  if (!seen) {
    byId.set(trace.Id, { ...trace, Segments: [...(trace.Segments ?? [])] })
    return
  }
  const have = new Set(seen.Segments!.map((s) => s.Id))
  for (const segment of trace.Segments ?? []) if (!have.has(segment.Id)) seen.Segments!.push(segment)
  seen.LimitExceeded = seen.LimitExceeded || trace.LimitExceeded
  seen.Duration = Math.max(seen.Duration ?? 0, trace.Duration ?? 0)
}
