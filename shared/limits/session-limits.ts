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
  /** Bytes of sync step 1 answers one connection may ask for per second, sustained (PROTOCOL.md §10.4). */
  readonly syncBytesPerSecond: number
  /**
   * Bytes of sync step 1 answers one connection may ask for in a burst. A full bucket admits one answer of any size,
   * so a connection's first answer passes this bucket whatever its size; the principal's bucket may still refuse it.
   */
  readonly syncByteBurst: number
  /** Bytes of sync step 1 answers one principal may ask for per second across its connections on one node. */
  readonly principalSyncBytesPerSecond: number
  /** Bytes of sync step 1 answers one principal may ask for in a burst across its connections on one node. */
  readonly principalSyncByteBurst: number
  /** New `messages` entries one principal may create per second on one node, sustained (PROTOCOL.md §10.5). */
  readonly messagesPerSecond: number
  /** New `messages` entries one principal may create in a burst. */
  readonly messageBurst: number
  /** New `steering` entries one principal may create per second on one node, sustained. */
  readonly steersPerSecond: number
  /** New `steering` entries one principal may create in a burst. */
  readonly steerBurst: number
}

/** The limits a writer must respect before it writes: those the server checks per update (PROTOCOL.md §10.1). */
export type WriteLimits = Pick<SessionLimits, 'maxUpdateBytes' | 'maxUserTextChars'>

/**
 * Defaults. The SDK's coalescing writer sends updates of 30 ms or 2 KiB, whichever comes first, and the frame and byte
 * rates are set so that an agent writing that way as fast as it can stays under them (e2e/node/limits.test.ts proves a
 * flood passes); a reconnecting client's sync step 2 may be as large as the frame cap once, so the byte burst holds four.
 * Sync answers: a session of 100k agent tokens is about 0.7 MB of state, so a principal may load 90 such sessions (or
 * tabs) at once and then one every 1.4 s; sustained, one principal makes the server encode at most 512 KiB a second.
 * A full bucket admits one answer of any size, so any session can be loaded: a connection's first answer always
 * passes its own bucket, and passes its principal's unless the principal's other answers have spent it
 * (PROTOCOL.md §10.4). After it the connection has 4 MiB for probes and resyncs, refilled at 256 KiB/s, so one
 * connection cannot make the server queue more than that for a reader that does not read. Messages and steers:
 * ten a second with a burst of a hundred is far above anything a person types, and an offline backlog larger than
 * the burst still goes through once the bucket is full (docs/security.md § Limits).
 */
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxUpdateBytes: 1024 * 1024,
  maxUserTextChars: 100_000,
  framesPerSecond: 1_000,
  frameBurst: 2_000,
  bytesPerSecond: 4 * 1024 * 1024,
  byteBurst: 16 * 1024 * 1024,
  syncBytesPerSecond: 256 * 1024,
  syncByteBurst: 4 * 1024 * 1024,
  principalSyncBytesPerSecond: 512 * 1024,
  principalSyncByteBurst: 64 * 1024 * 1024,
  messagesPerSecond: 10,
  messageBurst: 100,
  steersPerSecond: 10,
  steerBurst: 100,
}
