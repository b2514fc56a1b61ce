/**
 * tap's `t.match` on an array matches a prefix: `[a]` matches `[a, a]`, so a duplicated
 * broadcast or an extra frame would pass. `matchAll` matches each item the way `t.match` does
 * (extra fields in a frame are fine) and demands the same length.
 */
import type { Test } from 'tap'

export function matchAll(
  t: Test,
  actual: readonly unknown[] | undefined,
  expected: readonly unknown[],
  message?: string,
): boolean {
  return t.match(
    { length: actual?.length, items: actual },
    { length: expected.length, items: expected },
    message ?? 'exactly these, in order',
  )
}
