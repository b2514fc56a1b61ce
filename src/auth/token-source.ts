/**
 * Where a request carries its token (docs/protocol.md "Identity"): `Authorization: Bearer <jwt>`,
 * or the `token` query parameter for browsers, which cannot set headers on a WebSocket.
 * A Bearer header wins when both are present; any other Authorization scheme (say, Basic
 * from a proxy) is not ours and leaves the query parameter in charge. Given the header and
 * the decoded parameter (the router's query reader), not the request: no URL is parsed again.
 */
export function tokenFromRequest(
  authorization: string | undefined,
  queryToken: string | undefined,
): string | undefined {
  if (authorization && /^Bearer(\s|$)/i.test(authorization)) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    return match?.[1]
  }
  return queryToken ? queryToken : undefined
}
