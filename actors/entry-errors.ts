/**
 * Why an entry into a room was refused after its access check said yes: the check-then-enter
 * race (actors/host.ts `enter`). The session tells them apart with `instanceof`.
 */

/** A user's membership was revoked after their access check began. */
export class AccessRevokedError extends Error {
  override name = 'AccessRevokedError'
}

/** The room was closed after the access check of this entry began. */
export class RoomClosedError extends Error {
  override name = 'RoomClosedError'
}
