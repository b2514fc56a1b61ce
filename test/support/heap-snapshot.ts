/**
 * A V8 heap snapshot (`node:v8` writeHeapSnapshot) read as a graph, for tests that ask what
 * keeps an object alive. Each object's retainer path is the one Chrome DevTools shows first:
 * the shortest path from the GC roots (breadth first over strong edges).
 */
import { readFileSync } from 'node:fs'

interface RawSnapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] }
    root_index?: number
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

export interface RetainerStep {
  /** The retaining node. */
  node: number
  /** The retaining object's constructor (or V8's name for it, e.g. `system / Context`). */
  holder: string
  /** The property, variable or index through which it holds the next object. */
  edge: string
}

export class HeapGraph {
  readonly #raw: RawSnapshot
  readonly #nodeWidth: number
  readonly #edgeWidth: number
  readonly #nameAt: number
  readonly #typeAt: number
  readonly #edgeCountAt: number
  readonly #edgeTypeAt: number
  readonly #edgeNameAt: number
  readonly #edgeToAt: number
  readonly #nodeTypes: string[]
  readonly #edgeTypes: string[]
  /** First edge (index into `edges`) of each node. */
  readonly #firstEdge: Uint32Array
  readonly nodeCount: number

  constructor(raw: RawSnapshot) {
    this.#raw = raw
    const meta = raw.snapshot.meta
    this.#nodeWidth = meta.node_fields.length
    this.#edgeWidth = meta.edge_fields.length
    this.#nameAt = meta.node_fields.indexOf('name')
    this.#typeAt = meta.node_fields.indexOf('type')
    this.#edgeCountAt = meta.node_fields.indexOf('edge_count')
    this.#edgeTypeAt = meta.edge_fields.indexOf('type')
    this.#edgeNameAt = meta.edge_fields.indexOf('name_or_index')
    this.#edgeToAt = meta.edge_fields.indexOf('to_node')
    this.#nodeTypes = meta.node_types[0]
    this.#edgeTypes = meta.edge_types[0]
    this.nodeCount = raw.nodes.length / this.#nodeWidth
    this.#firstEdge = new Uint32Array(this.nodeCount + 1)
    let edge = 0
    for (let n = 0; n < this.nodeCount; n++) {
      this.#firstEdge[n] = edge
      edge += raw.nodes[n * this.#nodeWidth + this.#edgeCountAt]! * this.#edgeWidth
    }
    this.#firstEdge[this.nodeCount] = edge
  }

  static read(path: string): HeapGraph {
    return new HeapGraph(JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot)
  }

  name(node: number): string {
    return this.#raw.strings[this.#raw.nodes[node * this.#nodeWidth + this.#nameAt]!]!
  }

  type(node: number): string {
    return this.#nodeTypes[this.#raw.nodes[node * this.#nodeWidth + this.#typeAt]!]!
  }

  /** JS objects whose constructor's name matches (a bundler may have renamed `Request` to `Request$1`). */
  objectsNamed(name: RegExp): number[] {
    const out: number[] = []
    for (let n = 0; n < this.nodeCount; n++) if (this.type(n) === 'object' && name.test(this.name(n))) out.push(n)
    return out
  }

  /** The names of the node's outgoing edges (properties, variables, internal fields). */
  edgeNames(node: number): string[] {
    const { edges, strings } = this.#raw
    const out: string[] = []
    for (let e = this.#firstEdge[node]!; e < this.#firstEdge[node + 1]!; e += this.#edgeWidth) {
      const type = this.#edgeTypes[edges[e + this.#edgeTypeAt]!]!
      if (type !== 'element' && type !== 'hidden') out.push(strings[edges[e + this.#edgeNameAt]!]!)
    }
    return out
  }

  /**
   * For every node reachable from the root, the node it was first reached from (breadth first,
   * strong edges only) and the edge's name: `parents[n]` is -1 for the root and unreachable nodes.
   */
  shortestRetainers(): { parents: Int32Array; via: string[] } {
    const { edges, strings } = this.#raw
    const parents = new Int32Array(this.nodeCount).fill(-1)
    const via: string[] = new Array(this.nodeCount)
    const seen = new Uint8Array(this.nodeCount)
    const root = this.#raw.snapshot.root_index ?? 0
    let frontier = [root]
    seen[root] = 1
    while (frontier.length > 0) {
      const next: number[] = []
      for (const from of frontier) {
        for (let e = this.#firstEdge[from]!; e < this.#firstEdge[from + 1]!; e += this.#edgeWidth) {
          const type = this.#edgeTypes[edges[e + this.#edgeTypeAt]!]!
          if (type === 'weak' || type === 'shortcut') continue
          const to = edges[e + this.#edgeToAt]! / this.#nodeWidth
          if (seen[to]) continue
          seen[to] = 1
          parents[to] = from
          const nameOrIndex = edges[e + this.#edgeNameAt]!
          via[to] = type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : strings[nameOrIndex]!
          next.push(to)
        }
      }
      frontier = next
    }
    return { parents, via }
  }

  /** The path from the root to `node` along `shortestRetainers`, outermost first. */
  retainerPath(node: number, tree: { parents: Int32Array; via: string[] }): RetainerStep[] {
    const path: RetainerStep[] = []
    for (let n = node; tree.parents[n]! >= 0; n = tree.parents[n]!) {
      path.push({ node: tree.parents[n]!, holder: this.name(tree.parents[n]!), edge: tree.via[n]! })
    }
    return path.reverse()
  }
}
