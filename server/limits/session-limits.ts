/**
 * Abuse limits of a session server (PROTOCOL.md §10): the largest Yjs update, the longest user message or steer
 * text, and each connection's inbound rate. Every violation closes the connection with a coded SessionError and is
 * reported as a `limit-exceeded` security event; the offending frame is neither stored nor applied.
 */

/** Limits one server enforces. */
export interface SessionLimits {
  /** Largest Yjs update in one sync step 2 / update frame, in bytes (UPDATE_TOO_LARGE). */
  readonly maxUpdateBytes: number
  /** Longest text of one user message (all its text parts) or one steering entry, in characters (TEXT_TOO_LONG). */
  readonly maxUserTextChars: number
  /** Inbound frames per second one connection may sustain, awareness included (RATE_LIMITED). */
  readonly framesPerSecond: number
  /** Frames one connection may send in a burst above `framesPerSecond`. */
  readonly frameBurst: number
  /** Inbound bytes per second one connection may sustain (RATE_LIMITED). */
  readonly bytesPerSecond: number
  /** Bytes one connection may send in a burst; at least the frame cap, so one largest frame always fits. */
  readonly byteBurst: number
}

/**
 * Defaults. An agent flooding with the SDK's coalescing writes one update per 30 ms or 2 KiB — at most a few
 * hundred frames and well under 1 MiB per second on this hardware (e2e/node/limits.test.ts proves a flood passes);
 * a reconnecting client's sync step 2 may be as large as the frame cap once.
 */
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxUpdateBytes: 1024 * 1024,
  maxUserTextChars: 100_000,
  framesPerSecond: 1_000,
  frameBurst: 2_000,
  bytesPerSecond: 4 * 1024 * 1024,
  byteBurst: 16 * 1024 * 1024,
}

/**
 * Fills in defaults and checks every limit is a positive number and `byteBurst` admits one frame of
 * `maxFrameBytes`; a bad value fails start-up with a TypeError.
 */
export function resolveSessionLimits (overrides: Partial<SessionLimits>, maxFrameBytes: number): SessionLimits {
  const limits = { ...DEFAULT_SESSION_LIMITS, ...overrides }
  for (const [name, value] of Object.entries(limits)) {
    if (!(typeof value === 'number' && value > 0)) throw new TypeError(`limit ${name} must be a positive number, got ${String(value)}`)
  }
  if (limits.byteBurst < maxFrameBytes) throw new TypeError(`limit byteBurst (${limits.byteBurst}) must be at least maxFrameBytes (${maxFrameBytes})`)
  return limits
}
