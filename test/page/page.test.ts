/**
 * The chat page in a real browser (docs/page.md; PROTOCOL section 12): Chromium through
 * playwright-core against the real server over real sockets. Everything is found by role and
 * accessible name, as the contract's outside tests do: the textbox `Token`, the rooms list,
 * the `log`, the textbox `Message`. Screenshots go to a temporary directory (printed);
 * `PAGE_SCREENSHOT=docs/page.png` also writes the one the README shows.
 */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { launchChromium, pageProblems, screenshotDir } from '../support/browser.ts'
import { startChild, startInProcess, type Target, tempDir } from '../support/server.ts'

// A browser, a server per test and a restart: more than tap's default under a loaded machine.
t.setTimeout(300_000)
const shots = screenshotDir()
t.comment(`screenshots in ${shots}`)
let browser: Browser
t.before(async () => {
  browser = await launchChromium()
})
t.teardown(() => browser?.close())

let rooms = 0
const freshRoom = (name: string) => `${name}-${process.pid}-${++rooms}`

/** A browser context (its own storage: another person) on the page, signed in through `?token=`. */
async function openAs(target: Target, user: string, opts: { room?: string; locale?: string } = {}) {
  const context = await browser.newContext(opts.locale ? { locale: opts.locale } : {})
  const page = await context.newPage()
  const problems = pageProblems(page)
  /** Paths the page asked the server for (HTTP requests, the WebSocket upgrade included). */
  const requests: string[] = []
  page.on('request', (r) => requests.push(new URL(r.url()).pathname))
  const token = await target.token({ sub: user })
  await page.goto(`${target.http}/?token=${token}${opts.room ? `#${opts.room}` : ''}`)
  return { context, page, problems, requests }
}

const log = (page: Page) => page.getByRole('log')
const messageBox = (page: Page) => page.getByRole('textbox', { name: 'Message' })
const inLog = (page: Page, text: string) => log(page).getByText(text, { exact: true })

async function say(page: Page, text: string): Promise<void> {
  await messageBox(page).fill(text)
  await messageBox(page).press('Enter')
  await inLog(page, text).waitFor()
}

/** How many times `text` is in the log (each message must be there once). */
const countInLog = (page: Page, text: string) => inLog(page, text).count()

async function closeAll(...contexts: BrowserContext[]): Promise<void> {
  await Promise.all(contexts.map((c) => c.close()))
}

t.test('two people chat: presence, typing, messages, unread counts and read markers', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  // Each test has a server (and a data directory) of its own: plain room names are fresh.
  const room = 'lobby'
  const other = 'raiders'
  const alice = await openAs(server, 'alice', { room })
  const bob = await openAs(server, 'bob', { room: other })
  t.teardown(() => closeAll(alice.context, bob.context))

  // Bob has `other` open; he opens `room` through the join form, so both rooms are his.
  await messageBox(bob.page).waitFor()
  await bob.page.getByRole('textbox', { name: 'Room' }).fill(room)
  await bob.page.getByRole('textbox', { name: 'Room' }).press('Enter')
  await bob.page.getByRole('heading', { name: room }).waitFor()

  const alicePresence = alice.page.getByRole('list', { name: 'Online' })
  await alicePresence.getByText('bob', { exact: true }).waitFor()
  t.pass('alice sees bob online')

  await messageBox(bob.page).pressSequentially('hel')
  await alice.page.getByText('bob is typing…').waitFor()
  t.pass('alice sees bob typing')

  await messageBox(bob.page).fill('hello alice')
  await messageBox(bob.page).press('Enter')
  await inLog(alice.page, 'hello alice').waitFor()
  await inLog(bob.page, 'hello alice').waitFor()
  t.equal(await alice.page.getByText('bob is typing…').count(), 0, 'typing ends with the message')
  t.equal(await messageBox(bob.page).inputValue(), '', 'the box is empty after Enter')
  await say(alice.page, 'hi bob')
  await inLog(bob.page, 'hi bob').waitFor()
  await alice.page.getByText('Seen by bob').waitFor()
  t.pass('alice sees that bob read her message')

  // Alice posts in `other` while bob reads `room`: bob's list counts them.
  await alice.page.getByRole('textbox', { name: 'Room' }).fill(other)
  await alice.page.getByRole('textbox', { name: 'Room' }).press('Enter')
  await alice.page.getByRole('heading', { name: other }).waitFor()
  await say(alice.page, 'one')
  await say(alice.page, 'two')
  const bobsRooms = bob.page.getByRole('list', { name: 'My rooms' })
  const otherButton = bobsRooms.getByRole('button', { name: `${other} 2 unread` })
  await otherButton.waitFor()
  t.pass('bob sees 2 unread in the other room')
  await bob.page.screenshot({ path: join(shots, 'chat.png') })
  if (process.env.PAGE_SCREENSHOT) copyFileSync(join(shots, 'chat.png'), process.env.PAGE_SCREENSHOT)

  await otherButton.click()
  await inLog(bob.page, 'two').waitFor()
  await bobsRooms.getByRole('button', { name: other, exact: true }).waitFor()
  t.pass('opening the room reads it: no unread count left')
  t.equal(await bobsRooms.getByRole('button', { name: other }).getAttribute('aria-current'), 'true')
  t.same([...alice.problems, ...bob.problems], [], 'no page errors')
})

t.test('my rooms come from GET /me/rooms: a conversation shows by its member, with its unread count', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const aliceToken = await server.token({ sub: 'alice' })
  const res = await fetch(`${server.http}/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ members: ['bob'] }),
  })
  t.equal(res.status, 201)
  const { room } = (await res.json()) as { room: string }
  const alice = await Client.open(`${server.ws}/ws/rooms/${room}`, { token: aliceToken })
  await alice.take(is('welcome'))
  for (const id of ['a', 'b', 'c']) alice.send({ type: 'send', id, text: `psst ${id}` })
  await alice.take(is('ack', { id: 'c' }))

  const bob = await openAs(server, 'bob')
  t.teardown(() => closeAll(bob.context))
  const button = bob.page.getByRole('list', { name: 'My rooms' }).getByRole('button', { name: 'alice 3 unread' })
  await button.waitFor()
  t.pass('the conversation, named by its other member, with 3 unread')
  alice.send({ type: 'send', id: 'd', text: 'psst d' })
  await bob.page.getByRole('button', { name: 'alice 4 unread' }).waitFor()
  t.pass('the count moves live')
  t.equal(bob.requests.filter((p) => p === '/me/rooms').length, 1, 'the list is fetched once at sign-in')
  await button.or(bob.page.getByRole('button', { name: 'alice 4 unread' })).click()
  await inLog(bob.page, 'psst d').waitFor()
  t.equal(await bob.page.locator('.msg').count(), 4)
  await bob.page.getByRole('button', { name: 'alice', exact: true }).waitFor()
  t.pass('read once open')
  await alice.close()
  t.same(bob.problems, [], 'no page errors')
})

t.test('a reload recovers the room and its history; older pages load on request', async (t) => {
  const server = await startInProcess({ env: { LIMIT_SEND_BURST: '1000' } })
  t.teardown(() => server.stop())
  const room = freshRoom('reload')
  // 60 messages from carol: more than one page of history (the page asks for 50).
  const carol = await Client.open(`${server.ws}/ws/rooms/${room}`, { token: await server.token({ sub: 'carol' }) })
  await carol.take(is('welcome'))
  for (let i = 1; i <= 60; i++) carol.send({ type: 'send', id: `m${i}`, text: `message ${i}` })
  await carol.take(is('ack', { id: 'm60' }))
  await carol.close()
  const alice = await openAs(server, 'alice', { room })
  t.teardown(() => closeAll(alice.context))
  await messageBox(alice.page).waitFor()
  await inLog(alice.page, 'message 60').waitFor()

  await alice.page.reload()
  await inLog(alice.page, 'message 60').waitFor()
  t.equal(await alice.page.getByRole('textbox', { name: 'Token' }).isVisible(), false, 'still signed in')
  t.equal(await alice.page.getByRole('heading', { name: room }).count(), 1, 'the same room is open')
  t.equal(await countInLog(alice.page, 'message 5'), 0, 'the first page is the newest 50')
  await alice.page.getByRole('button', { name: 'Load older messages' }).click()
  await inLog(alice.page, 'message 1').waitFor()
  t.equal(await alice.page.locator('.msg').count(), 60, 'every message once after scrolling back')
  await alice.page.getByText('This is the beginning of the room.').waitFor()
  t.same(alice.problems, [], 'no page errors')
})

t.test('a server restart loses nothing: sends made while it is down arrive once', async (t) => {
  const data = tempDir()
  t.teardown(() => data.remove())
  let server = await startChild({ runtime: 'node', dataDir: data.dir })
  const port = new URL(server.http).port
  t.teardown(() => server.stop())
  const room = freshRoom('restart')
  const alice = await openAs(server, 'alice', { room })
  const bob = await openAs(server, 'bob', { room })
  t.teardown(() => closeAll(alice.context, bob.context))
  await messageBox(bob.page).waitFor()
  await say(alice.page, 'before the restart')
  await inLog(bob.page, 'before the restart').waitFor()

  t.equal(await server.terminate(), 0, 'the server drains and exits')
  await alice.page.getByText(/Connection lost/).waitFor()
  t.pass('the page says the connection was lost')
  await messageBox(alice.page).fill('while it was down')
  await messageBox(alice.page).press('Enter')
  await alice.page.locator('#outbox').getByText('while it was down').waitFor()
  await alice.page.screenshot({ path: join(shots, 'reconnecting.png') })

  server = await startChild({ runtime: 'node', dataDir: data.dir, env: { PORT: port } })
  for (const { page } of [alice, bob]) {
    await inLog(page, 'while it was down').waitFor({ timeout: 60_000 })
    await page.getByText('Connected', { exact: true }).waitFor()
  }
  await say(bob.page, 'after the restart')
  await inLog(alice.page, 'after the restart').waitFor()
  for (const [name, { page }] of Object.entries({ alice, bob })) {
    for (const text of ['before the restart', 'while it was down', 'after the restart'])
      t.equal(await countInLog(page, text), 1, `${name} sees "${text}" once`)
  }
  t.equal(await alice.page.locator('#outbox li').count(), 0, 'nothing left waiting to be sent')
})

t.test('the page works by keyboard alone', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  const problems = pageProblems(page)
  const room = freshRoom('keys')
  await page.goto(server.http)
  const token = page.getByRole('textbox', { name: 'Token' })
  await token.waitFor()
  t.ok(await token.evaluate((el) => el === document.activeElement), 'the Token field has the focus')
  await page.keyboard.type(await server.token({ sub: 'dana' }))
  await page.keyboard.press('Enter')
  const roomField = page.getByRole('textbox', { name: 'Room' })
  await roomField.waitFor()
  t.ok(await roomField.evaluate((el) => el === document.activeElement), 'signed in, the Room field has the focus')
  await page.keyboard.type(room)
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: room }).waitFor()
  await page.waitForFunction(() => document.activeElement?.id === 'message')
  t.pass('in the room, the Message box has the focus')
  await page.keyboard.type('typed, not clicked')
  await page.keyboard.press('Shift+Enter')
  await page.keyboard.type('second line')
  await page.keyboard.press('Enter')
  await log(page)
    .getByText(/typed, not clicked\s+second line/)
    .waitFor()
  t.pass('Shift+Enter is a new line, Enter sends')

  // Tab from the message box reaches Send; Shift+Tab back through the log (focusable, to scroll it).
  await page.keyboard.press('Tab')
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Send')
  await page.keyboard.press('Shift+Tab')
  await page.keyboard.press('Shift+Tab')
  t.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'log', 'the log takes the focus')

  // The room's button in the list, reached by Tab from the top, opens it with Enter.
  const second = freshRoom('keys')
  await roomField.focus()
  await page.keyboard.type(second)
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: second }).waitFor()
  await page.locator('body').focus()
  const target = page.getByRole('list', { name: 'My rooms' }).getByRole('button', { name: room })
  for (let i = 0; i < 20 && !(await target.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab')
  }
  t.ok(await target.evaluate((el) => el === document.activeElement), 'Tab reaches the room in the list')
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: room }).waitFor()
  await page.waitForFunction(() => document.activeElement?.id === 'message')
  t.pass('Enter on a room opens it, focus in the Message box')
  await page.screenshot({ path: join(shots, 'keyboard.png') })
  t.same(problems, [], 'no page errors')
})

t.test('a message that looks like HTML is shown as text and runs nothing', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const room = freshRoom('xss')
  const mallory = await openAs(server, 'mallory', { room })
  const victim = await openAs(server, 'victim', { room })
  t.teardown(() => closeAll(mallory.context, victim.context))
  await messageBox(victim.page).waitFor()
  const attacks = [
    '<img src=x onerror="window.__pwned=1;document.title=\'pwned\'">',
    '<script>window.__pwned=2</script>',
    '<a href="javascript:window.__pwned=3">click</a>',
  ]
  for (const text of attacks) await say(mallory.page, text)
  for (const text of attacks) await inLog(victim.page, text).waitFor()
  t.pass('every attempt shows as its text')
  const inside = await log(victim.page).evaluate((el) => el.querySelectorAll('img, script, a').length)
  t.equal(inside, 0, 'no element was made from a message')
  t.equal(await victim.page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined, 'nothing ran')
  t.not(await victim.page.title(), 'pwned')
  await victim.page.screenshot({ path: join(shots, 'xss.png') })
})

t.test('each language renders: ?lang= and the browser language', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const cases = [
    { how: '?lang=en', query: '?lang=en', locale: 'fr-FR', lang: 'en', heading: 'Sign in', token: 'Token' },
    { how: '?lang=es', query: '?lang=es', locale: 'en-US', lang: 'es', heading: 'Iniciar sesión', token: 'Token' },
    { how: '?lang=fr', query: '?lang=fr', locale: 'en-US', lang: 'fr', heading: 'Connexion', token: 'Jeton' },
    { how: 'browser fr-CA', query: '', locale: 'fr-CA', lang: 'fr', heading: 'Connexion', token: 'Jeton' },
    { how: 'browser es-MX', query: '', locale: 'es-MX', lang: 'es', heading: 'Iniciar sesión', token: 'Token' },
    { how: 'browser de-DE: English', query: '', locale: 'de-DE', lang: 'en', heading: 'Sign in', token: 'Token' },
    {
      how: '?lang=xx: the browser',
      query: '?lang=xx',
      locale: 'es-ES',
      lang: 'es',
      heading: 'Iniciar sesión',
      token: 'Token',
    },
  ]
  for (const c of cases) {
    const context = await browser.newContext({ locale: c.locale })
    const page = await context.newPage()
    await page.goto(`${server.http}/${c.query}`)
    await page.getByRole('heading', { name: c.heading }).waitFor()
    t.equal(await page.evaluate(() => document.documentElement.lang), c.lang, `${c.how}: <html lang=${c.lang}>`)
    t.equal(await page.getByRole('textbox', { name: c.token, exact: true }).count(), 1, `${c.how}: textbox ${c.token}`)
    await context.close()
  }
  for (const lang of ['es', 'fr']) {
    const alice = await openAs(server, 'alice', { room: freshRoom(lang) })
    await alice.page.goto(`${server.http}/?lang=${lang}${new URL(alice.page.url()).hash}`)
    await alice.page.getByRole('log').waitFor()
    const words = lang === 'es' ? { box: 'Mensaje', rooms: 'Mis salas' } : { box: 'Message', rooms: 'Mes salons' }
    const box = alice.page.getByRole('textbox', { name: words.box, exact: true })
    await box.fill(`hola / bonjour (${lang})`)
    await box.press('Enter')
    await inLog(alice.page, `hola / bonjour (${lang})`).waitFor()
    await alice.page.getByRole('list', { name: words.rooms }).waitFor()
    t.pass(`${lang}: the signed-in page in ${lang}`)
    await alice.page.screenshot({ path: join(shots, `chat-${lang}.png`) })
    await alice.context.close()
  }

  // The language links (not a menu that reloads on change): signed in, the room still open.
  const room = freshRoom('switch')
  const bob = await openAs(server, 'bob', { room })
  t.teardown(() => closeAll(bob.context))
  await say(bob.page, 'before switching')
  await bob.page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Français' }).click()
  await bob.page.getByRole('list', { name: 'Mes salons' }).waitFor()
  await inLog(bob.page, 'before switching').waitFor()
  t.equal(await bob.page.evaluate(() => document.documentElement.lang), 'fr')
  t.equal(
    await bob.page.getByRole('link', { name: 'Français' }).getAttribute('aria-current'),
    'true',
    'the language in use is marked',
  )
  t.same(bob.problems, [], 'no page errors')
})

t.test('refusals are said in words: a private room, a removal, a bad room id, a message too long', async (t) => {
  const server = await startInProcess({ env: { LIMIT_MAX_TEXT_LENGTH: '20' } })
  t.teardown(() => server.stop())
  const admin = { authorization: `Bearer ${await server.token({ sub: 'ops', roles: ['admin'] })}` }
  const put = (path: string, body?: unknown) =>
    fetch(`${server.http}${path}`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  t.equal((await put('/admin/rooms/staff', { visibility: 'private' })).status, 201)
  t.equal((await put('/admin/rooms/staff/members/alice')).status, 204)
  const alice = await openAs(server, 'alice', { room: 'staff' })
  const eve = await openAs(server, 'eve', { room: 'staff' })
  t.teardown(() => closeAll(alice.context, eve.context))

  await eve.page.getByRole('alert').getByText('You are not allowed in room staff.').waitFor()
  const roomField = eve.page.getByRole('textbox', { name: 'Room' })
  t.ok(await roomField.evaluate((el) => el === document.activeElement), 'the focus goes back to the Room field')
  await roomField.fill('no spaces allowed')
  await roomField.press('Enter')
  await eve.page
    .getByRole('alert')
    .getByText(/That is not a room id/)
    .waitFor()
  t.equal(await roomField.getAttribute('aria-invalid'), 'true')

  await messageBox(alice.page).fill('this message is longer than twenty characters')
  await messageBox(alice.page).press('Enter')
  await alice.page.getByRole('alert').getByText('The message is too long.').waitFor()
  await alice.page.locator('#outbox').getByText('Not sent: The message is too long.').waitFor()
  t.pass('a refused send says why, and stays visible as not sent')

  const removed = await fetch(`${server.http}/admin/rooms/staff/members/alice`, { method: 'DELETE', headers: admin })
  t.equal(removed.status, 204)
  await alice.page.getByRole('alert').getByText('You were removed from room staff.').waitFor()
  t.equal(await alice.page.getByRole('log').isVisible(), false, 'the room is closed on the page')
  t.equal(
    await alice.page.getByRole('list', { name: 'My rooms' }).getByRole('button', { name: 'staff' }).count(),
    0,
    'and gone from the list',
  )
})

t.test('a refused token is said in words, and the form comes back', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  const expired = await server.token({ sub: 'erin', exp: Math.floor(Date.now() / 1000) - 60 })
  for (const bad of [expired, 'not-a-jwt', `${(await server.token({ sub: 'erin' })).slice(0, -4)}AAAA`]) {
    await page.goto(`${server.http}/?token=${bad}`)
    await page
      .getByRole('alert')
      .getByText(/token was refused/)
      .waitFor()
    await page.getByRole('textbox', { name: 'Token' }).waitFor()
    t.notMatch(page.url(), /token=/, 'the token is taken out of the address bar')
  }
  t.pass('every refused token brings the form back with the reason')
})
