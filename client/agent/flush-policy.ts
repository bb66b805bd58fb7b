/**
 * When a reply writer writes its buffered tokens. Two modes:
 * - `adaptive` (the default): a token is written at once when none of the client's updates is unacknowledged, so a
 *   paced stream reaches viewers as fast as the store acknowledges; while one is, tokens accumulate and go out
 *   together when the acknowledgement comes, when the buffer reaches its size limit, or after the maximum delay,
 *   so a flood still becomes a few large updates.
 * - `window`: tokens always wait for the delay (or the size limit): fewer, larger updates, at the cost of latency.
 * The size limit is `maxBufferChars`, and `maxBusyBufferChars` while an update is unacknowledged (larger updates
 * keep a flood's throughput up while the server stores the previous one).
 */

/** How a reply writer batches tokens (see the module comment). */
export type FlushMode = 'adaptive' | 'window'

/** The limits one decision reads. */
export interface FlushLimits {
  readonly mode: FlushMode
  /** Buffer size that forces a write when nothing is in flight, in characters. */
  readonly maxBufferChars: number
  /** Buffer size that forces a write while an update is unacknowledged, in characters. */
  readonly maxBusyBufferChars: number
}

/**
 * What to do after a token was buffered: `now` writes the buffer, `wait` leaves it for an acknowledgement or the
 * delay timer. `unacknowledged` is the client's count of updates the server has not acknowledged yet.
 */
export function flushAfterToken(limits: FlushLimits, bufferChars: number, unacknowledged: number): 'now' | 'wait' {
  const busy = unacknowledged > 0
  if (bufferChars >= (busy ? limits.maxBusyBufferChars : limits.maxBufferChars)) return 'now'
  return limits.mode === 'adaptive' && !busy ? 'now' : 'wait'
}

/** Whether an acknowledgement that left `unacknowledged` updates outstanding releases a non-empty buffer. */
export function flushAfterAck(limits: FlushLimits, bufferChars: number, unacknowledged: number): boolean {
  return limits.mode === 'adaptive' && bufferChars > 0 && unacknowledged === 0
}
