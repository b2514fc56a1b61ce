/** A V8 CPU profile as `--cpu-prof` writes it, and the walk from a sample up its stack. */

export interface CallFrame {
  functionName: string
  url: string
}

export interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

export interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The call frames from a node up to the root, innermost first. */
export function stacks(profile: Profile): (id: number) => CallFrame[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  return (id) => {
    const frames: CallFrame[] = []
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) frames.push(byId.get(x)!.callFrame)
    return frames
  }
}
