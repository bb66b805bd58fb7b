/**
 * The shared HMAC secret that signs session tokens. HS256 is only as strong as its key, so a secret shorter
 * than 32 bytes (256 bits, RFC 7518 §3.2) is refused at start-up rather than silently accepted.
 */

/** Shortest accepted secret, in bytes. */
export const MIN_AUTH_SECRET_BYTES = 32

/** A secret as configured: UTF-8 text (e.g. from LIFELINE_AUTH_SECRET) or raw bytes. */
export type AuthSecret = string | Uint8Array

/**
 * The secret as bytes.
 * @throws Error when it is shorter than MIN_AUTH_SECRET_BYTES (a configuration error, not a client failure)
 */
export function toSecretKey(secret: AuthSecret): Buffer {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret)
  if (key.byteLength < MIN_AUTH_SECRET_BYTES) {
    throw new Error(
      `the auth secret (LIFELINE_AUTH_SECRET, auth.secret) must be at least ${MIN_AUTH_SECRET_BYTES} bytes, got ${key.byteLength}`,
    )
  }
  return key
}
