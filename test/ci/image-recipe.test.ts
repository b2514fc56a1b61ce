/**
 * The image's recipe, checked without Docker (there is no engine here or on CI): the Dockerfile's own
 * steps are followed by hand. Its dependency stage's files are copied and `npm ci --omit=dev` run from
 * the lockfile (from the npm cache: --prefer-offline); its last stage's COPY lines are followed into a
 * clean directory (--from=<stage> from that stage's result); its CMD is started there on Node 24 with
 * its ENV, as the non-root user would see it (no dev dependency, no file outside the COPY lines); it
 * must serve 200 on /health, pass the HEALTHCHECK's own command, and exit 0 on SIGTERM (node is PID 1:
 * the signal reaches it directly). Also the rules the issue sets: Node 24, multi-stage, npm ci --omit=dev,
 * a non-root USER, a HEALTHCHECK, CMD in exec form starting node (no npm, no shell).
 */
import { execFile, spawn } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'
import { tempDir } from '../support/server.ts'

t.setTimeout(300_000)

const root = new URL('../..', import.meta.url).pathname
const node24 = join(root, 'node_modules/.bin/node')

interface Stage {
  name: string | undefined
  base: string
  lines: { instruction: string; args: string }[]
}

/** The Dockerfile's stages and their instructions, continuation lines joined, comments dropped. */
function parse(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  const stages: Stage[] = []
  for (const line of logical) {
    const [, instruction, args] = /^(\w+)\s+(.*)$/.exec(line) ?? []
    if (!instruction || args === undefined) throw new Error(`cannot read Dockerfile line: ${line}`)
    if (instruction.toUpperCase() === 'FROM') {
      const [, base, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? []
      stages.push({ name, base: base!, lines: [] })
    } else stages.at(-1)!.lines.push({ instruction: instruction.toUpperCase(), args })
  }
  return stages
}

const of = (stage: Stage, instruction: string) => stage.lines.filter((l) => l.instruction === instruction)

/** ENV a=b c=d (the form the Dockerfile uses). */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {}
  for (const { args } of of(stage, 'ENV')) for (const m of args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!
  return env
}

/** Follows a stage's COPY lines into `dir` (WORKDIR is /app in both stages: the paths are relative to it). */
function copyInto(stage: Stage, dir: string, stageDirs: Map<string, string>): void {
  for (const { args } of of(stage, 'COPY')) {
    const parts = args.split(/\s+/)
    const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined
    const dest = join(dir, parts.pop()!)
    for (const src of parts) {
      const source = from === undefined ? join(root, src) : join(stageDirs.get(from)!, src.replace(/^\/app\/?/, ''))
      const target = parts.length > 1 || dest.endsWith('/') ? join(dest, src.split('/').pop()!) : dest
      mkdirSync(dirname(target), { recursive: true })
      cpSync(source, target, { recursive: true })
    }
  }
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  )
}

const stages = parse(readFileSync(join(root, 'Dockerfile'), 'utf8'))
const final = stages.at(-1)!

t.test('the recipe follows the rules', async (t) => {
  t.ok(stages.length >= 2, 'multi-stage')
  for (const s of stages) t.match(s.base, /^node:24-/, `${s.name ?? 'final'} on Node 24 LTS`)
  const deps = stages.find((s) => of(s, 'RUN').some((r) => /\bnpm ci\b/.test(r.args)))
  t.ok(deps && deps !== final, 'dependencies installed by npm ci in their own stage')
  if (!deps) return
  t.match(
    of(deps, 'RUN')
      .map((r) => r.args)
      .join('\n'),
    /npm ci --omit=dev/,
    'npm ci --omit=dev: the lockfile, production only',
  )
  t.notMatch(
    of(deps, 'RUN')
      .map((r) => r.args)
      .join('\n'),
    /npm install/,
    'never npm install',
  )
  const user = of(final, 'USER').at(-1)?.args
  t.ok(user && !/^(root|0)(:|$)/.test(user), `runs as a non-root user (${user})`)
  t.equal(of(final, 'HEALTHCHECK').length, 1, 'a health check')
  const cmd = JSON.parse(of(final, 'CMD').at(-1)!.args) as string[]
  t.equal(cmd[0], 'node', 'CMD in exec form runs node itself: SIGTERM reaches it (no npm, no shell)')
  t.match(cmd.at(-1), /\.ts$/, 'TypeScript run by type stripping: no build, no loader')
  t.equal(of(final, 'ENTRYPOINT').length, 0, 'no entrypoint wrapper')
})

t.test("the image's start command serves /health from a clean npm ci --omit=dev copy", async (t) => {
  const work = tempDir('guildhall-image-')
  t.teardown(work.remove)
  const stageDirs = new Map<string, string>()
  for (const [i, stage] of stages.entries()) {
    const dir = join(work.dir, `stage${i}`)
    mkdirSync(dir, { recursive: true })
    copyInto(stage, dir, stageDirs)
    if (of(stage, 'RUN').some((r) => /npm ci --omit=dev/.test(r.args))) {
      // What the RUN does, minus `npm cache clean` (this machine's cache is what makes it offline).
      await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], dir)
    }
    if (stage.name) stageDirs.set(stage.name, dir)
  }
  const app = join(work.dir, `stage${stages.length - 1}`)
  t.notOk(
    JSON.parse(await run('npm', ['ls', '--omit=dev', '--json', '--depth=0'], app).catch(() => '{}')).dependencies?.tap,
    'no dev dependency in the image',
  )

  const cmd = JSON.parse(of(final, 'CMD').at(-1)!.args) as string[]
  const data = join(work.dir, 'data')
  mkdirSync(data)
  const env = {
    PATH: process.env.PATH ?? '',
    ...envOf(final),
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: data,
    JWT_SECRET: 'image-recipe-test-secret-0123456789abcdef',
  }
  const child = spawn(node24, cmd.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  const stderr: string[] = []
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l))
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const l = JSON.parse(line) as { event?: string; port?: number }
        if (l.event === 'listening') resolve(l.port!)
      } catch {
        // not a log line
      }
    })
    void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${stderr.join('\n')}`)))
  })
  const health = await fetch(`http://127.0.0.1:${port}/health`)
  t.equal(health.status, 200, '/health answers 200')

  // The HEALTHCHECK's own command, run as Docker would (CMD form: argv after CMD, in the container's env).
  const check = /CMD\s+(\S+)\s+-e\s+"(.*)"\s*$/.exec(of(final, 'HEALTHCHECK')[0]!.args)
  t.ok(check, 'HEALTHCHECK CMD node -e "..."')
  const probe = spawn(node24, ['-e', check![2]!.replace(/\\"/g, '"')], {
    cwd: app,
    env: { ...env, PORT: String(port) },
  })
  t.equal(await new Promise((resolve) => probe.once('exit', resolve)), 0, 'the HEALTHCHECK command passes')

  child.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM: drains and exits 0')
})
