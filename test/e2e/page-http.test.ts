/**
 * The page over plain HTTP (docs/page.md "How it is served"): `GET /` with `UI=true` (the
 * embedded default), 404 with `UI=false`; its files under a versioned prefix that browsers may
 * keep forever; a Content-Security-Policy that allows no inline script; no test file served.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { startChild, startInProcess } from '../support/server.ts'

t.test('GET / serves the page with its security headers; its files are versioned and immutable', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const res = await fetch(`${server.http}/`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/html/)
  t.equal(res.headers.get('cache-control'), 'no-cache', 'the page itself is revalidated on every visit')
  const csp = res.headers.get('content-security-policy') ?? ''
  t.match(csp, /script-src 'self'/)
  t.notMatch(csp, /unsafe-inline|unsafe-eval/, 'no inline script, no eval')
  t.match(csp, /frame-ancestors 'none'/)
  t.equal(res.headers.get('referrer-policy'), 'no-referrer', 'a ?token= in the URL never travels in a Referer')
  t.equal(res.headers.get('x-content-type-options'), 'nosniff')
  const html = await res.text()
  t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file')
  t.notMatch(html, /\son[a-z]+=/i, 'no inline event handler')
  t.notMatch(html, /\sstyle=/i, 'no inline style')

  const entry = /<script type="module" src="(\/page\/([0-9a-f]+)\/page\/main\.js)"/.exec(html)
  t.ok(entry, 'the script is under /page/<version>/')
  const [, path, version] = entry!
  const etag = res.headers.get('etag')
  t.equal(etag, `"${version}"`)
  const again = await fetch(`${server.http}/`, { headers: { 'if-none-match': etag! } })
  t.equal(again.status, 304, 'an unchanged page is not sent again')

  const script = await fetch(`${server.http}${path}`)
  t.equal(script.status, 200)
  t.match(script.headers.get('content-type'), /^text\/javascript/)
  t.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable')
  const js = await script.text()
  t.match(js, /from "\.\/chat\.js"/, 'relative imports: they resolve under the same prefix')
  const client = await fetch(`${server.http}/page/${version}/client/index.js`)
  t.equal(client.status, 200, 'the client library is served with the page')
  t.equal(
    await client.text(),
    readFileSync(new URL('../../dist/client/index.js', import.meta.url), 'utf8'),
    "guildhall/client's own build",
  )

  for (const missing of [
    `/page/${version}/page/main.ts`,
    `/page/${version}/page/i18n.test.ts`,
    `/page/${version}/page/index.html`,
    `/page/${version}/page/../http/app.ts`,
    `/page/${version}/http/app.ts`,
    `/page/0000000000000000/page/main.js`,
  ]) {
    const r = await fetch(`${server.http}${missing}`)
    t.equal(r.status, 404, `${missing}: 404`)
    t.match(await r.json(), { error: 'not_found' })
  }
})

t.test('UI=false: GET / is the ordinary 404', async (t) => {
  const server = await startInProcess({ env: { UI: 'false' } })
  t.teardown(() => server.stop())
  const res = await fetch(`${server.http}/`)
  t.equal(res.status, 404)
  t.match(await res.json(), { error: 'not_found' })
  t.equal((await fetch(`${server.http}/health`)).status, 200, 'the rest of the server is there')
})

t.test('the same page under Deno (npm run start:deno)', async (t) => {
  const server = await startChild({ runtime: 'deno' })
  t.teardown(() => server.stop())
  const html = await (await fetch(`${server.http}/`)).text()
  const path = /<script type="module" src="([^"]+)"/.exec(html)?.[1]
  t.ok(path, 'the page names its script')
  const script = await fetch(`${server.http}${path}`)
  t.equal(script.status, 200)
  t.equal(await script.text(), readFileSync(new URL('../../dist/page/main.js', import.meta.url), 'utf8'))
})
