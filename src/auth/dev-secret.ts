/**
 * Development mode's random secret, shared with `npm run token` through the data directory:
 * the server writes it to `DATA_DIR/dev-secret` (mode 0600, readable by its user only) and
 * removes it on drain, so the token script can sign tokens for any user against the running
 * development server. A crash leaves a dead secret behind; the next start replaces it.
 * Only in development mode: with `JWT_SECRET` set nothing is written.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'

export const DEV_SECRET_FILE = 'dev-secret'

export function writeDevSecret(dataDir: string, secret: string): void {
  const file = path.join(dataDir, DEV_SECRET_FILE)
  // Removed first: a fresh file gets mode 0600 whatever an old one had.
  fs.rmSync(file, { force: true })
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
}

export function readDevSecret(dataDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dataDir, DEV_SECRET_FILE), 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

export function removeDevSecret(dataDir: string): void {
  fs.rmSync(path.join(dataDir, DEV_SECRET_FILE), { force: true })
}
