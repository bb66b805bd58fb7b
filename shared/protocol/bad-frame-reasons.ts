/**
 * Why the server refused an inbound frame as a bad frame (PROTOCOL.md §2.5). The reason is in `details.reason` of the
 * BAD_FRAME error reported to `onSecurityEvent` (kind `bad-frame`) and labels `lifeline_bad_frames_total`.
 */

/** Every bad-frame reason. Append only: reasons are part of the wire contract. */
export const BAD_FRAME_REASONS = {
  /** The frame does not start with a session id, a message type and, for sync frames, a sync sub-type. */
  NO_HEADER: 'the frame has no readable header',
  /** The frame ends before the body its header announces does. */
  TRUNCATED: 'the frame ends inside its body',
  /** The body's fields are there but do not decode: a state vector, an awareness state, text that is not UTF-8. */
  MALFORMED: 'the frame body does not decode',
  /** A message type or sync sub-type that clients do not send (PROTOCOL.md §2.2). */
  UNKNOWN_TYPE: 'the frame has a type clients do not send',
  /** The header names a session id outside SESSION_ID_PATTERN (PROTOCOL.md §1.1); closed with INVALID_SESSION_ID. */
  INVALID_SESSION_ID: 'the frame names an invalid session id',
} as const

export type BadFrameReason = keyof typeof BAD_FRAME_REASONS

/**
 * Frames with a readable header but a bad body one connection may send; each is dropped and reported, and the next
 * one closes the connection with BAD_FRAME. A frame without a header, or naming an invalid session id, closes it at once.
 */
export const BAD_FRAME_BUDGET = 2
