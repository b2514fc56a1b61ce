/**
 * X-Ray segment documents (JSON strings in a trace's Segments[].Document) turned into one
 * tree of spans: subsegments under their segment, and a segment whose `parent_id` names a
 * span elsewhere in the trace (the next node, after a hop) under that span.
 * Times stay in X-Ray's epoch seconds here; waterfall.ts turns them into milliseconds.
 */
import type { Trace } from '@aws-sdk/client-xray'

export type SpanStatus = 'ok' | 'error' | 'fault' | 'throttle'

export interface SpanRow {
  id: string
  /** The node it ran on: its `node` annotation, else its parent's, else the segment's name. */
  node: string
  /** The span's name, with the HTTP method and path or the AWS operation when it has one. */
  name: string
  start: number
  /** Undefined while X-Ray still has it in progress. */
  end?: number
  status: SpanStatus
  depth: number
  annotations: Record<string, unknown>
}

export interface TraceView {
  id: string
  rows: SpanRow[]
  /** Earliest start and latest end over all spans, epoch seconds. */
  start: number
  end: number
  rooms: string[]
  messages: string[]
  /** X-Ray cut the trace at its size limit: spans are missing. */
  limitExceeded: boolean
  /** Segment documents that were not JSON objects (skipped). */
  unreadable: number
}

interface XRayDoc {
  id?: string
  name?: string
  parent_id?: string
  start_time?: number
  end_time?: number
  error?: boolean
  fault?: boolean
  throttle?: boolean
  annotations?: Record<string, unknown>
  http?: { request?: { method?: string; url?: string } }
  aws?: { operation?: string }
  subsegments?: XRayDoc[]
}

interface Node {
  doc: XRayDoc
  id: string
  parentId: string | undefined
  children: Node[]
}

export function statusOf(doc: { error?: boolean; fault?: boolean; throttle?: boolean }): SpanStatus {
  if (doc.fault) return 'fault'
  if (doc.throttle) return 'throttle'
  if (doc.error) return 'error'
  return 'ok'
}

function displayName(doc: XRayDoc): string {
  const name = doc.name ?? '?'
  const request = doc.http?.request
  if (request?.method && request.url) {
    let path = request.url
    try {
      path = new URL(request.url, 'http://x').pathname
    } catch {}
    return `${name} ${request.method} ${path}`
  }
  if (doc.aws?.operation) return `${name} ${doc.aws.operation}`
  return name
}

export function buildTrace(trace: Trace): TraceView {
  const nodes = new Map<string, Node>()
  let unreadable = 0
  const add = (doc: XRayDoc, containerId: string | undefined): void => {
    if (typeof doc !== 'object' || doc === null || typeof doc.id !== 'string' || typeof doc.start_time !== 'number') {
      unreadable++
      return
    }
    const seen = nodes.get(doc.id)
    // The same span can come twice (sent in progress, then complete): keep the complete one.
    if (!seen || (seen.doc.end_time === undefined && doc.end_time !== undefined)) {
      nodes.set(doc.id, { doc, id: doc.id, parentId: containerId ?? doc.parent_id, children: [] })
    }
    for (const sub of doc.subsegments ?? []) add(sub, doc.id)
  }
  for (const segment of trace.Segments ?? []) {
    let doc: unknown
    try {
      doc = JSON.parse(segment.Document ?? '')
    } catch {
      unreadable++
      continue
    }
    add(doc as XRayDoc, undefined)
  }

  const roots: Node[] = []
  for (const node of nodes.values()) {
    const parent = node.parentId === undefined ? undefined : nodes.get(node.parentId)
    if (parent && parent !== node) parent.children.push(node)
    else roots.push(node)
  }
  const byStart = (a: Node, b: Node) => a.doc.start_time! - b.doc.start_time! || (a.id < b.id ? -1 : 1)

  const rows: SpanRow[] = []
  const visited = new Set<Node>()
  const visit = (node: Node, depth: number, parentNode: string | undefined): void => {
    if (visited.has(node)) return
    visited.add(node)
    const annotations = node.doc.annotations ?? {}
    const own = annotations.node
    const nodeName = typeof own === 'string' && own ? own : (parentNode ?? node.doc.name ?? '?')
    rows.push({
      id: node.id,
      node: nodeName,
      name: displayName(node.doc),
      start: node.doc.start_time!,
      ...(typeof node.doc.end_time === 'number' && { end: node.doc.end_time }),
      status: statusOf(node.doc),
      depth,
      annotations,
    })
    for (const child of node.children.sort(byStart)) visit(child, depth + 1, nodeName)
  }
  for (const root of roots.sort(byStart)) visit(root, 0, undefined)
  // Spans whose parents point at each other (a malformed trace) are shown as roots, not lost.
  for (const node of [...nodes.values()].sort(byStart)) visit(node, 0, undefined)

  const starts = rows.map((r) => r.start)
  const ends = rows.map((r) => r.end ?? r.start)
  const start = starts.length ? Math.min(...starts) : 0
  const end = ends.length ? Math.max(...ends) : start + (trace.Duration ?? 0)
  return {
    id: trace.Id ?? '?',
    rows,
    start,
    end,
    rooms: distinct(rows, 'room_id'),
    messages: distinct(rows, 'message_id'),
    limitExceeded: trace.LimitExceeded === true,
    unreadable,
  }
}

function distinct(rows: readonly SpanRow[], key: string): string[] {
  const values = new Set<string>()
  for (const row of rows) {
    const value = row.annotations[key]
    if (typeof value === 'string' && value) values.add(value)
  }
  return [...values]
}
