/**
 * Idempotency keys for sends: 16 random bytes in base64url (22 characters, within the
 * contract's 64). `crypto.getRandomValues` works in every browser context, unlike
 * `crypto.randomUUID`, which needs a secure one (https or localhost).
 */
export declare function randomId(): string;
