/**
 * Stream lifetime (PROTOCOL.md §9.5): a stream with `Stream-TTL` expires that many seconds after its last read or
 * write; one with `Stream-Expires-At` at that instant. An expired stream is gone: it answers 404 and is deleted.
 */
import type { StreamMeta } from './stream-store.ts'

/** True when `meta` has expired at `nowMs`. */
export function isExpired(meta: StreamMeta, nowMs: number): boolean {
  if (meta.expiresAt !== undefined && Date.parse(meta.expiresAt) <= nowMs) return true
  return meta.ttlSeconds !== undefined && meta.touchedAtMs + meta.ttlSeconds * 1000 <= nowMs
}
