/**
 * JSON responses and error responses for the HTTP API. Status codes come from ERROR_CODES only; an unexpected
 * failure (a bug: storage failures are SessionErrors) is logged here once and answered as INTERNAL_ERROR without
 * internals.
 */
import type { ServerResponse } from 'node:http'
import { isSessionError, SessionError, toWireError } from '../../shared/errors/session-error.ts'

/** Writes `body` as JSON with `status`. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  response.end(text)
}

/** Writes `{ error: { code, message, details } }` with the code's HTTP status. */
export function sendError(response: ServerResponse, error: unknown, log: (error: unknown) => void): void {
  const sessionError = toAnswerableError(response, error, log)
  if (sessionError !== undefined) sendJson(response, sessionError.httpStatus, { error: toWireError(sessionError) })
}

/**
 * The SessionError to answer `error` with (INTERNAL_ERROR for an unexpected one), logging unexpected and 5xx
 * errors; undefined when the response has already started, which is then destroyed (the client sees the failure).
 */
export function toAnswerableError(
  response: ServerResponse,
  error: unknown,
  log: (error: unknown) => void,
): SessionError | undefined {
  const sessionError = isSessionError(error)
    ? error
    : new SessionError('INTERNAL_ERROR', 'internal server error', { cause: error })
  if (!isSessionError(error) || sessionError.httpStatus >= 500) log(error)
  if (!response.headersSent) return sessionError
  response.destroy()
  return undefined
}
