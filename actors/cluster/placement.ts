/**
 * Placement: which live node owns a room. Rendezvous (highest random weight) hashing: each
 * node scores every room and the highest score wins, so when a node joins or leaves only the
 * rooms it wins or held move, and every node with the same live set computes the same owner
 * without talking to the others.
 */

/** The owner of `roomId` among `nodes` (undefined when there is none). */
export function ownerOf(roomId: string, nodes: readonly string[]): string | undefined {
  let best: string | undefined
  let bestScore = -1
  for (const node of nodes) {
    const score = weight(node, roomId)
    // Ties (a 53-bit collision) go to the smaller id, so every node decides alike.
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node
      bestScore = score
    }
  }
  return best
}

/** A node's score for a room: a 53-bit hash of both (cyrb53, public domain), well spread. */
export function weight(node: string, roomId: string): number {
  return hash53(`${node}\u0000${roomId}`)
}

function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}
