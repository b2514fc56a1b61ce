/**
 * Idempotency keys for sends: 16 random bytes in base64url (22 characters, within the
 * contract's 64). `crypto.getRandomValues` works in every browser context, unlike
 * `crypto.randomUUID`, which needs a secure one (https or localhost).
 */
export function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    let s = '';
    for (const b of bytes)
        s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
