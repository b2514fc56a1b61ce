/**
 * The words of a notification: the sender's name as the title, in the device's language
 * (en, es, fr; a locale like `es-MX` or `fr_CA` counts as its language, anything else as
 * English), and the start of the message as the body, cut at `maxBodyLength` code points on a
 * grapheme boundary (never half an emoji or a letter without its accent) with an ellipsis.
 */

export type Language = 'en' | 'es' | 'fr'

const titles: Record<Language, (sender: string) => string> = {
  en: (sender) => `New message from ${sender}`,
  es: (sender) => `Nuevo mensaje de ${sender}`,
  fr: (sender) => `Nouveau message de ${sender}`,
}

export function languageOf(locale: string | undefined): Language {
  const lang = locale?.trim().toLowerCase().split(/[-_]/)[0]
  return lang === 'es' || lang === 'fr' ? lang : 'en'
}

export function notificationTitle(sender: string, locale: string | undefined): string {
  return titles[languageOf(locale)](sender)
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/**
 * `text` unchanged when it has at most `max` code points; otherwise its longest run of whole
 * graphemes that fits in `max - 1` code points, followed by `…` (so the result is at most `max`).
 */
export function cutText(text: string, max: number): string {
  if (codePoints(text) <= max) return text
  let out = ''
  let used = 0
  for (const { segment } of segmenter.segment(text)) {
    const size = codePoints(segment)
    if (used + size > max - 1) break
    out += segment
    used += size
  }
  return `${out.trimEnd()}…`
}

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}
