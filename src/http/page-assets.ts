/**
 * The chat page's files (docs/page.md "How it is served"), read once at start and served from
 * memory: its markup, styles and icon from src/page, and its script as JavaScript from the
 * committed builds, dist/page (`npm run build:page`) and the client library it is built with,
 * dist/client (`npm run build:client`), the same files `guildhall/client` exports. Nothing is
 * built at start; test/page/build.test.ts keeps dist/page current.
 *
 * Every file is served under `/page/<version>/`, where `version` is a hash of all of them:
 * a browser may keep them forever (the URL changes when any file does), and only `GET /`
 * itself is revalidated. The script's relative imports (`../client/index.js`) resolve inside
 * the prefix.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
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
  /** Path under the prefix (`page/main.js`, `client/room.js`) → file. */
  files: ReadonlyMap<string, PageAsset>
}

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
/** What is served, by its directory under the prefix: from where in the repository, which kinds. */
const sources = [
  { as: 'page', from: 'src/page', kinds: ['.css', '.svg'] },
  { as: 'page', from: 'dist/page', kinds: ['.js'] },
  { as: 'client', from: 'dist/client', kinds: ['.js'] },
]
/** `index.html` writes its asset URLs with this placeholder for `/page/<version>`. */
const PREFIX_PLACEHOLDER = '{{assets}}'

export function loadPageAssets(root = repoRoot): PageAssets {
  const files = new Map<string, PageAsset>()
  const hash = createHash('sha256')
  for (const { as, from, kinds } of sources) {
    for (const name of readdirSync(join(root, from)).sort()) {
      const ext = name.slice(name.lastIndexOf('.'))
      if (!kinds.includes(ext)) continue
      const path = `${as}/${name}`
      const body = readFileSync(join(root, from, name), 'utf8')
      files.set(path, { body, contentType: contentTypes[ext]! })
      hash.update(path).update('\0').update(body).update('\0')
    }
  }
  const template = readFileSync(join(root, 'src/page/index.html'), 'utf8')
  const version = hash.update(template).digest('hex').slice(0, 16)
  return { version, index: template.replaceAll(PREFIX_PLACEHOLDER, `/page/${version}`), files }
}
