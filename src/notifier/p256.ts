/**
 * Is a 65-byte uncompressed point on P-256? Checked by the curve's equation, y² = x³ - 3x + b
 * (mod p), in BigInt: WebCrypto's raw import checks it on Node but not on Deno, and a point off
 * the curve would make every push to that subscription fail (or leak key bits, for a
 * carefully chosen one), so the check must not depend on the runtime.
 */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn

const toBigInt = (bytes: Uint8Array): bigint => {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

export function isP256Point(point: Uint8Array): boolean {
  if (point.length !== 65 || point[0] !== 4) return false
  const x = toBigInt(point.subarray(1, 33))
  const y = toBigInt(point.subarray(33))
  if (x >= P || y >= P) return false
  return (y * y - (x * x * x - 3n * x + B)) % P === 0n
}
