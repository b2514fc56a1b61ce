/** WebSocket close codes the server uses (docs/protocol.md "Close codes"). */
export const CloseCode = {
  /** Server going away (drain): reconnect with `since`. */
  goingAway: 1001,
  /** Refused-frame flood. */
  policy: 1008,
  /** Frame over the size limit (set by the socket adapter at the frame header). */
  tooBig: 1009,
  /** Slow consumer or a room that moved: reconnect with `since`. */
  tryAgainLater: 1013,
  /** Token expired during the session. */
  tokenExpired: 4401,
  /** Membership revoked. */
  revoked: 4403,
  /** The room was closed by an admin; entering it is refused with not_found (404) until reopened. */
  roomClosed: 4404,
} as const
