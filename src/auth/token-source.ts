/**
 * Where a request carries its token (docs/protocol.md "Identity"): `Authorization: Bearer <jwt>`,
 * or the `token` query parameter for browsers, which cannot set headers on a WebSocket.
 * A Bearer header wins when both are present; any other Authorization scheme (say, Basic
 * from a proxy) is not ours and leaves the query parameter in charge.
 */
export function tokenFromRequest(headers: Headers, url: URL): string | undefined {
  const header = headers.get('authorization')
  if (header && /^Bearer(\s|$)/i.test(header)) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    return match?.[1]
  }
  const query = url.searchParams.get('token')
  return query ? query : undefined
}
