/**
 * `Stream-Cursor` for live reads (PROTOCOL.md §9.2): the number of 20-second intervals since 2024-10-09T00:00Z.
 * A client echoing a cursor at or past the current interval gets a strictly larger one, so that a cached live
 * response can never be served back to it in a loop.
 */

const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9)
const CURSOR_INTERVAL_MS = 20_000
/** Largest jitter added to a client's cursor, in intervals (one hour). */
const MAX_JITTER_INTERVALS = 180

/** The cursor to answer a live read with, given the client's `cursor` parameter. */
export function nextStreamCursor(clientCursor: string | null, nowMs: number): string {
  const current = Math.floor((nowMs - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS)
  const echoed = clientCursor === null ? Number.NaN : Number(clientCursor)
  if (!Number.isSafeInteger(echoed) || echoed < current) return String(current)
  return String(echoed + 1 + Math.floor(Math.random() * MAX_JITTER_INTERVALS))
}
