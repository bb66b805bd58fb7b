/**
 * The abuse limits a session server enforces (PROTOCOL.md §10) and their defaults: written once here, so the server
 * enforces and the SDKs pre-check the same values. Servers announce the two write limits to every connection
 * (§10.3); an SDK uses these defaults until it hears them.
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

/** The limits a writer must respect before it writes: those the server checks per update (PROTOCOL.md §10.1). */
export type WriteLimits = Pick<SessionLimits, 'maxUpdateBytes' | 'maxUserTextChars'>

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
