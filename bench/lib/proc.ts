/**
 * A server's own cost, read from /proc for its whole process tree (workerd runs as a child
 * of the Miniflare launcher): CPU as user+system ticks, memory as VmRSS.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100

interface Stat {
  ppid: number
  ticks: number
}

function readStat(pid: number): Stat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
    // after the command: state ppid ... utime(14) stime(15) cutime(16) cstime(17)
    const n = (i: number): number => Number(f[i - 3])
    return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) }
  } catch {
    return undefined
  }
}

/** The root and all its descendants that are alive now. */
export function treePids(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    const st = readStat(pid)
    if (!st) continue
    const list = children.get(st.ppid) ?? []
    list.push(pid)
    children.set(st.ppid, list)
  }
  const out: number[] = []
  const stack = [root]
  while (stack.length > 0) {
    const pid = stack.pop() as number
    out.push(pid)
    stack.push(...(children.get(pid) ?? []))
  }
  return out
}

/** CPU time (user+system, reaped children included) of the tree, in microseconds. */
export function cpuMicros(root: number): number {
  let ticks = 0
  for (const pid of treePids(root)) ticks += readStat(pid)?.ticks ?? 0
  return (ticks * 1e6) / CLK_TCK
}

/** Resident set size of the tree, in KiB. */
export function rssKB(root: number): number {
  let kb = 0
  for (const pid of treePids(root)) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      kb += Number(m?.[1] ?? 0)
    } catch {
      // exited between listing and reading
    }
  }
  return kb
}
