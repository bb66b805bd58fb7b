/**
 * SessionError: the one error type for expected failures on both sides of the wire. It carries a code from
 * ERROR_CODES, free-form JSON details, and survives a JSON round trip through toWireError / fromWireError.
 */
import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.ts'

/** JSON body of an error on the HTTP wire: `{ error: { code, message, details } }`. */
export interface WireError {
  readonly code: ErrorCode
  readonly message: string
  readonly details?: Readonly<Record<string, unknown>>
}

const MARKER = Symbol.for('lifeline.session-error')

/** An expected failure with a code; see ERROR_CODES for its HTTP status and close code. */
export class SessionError extends Error {
  readonly [MARKER] = true
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SessionError'
    this.code = code
    this.details = options.details ?? {}
  }

  /** True when a client may retry the same operation later. */
  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable
  }

  /** HTTP status for this error (ERROR_CODES). */
  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus
  }

  /** WebSocket close code for this error (ERROR_CODES). */
  get closeCode(): number {
    return ERROR_CODES[this.code].closeCode
  }
}

/** True for any SessionError, even one created by another copy of this module. */
export function isSessionError(value: unknown): value is SessionError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true
}

/** The JSON form of an error, as sent in HTTP bodies. */
export function toWireError(error: SessionError): WireError {
  return { code: error.code, message: error.message, details: error.details }
}

/** Rebuilds a SessionError from a parsed HTTP body; unknown shapes become BAD_REQUEST with the raw body. */
export function fromWireError(body: unknown): SessionError {
  const candidate =
    typeof body === 'object' && body !== null && 'error' in body ? (body as { error: unknown }).error : body
  if (typeof candidate === 'object' && candidate !== null) {
    const { code, message, details } = candidate as Record<string, unknown>
    if (isErrorCode(code)) {
      const detailRecord = typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {}
      return new SessionError(code, typeof message === 'string' ? message : code, { details: detailRecord })
    }
  }
  return new SessionError('BAD_REQUEST', 'unrecognised error body', { details: { body } })
}
