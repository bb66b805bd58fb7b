/**
 * Knows the write limits a client pre-checks (PROTOCOL.md §10.3): the shared defaults with the client's `limits`
 * option until the server announces its own, then the server's — which an option may lower but never raise, since
 * the server closes the connection on any write over them.
 */
import { DEFAULT_SESSION_LIMITS, type WriteLimits } from '../../shared/limits/session-limits.ts'

/** The limits in force for one client. */
export interface LimitsTracker {
  /** Limits every write is checked against now. */
  readonly current: WriteLimits
  /** Takes the limits the server announced. */
  announce(limits: WriteLimits): void
}

/**
 * Creates a tracker for a client with the `limits` option `overrides`.
 * @throws TypeError when an override is not a positive safe integer
 */
export function createLimitsTracker(overrides: Partial<WriteLimits> = {}): LimitsTracker {
  for (const [name, value] of Object.entries(overrides)) {
    if (!(Number.isSafeInteger(value) && value > 0))
      throw new TypeError(`limit ${name} must be a positive integer, got ${String(value)}`)
  }
  let current: WriteLimits = {
    maxUpdateBytes: overrides.maxUpdateBytes ?? DEFAULT_SESSION_LIMITS.maxUpdateBytes,
    maxUserTextChars: overrides.maxUserTextChars ?? DEFAULT_SESSION_LIMITS.maxUserTextChars,
  }
  return {
    get current() {
      return current
    },
    announce(announced) {
      current = {
        maxUpdateBytes: Math.min(overrides.maxUpdateBytes ?? Infinity, announced.maxUpdateBytes),
        maxUserTextChars: Math.min(overrides.maxUserTextChars ?? Infinity, announced.maxUserTextChars),
      }
    },
  }
}
