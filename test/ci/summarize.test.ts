/**
 * .ci/summarize.mjs on TAP written by tap 21 itself (test/ci/fixtures/*.tap, from throwaway test
 * files; tap never runs the fixtures folder): its last line and exit code are what CI reports.
 */
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name)

/** A project root whose tap config expects `files` (their content does not matter here). */
function project(t: Test, files: string[], extra: Record<string, string> = {}): string {
  const test = Object.fromEntries(files.map((f) => [f, '']))
  return t.testdir({ 'package.json': JSON.stringify({ tap: { include: ['test/**/*.test.mjs'] } }), test, ...extra })
}

function summarize(t: Test, log: string, root: string): { lines: string[]; status: number | null } {
  const out = spawnSync(process.execPath, ['.ci/summarize.mjs', log, '--root', root], { encoding: 'utf8' })
  t.equal(out.stderr, '', 'nothing on stderr')
  return { lines: out.stdout.trim().split('\n'), status: out.status }
}

t.test('a green run: every leaf counted once, subtests not counted, exit 0', async (t) => {
  const { lines, status } = summarize(t, fixture('green.tap'), project(t, ['a.test.mjs', 'b.test.mjs']))
  t.same(lines, ['3 passed, 0 failed, 1 skipped'])
  t.equal(status, 0)
})

t.test('a bail-out is a failure, and the files it kept from running are named', async (t) => {
  const { lines, status } = summarize(t, fixture('bail.tap'), project(t, ['a.test.mjs', 'b.test.mjs']))
  t.same(lines, [
    'FAILED: Bail out! the database is gone: the run stopped there',
    'FAILED: test/b.test.mjs: did not run',
    '3 passed, 2 failed',
  ])
  t.equal(status, 1)
})

t.test(
  'a failing leaf counts once, not again at each failing ancestor; a crash after passing asserts counts; an all-skipped file fails',
  async (t) => {
    const { lines, status } = summarize(
      t,
      fixture('nested.tap'),
      project(t, ['a.test.mjs', 'b.test.mjs', 'c.test.mjs']),
    )
    t.same(lines, [
      'FAILED: test/a.test.mjs > outer > inner > leaf fails',
      'FAILED: test/c.test.mjs (exit code 3)',
      'FAILED: test/b.test.mjs: ran no assertion (2 skipped)',
      '4 passed, 3 failed, 2 skipped',
    ])
    t.equal(status, 1)
  },
)

t.test('an expected test file missing from the run fails it, by name', async (t) => {
  const { lines, status } = summarize(t, fixture('green.tap'), project(t, ['a.test.mjs', 'b.test.mjs', 'c.test.mjs']))
  t.same(lines, ['FAILED: test/c.test.mjs: did not run', '3 passed, 1 failed, 1 skipped'])
  t.equal(status, 1)
})

t.test('no TAP at all (the typecheck failed before tap ran): every file missing, exit 1', async (t) => {
  const root = project(t, ['a.test.mjs'], { 'run.log': 'src/x.ts(1,1): error TS2304\n' })
  const { lines, status } = summarize(t, join(root, 'run.log'), root)
  t.same(lines, ['FAILED: test/a.test.mjs: did not run', '0 passed, 1 failed'])
  t.equal(status, 1)
})

t.test("this repository's run is expected to include this file", async (t) => {
  const out = spawnSync(process.execPath, ['.ci/summarize.mjs', fixture('green.tap')], { encoding: 'utf8' })
  t.match(out.stdout, /FAILED: test\/ci\/summarize\.test\.ts: did not run/, 'tap.include picks up test/ci')
  t.equal(out.status, 1)
})
