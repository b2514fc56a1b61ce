/**
 * The chat page's files (docs/page.md "How it is served"), read once at start and served from
 * memory: the page's own sources (src/page) and the client library it is built with
 * (src/client), as they are in the repository, with no build step. TypeScript goes to the
 * browser as JavaScript through `toJs` (the same type stripping Node runs the server with:
 * types become spaces, so line and column numbers in the browser are the source's).
 *
 * Every file is served under `/page/<version>/`, where `version` is a hash of all of them:
 * a browser may keep them forever (the URL changes when any file does), and only `GET /`
 * itself is revalidated. Relative imports (`../client/index.ts`) resolve inside the prefix.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface PageAsset {
  body: string
  contentType: string
}

export interface PageAssets {
  /** Hash of every file: the URL prefix `/page/<version>/`. */
  version: string
  /** The page itself (`GET /`), its asset URLs pointing at this version. */
  index: string
  /** Path under the prefix (`page/main.ts`, `client/room.ts`) → file. */
  files: ReadonlyMap<string, PageAsset>
}

/** Turns a TypeScript module into JavaScript a browser runs. */
export type ToJs = (source: string, path: string) => string

const contentTypes: Record<string, string> = {
  '.ts': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

const srcDir = fileURLToPath(new URL('..', import.meta.url))
/** The directories served, by their name under the prefix. */
const roots = ['page', 'client'] as const
/** `index.html` writes its asset URLs with this placeholder for `/page/<version>`. */
const PREFIX_PLACEHOLDER = '{{assets}}'

export function loadPageAssets(toJs: ToJs, dir = srcDir): PageAssets {
  const files = new Map<string, PageAsset>()
  const hash = createHash('sha256')
  for (const root of roots) {
    for (const file of walk(join(dir, root))) {
      const path = relative(dir, file).split(sep).join('/')
      const ext = path.slice(path.lastIndexOf('.'))
      const contentType = contentTypes[ext]
      if (!contentType || path.endsWith('.test.ts')) continue
      const source = readFileSync(file, 'utf8')
      const body = ext === '.ts' ? toJs(source, path) : source
      files.set(path, { body, contentType })
      hash.update(path).update('\0').update(body).update('\0')
    }
  }
  const template = readFileSync(join(dir, 'page', 'index.html'), 'utf8')
  const version = hash.update(template).digest('hex').slice(0, 16)
  return { version, index: template.replaceAll(PREFIX_PLACEHOLDER, `/page/${version}`), files }
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else yield path
  }
}
