/** base64url without padding (RFC 4648 §5), on Web APIs only so it runs the same on Node and Deno. */

export function toBase64url(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** `undefined` for a string that is not base64url (padding is accepted and ignored). */
export function fromBase64url(text: string): Uint8Array | undefined {
  const bare = text.replace(/=+$/, '')
  if (!/^[A-Za-z0-9_-]*$/.test(bare) || bare.length % 4 === 1) return undefined
  const binary = atob(bare.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}
