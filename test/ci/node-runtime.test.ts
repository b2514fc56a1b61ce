/**
 * The project runs on Node 24 by type stripping, with no loader: npm scripts put the `node`
 * package's Node 24 first on PATH, production dependencies carry no TypeScript runner, and the
 * image runs `node src/main.ts` on a Node 24 base.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string }
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  scripts: Record<string, string>
}

t.test('the tests run on Node 22.18 or later (the node package through npm scripts)', async (t) => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
  t.ok(major > 22 || (major === 22 && minor >= 18), `node ${process.versions.node}`)
  t.equal(pkg.engines.node, '>=22.18')
  t.match(pkg.devDependencies.node, /^\^24\./)
})

t.test('nothing runs TypeScript through a loader', async (t) => {
  for (const name of ['tsx', 'ts-node', 'esbuild-register']) {
    t.notOk(pkg.dependencies[name], `${name} is not a production dependency`)
  }
  for (const [name, script] of Object.entries(pkg.scripts)) {
    t.notMatch(script, /--import|--loader|\btsx\b|ts-node/, `npm run ${name} runs node directly`)
  }
  t.equal(pkg.scripts.start, 'exec node --max-semi-space-size=16 src/main.ts')
})

t.test('the image is Node 24 and runs src/main.ts directly', async (t) => {
  const dockerfile = readFileSync('Dockerfile', 'utf8')
  const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])
  t.ok(bases.length > 0)
  for (const base of bases) t.match(base, /^node:24-/)
  t.match(dockerfile, /^CMD \["node", "--max-semi-space-size=16", "src\/main\.ts"\]$/m)
})

t.test('the image runs Node with the same V8 flags as npm start (docs/operations.md "Memory")', async (t) => {
  const cmd = /^CMD \[(.*)\]$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1]
  const imageFlags = (JSON.parse(`[${cmd}]`) as string[]).filter((arg) => arg.startsWith('--'))
  const startFlags = pkg.scripts.start!.split(' ').filter((arg) => arg.startsWith('--'))
  t.same(imageFlags, startFlags)
  t.ok(startFlags.length > 0)
})
