/**
 * Devices and push claims in the embedded store (the DeviceStore port, src/notifier/ports.ts;
 * rules in src/notifier/device-rules.ts): the tables (schema 2), applying their log records, and
 * reading them. Each record is applied the same way on every replay: the per-user cap, the move
 * of a token to its newest user and the purge of expired claims are decided from the record alone.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { tokenKey } from '../../notifier/device-rules.ts'
import type { Device } from '../../notifier/ports.ts'

// `devices`: a user's registrations; `at` orders them for the cap, `token` is tokenKey() (a
// token registered twice is found by the index and moved). `push_claims`: one push per message
// and device until `expires` (ms), purged past it by the next claim.
export const DEVICE_TABLES = `
CREATE TABLE IF NOT EXISTS devices (user TEXT NOT NULL, device TEXT NOT NULL, token TEXT NOT NULL,
  body TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (user, device)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS devices_by_token ON devices (token);
CREATE TABLE IF NOT EXISTS push_claims (message TEXT NOT NULL, user TEXT NOT NULL, device TEXT NOT NULL,
  expires INTEGER NOT NULL, PRIMARY KEY (message, user, device)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS push_claims_by_expiry ON push_claims (expires);
`

export type DeviceRecord =
  /** Creates or replaces a registration at `at`; keeps the user's newest `max`; moves its token here. */
  | { t: 'device'; user: string; device: Device; at: number; max: number }
  | { t: 'undevice'; user: string; device: string }
  /** Takes a push claim unless one holds until after `at`; purges the claims expired by `at`. */
  | { t: 'claim'; message: string; user: string; device: string; at: number; expires: number }
  | { t: 'unclaim'; message: string; user: string; device: string }

export const DEVICE_RECORD_KINDS = ['device', 'undevice', 'claim', 'unclaim'] as const

const changed = (r: { changes: number | bigint }): boolean => Number(r.changes) > 0

export class DeviceWriter {
  readonly #moveToken: StatementSync
  readonly #put: StatementSync
  readonly #trim: StatementSync
  readonly #remove: StatementSync
  readonly #purgeClaims: StatementSync
  readonly #claim: StatementSync
  readonly #unclaim: StatementSync

  constructor(db: DatabaseSync) {
    this.#moveToken = db.prepare('DELETE FROM devices WHERE token = ? AND NOT (user = ? AND device = ?)')
    this.#put = db.prepare(
      'INSERT INTO devices (user, device, token, body, at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT DO UPDATE SET token = excluded.token, body = excluded.body, at = excluded.at',
    )
    // The user's registrations past the newest `max` (ties by id, as toEvict orders them).
    this.#trim = db.prepare(
      'DELETE FROM devices WHERE user = ? AND device IN (SELECT device FROM devices WHERE user = ? AND device <> ? ' +
        'ORDER BY at DESC, device DESC LIMIT -1 OFFSET ?)',
    )
    this.#remove = db.prepare('DELETE FROM devices WHERE user = ? AND device = ?')
    this.#purgeClaims = db.prepare('DELETE FROM push_claims WHERE expires <= ?')
    this.#claim = db.prepare(
      'INSERT INTO push_claims (message, user, device, expires) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    )
    this.#unclaim = db.prepare('DELETE FROM push_claims WHERE message = ? AND user = ? AND device = ?')
  }

  /** Whether it changed anything (for `claim`: whether this call took the claim). */
  apply(r: DeviceRecord): boolean {
    switch (r.t) {
      case 'device': {
        const id = r.device.deviceId
        this.#moveToken.run(tokenKey(r.device), r.user, id)
        this.#put.run(r.user, id, tokenKey(r.device), JSON.stringify(r.device), r.at)
        this.#trim.run(r.user, r.user, id, r.max - 1)
        return true
      }
      case 'undevice':
        return changed(this.#remove.run(r.user, r.device))
      case 'claim':
        this.#purgeClaims.run(r.at)
        return changed(this.#claim.run(r.message, r.user, r.device, r.expires))
      case 'unclaim':
        return changed(this.#unclaim.run(r.message, r.user, r.device))
    }
  }
}

export interface DeviceRow {
  user: string
  device: string
  at: number
}

export class DeviceReads {
  readonly #ofUser: StatementSync
  readonly #byToken: StatementSync

  constructor(db: DatabaseSync) {
    this.#ofUser = db.prepare('SELECT device, body, at FROM devices WHERE user = ?')
    this.#byToken = db.prepare('SELECT user, device, at FROM devices WHERE token = ?')
  }

  devices(userId: string): { device: Device; at: number }[] {
    return (this.#ofUser.all(userId) as { body: string; at: number }[]).map((r) => ({
      device: JSON.parse(r.body) as Device,
      at: r.at,
    }))
  }

  holders(device: Device): DeviceRow[] {
    return this.#byToken.all(tokenKey(device)) as unknown as DeviceRow[]
  }
}
