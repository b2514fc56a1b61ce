/**
 * A real browser for the page's tests: playwright-core driving the system's Chromium
 * (Debian's `chromium` package, which .ci/run installs when missing). Nothing downloads a
 * browser of its own; a missing Chromium fails the test with what to install, never a skip.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'

/** `CHROMIUM_PATH` overrides where Chromium is. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: apt-get install chromium (.ci/run does), or set CHROMIUM_PATH`,
    )
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  })
}

/** Where a run's screenshots go (a fresh temporary directory, printed so a reader can look). */
export function screenshotDir(): string {
  return mkdtempSync(join(tmpdir(), 'guildhall-page-'))
}

/** Uncaught errors and console errors of a page, for the test to assert none happened. */
export function pageProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  page.on('console', (m) => {
    // A 404 is how the page learns GET /me/rooms is missing on a server without it.
    if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(`console: ${m.text()}`)
  })
  return problems
}
