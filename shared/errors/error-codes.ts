/**
 * The one table of expected failures: each code maps to an HTTP status, a WebSocket close code and whether a
 * client may retry. Status and close codes are read from here only (CONTRIBUTING.md § Errors).
 */

/** How one error code appears on each transport. */
export interface ErrorCodeInfo {
  readonly httpStatus: number
  readonly closeCode: number
  readonly retryable: boolean
}

/** Every expected failure, by code. Append only: codes are part of the wire contract. */
export const ERROR_CODES = {
  BAD_REQUEST: { httpStatus: 400, closeCode: 4400, retryable: false },
  INVALID_SESSION_ID: { httpStatus: 400, closeCode: 4400, retryable: false },
  UNAUTHORIZED: { httpStatus: 401, closeCode: 4401, retryable: false },
  FORBIDDEN: { httpStatus: 403, closeCode: 4403, retryable: false },
  SESSION_NOT_FOUND: { httpStatus: 404, closeCode: 4404, retryable: false },
  ROUTE_NOT_FOUND: { httpStatus: 404, closeCode: 4404, retryable: false },
  METHOD_NOT_ALLOWED: { httpStatus: 405, closeCode: 4405, retryable: false },
  SESSION_EXISTS: { httpStatus: 409, closeCode: 4409, retryable: false },
  MESSAGE_TOO_LARGE: { httpStatus: 413, closeCode: 1009, retryable: false },
  UPDATE_REJECTED: { httpStatus: 422, closeCode: 4422, retryable: false },
  LOG_CORRUPT: { httpStatus: 500, closeCode: 4500, retryable: false },
  PERSISTENCE_FAILED: { httpStatus: 503, closeCode: 4503, retryable: true },
  CONNECTION_CLOSED: { httpStatus: 503, closeCode: 4503, retryable: true },
  TIMEOUT: { httpStatus: 504, closeCode: 4504, retryable: true },
  REPLY_CLOSED: { httpStatus: 409, closeCode: 4409, retryable: false },
  FALLBACK_CONNECTION_NOT_FOUND: { httpStatus: 404, closeCode: 4404, retryable: true },
  SEQUENCE_GAP: { httpStatus: 409, closeCode: 4409, retryable: true },
  SESSION_DELETED: { httpStatus: 410, closeCode: 4410, retryable: false },
  TOKEN_EXPIRED: { httpStatus: 401, closeCode: 4401, retryable: false },
  CLIENT_ID_TAKEN_OVER: { httpStatus: 409, closeCode: 4409, retryable: false },
  // Durable Streams (PROTOCOL.md §9)
  STREAM_NOT_FOUND: { httpStatus: 404, closeCode: 4404, retryable: false },
  STREAM_CONFLICT: { httpStatus: 409, closeCode: 4409, retryable: false },
  STREAM_CLOSED: { httpStatus: 409, closeCode: 4409, retryable: false },
  PRODUCER_FENCED: { httpStatus: 403, closeCode: 4403, retryable: false },
  PRODUCER_SEQ_GAP: { httpStatus: 409, closeCode: 4409, retryable: true },
  STREAM_GONE: { httpStatus: 410, closeCode: 4410, retryable: false },
  /** One Yjs update over the server's `maxUpdateBytes` (PROTOCOL.md §10.1). */
  UPDATE_TOO_LARGE: { httpStatus: 413, closeCode: 4413, retryable: false },
  /** A user message or steer text over the server's `maxUserTextChars` (PROTOCOL.md §10.1). */
  TEXT_TOO_LONG: { httpStatus: 413, closeCode: 4413, retryable: false },
  /** A connection sent frames or bytes faster than its rate limit (PROTOCOL.md §10.2); reconnecting is allowed. */
  RATE_LIMITED: { httpStatus: 429, closeCode: 4429, retryable: true },
  /**
   * A destructive or administrative action (today: deleting a session) by a principal that is neither the session's
   * owner nor an admin (docs/security.md § Destructive actions, PROTOCOL.md §8.6).
   */
  NOT_SESSION_OWNER: { httpStatus: 403, closeCode: 4403, retryable: false },
  /**
   * An unexpected failure of the server (a bug), not of storage: answered instead of PERSISTENCE_FAILED so that a
   * client does not retry in a loop what will fail again, and an operator looks at the logged cause.
   */
  INTERNAL_ERROR: { httpStatus: 500, closeCode: 4500, retryable: false },
  /**
   * An inbound frame that is not a well-formed Lifeline frame (PROTOCOL.md §2.5): no readable header, or a body that
   * is truncated or does not decode. Same close code as BAD_REQUEST; the reason tells them apart.
   */
  BAD_FRAME: { httpStatus: 400, closeCode: 4400, retryable: false },
  // Durable Streams subscriptions (PROTOCOL.md §9.10)
  /** No subscription with that id (or it was deleted). */
  SUBSCRIPTION_NOT_FOUND: { httpStatus: 404, closeCode: 4404, retryable: false },
  /** A subscription exists with the same id and another configuration. */
  SUBSCRIPTION_CONFLICT: { httpStatus: 409, closeCode: 4409, retryable: false },
  /** A webhook URL that is not https, or points into a local network outside the localhost exception. */
  WEBHOOK_URL_REJECTED: { httpStatus: 400, closeCode: 4400, retryable: false },
  /** A callback, ack or release for a wake that is no longer current (stale generation or wake id). */
  FENCED: { httpStatus: 409, closeCode: 4409, retryable: false },
  /** A pull-wake claim while another worker holds the lease; the error names `current_holder` and `generation`. */
  ALREADY_CLAIMED: { httpStatus: 409, closeCode: 4409, retryable: true },
  // Agent commands over HTTP (PROTOCOL.md §9.7)
  /** A `handled` mark for a steer another agent already marked handled; the error names `handledBy`. */
  STEER_ALREADY_HANDLED: { httpStatus: 409, closeCode: 4409, retryable: false },
  // On-device agents (PROTOCOL.md §8.1)
  /** A reply written by a token that may not reply: a user token without the `onDeviceAgent` claim. */
  AGENT_REPLY_FORBIDDEN: { httpStatus: 403, closeCode: 4403, retryable: false },
  // Message policy (PROTOCOL.md §8.8)
  /** The server's message policy refused a user message or an agent token run; the reason says why. */
  POLICY_REJECTED: { httpStatus: 422, closeCode: 4422, retryable: false },
  // Session webhooks (PROTOCOL.md §9.12)
  /** No webhook endpoint or dead letter with that id. */
  WEBHOOK_NOT_FOUND: { httpStatus: 404, closeCode: 4404, retryable: false },
} as const satisfies Record<string, ErrorCodeInfo>

/** The union of known error codes. */
export type ErrorCode = keyof typeof ERROR_CODES

/** Returns true when `value` is one of {@link ERROR_CODES}' keys. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}
