import t from 'tap'
import { catalogues, languages, pickLanguage, translator } from './i18n.ts'

t.test('?lang= first, then the browser preferences, then English', async (t) => {
  t.equal(pickLanguage('fr', ['es-ES']), 'fr')
  t.equal(pickLanguage('ES', []), 'es', 'any case')
  t.equal(pickLanguage(null, ['de-DE', 'fr-CA', 'es']), 'fr', 'the first preference we have, by its base language')
  t.equal(pickLanguage('xx', ['es-MX']), 'es', 'a ?lang= we do not have falls back to the browser')
  t.equal(pickLanguage(undefined, ['de', 'ja']), 'en')
  t.equal(pickLanguage('', []), 'en')
})

t.test('every language has every string, with the same placeholders', async (t) => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
  for (const lang of languages) {
    t.same(Object.keys(catalogues[lang]).sort(), Object.keys(catalogues.en).sort(), `${lang}: the same keys`)
    for (const [key, text] of Object.entries(catalogues.en)) {
      const other = catalogues[lang][key as keyof typeof catalogues.en]
      t.same(placeholders(other), placeholders(text), `${lang}.${key}: the same placeholders`)
      t.ok(other.trim().length > 0, `${lang}.${key}: not empty`)
    }
  }
})

t.test('section 12 names in English: Token, Message', async (t) => {
  const en = translator('en')
  t.equal(en('tokenLabel'), 'Token')
  t.equal(en('messageLabel'), 'Message')
})

t.test('placeholders are filled as text; unknown ones are left as written', async (t) => {
  const en = translator('en')
  t.equal(en('unread', { count: 3 }), '3 unread')
  t.equal(en('typingTwo', { a: '<b>', b: 'bob' }), '<b> and bob are typing…')
  t.equal(en('unread'), '{count} unread')
})
