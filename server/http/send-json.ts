/**
 * JSON responses and error responses for the HTTP API. Status codes come from ERROR_CODES only; an unexpected
 * failure is logged here once and answered as PERSISTENCE_FAILED without internals.
 */
import type { ServerResponse } from 'node:http'
import { isSessionError, SessionError, toWireError } from '../../shared/errors/session-error.ts'

/** Writes `body` as JSON with `status`. */
export function sendJson (response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
  response.end(text)
}

/** Writes `{ error: { code, message, details } }` with the code's HTTP status. */
export function sendError (response: ServerResponse, error: unknown, log: (error: unknown) => void): void {
  const sessionError = isSessionError(error) ? error : new SessionError('PERSISTENCE_FAILED', 'internal server error', { cause: error })
  if (!isSessionError(error) || sessionError.httpStatus >= 500) log(error)
  if (response.headersSent) {
    response.destroy()
    return
  }
  sendJson(response, sessionError.httpStatus, { error: toWireError(sessionError) })
}
