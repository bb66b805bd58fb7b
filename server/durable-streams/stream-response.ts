/**
 * Response headers every Durable Streams answer carries (browser security, CORS), and error answers whose
 * SessionError `details.headers` become response headers (e.g. `Producer-Expected-Seq`).
 */
import type { ServerResponse } from 'node:http'
import { SessionError, toWireError } from '../../shared/errors/session-error.ts'
import { toAnswerableError } from '../http/send-json.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'

/** Request headers a browser may send (CORS preflight); `if-none-match` lets it revalidate. */
const ALLOWED_REQUEST_HEADERS = [
  'content-type',
  'authorization',
  'if-none-match',
  STREAM_HEADERS.CLOSED,
  STREAM_HEADERS.SEQ,
  STREAM_HEADERS.TTL,
  STREAM_HEADERS.EXPIRES_AT,
  STREAM_HEADERS.PRODUCER_ID,
  STREAM_HEADERS.PRODUCER_EPOCH,
  STREAM_HEADERS.PRODUCER_SEQ,
].join(', ')
const EXPOSED_HEADERS = [...Object.values(STREAM_HEADERS), 'etag', 'location', 'content-type'].join(', ')

/** Headers of every stream response. */
export function baseStreamHeaders(): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'cross-origin',
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSED_HEADERS,
  }
}

/** Answers a CORS preflight. */
export function sendPreflight(response: ServerResponse): void {
  response.writeHead(204, {
    ...baseStreamHeaders(),
    'access-control-allow-methods': 'GET, HEAD, PUT, POST, DELETE, OPTIONS',
    'access-control-allow-headers': ALLOWED_REQUEST_HEADERS,
    'access-control-max-age': '600',
  })
  response.end()
}

/** Writes a response without a body. */
export function sendEmpty(response: ServerResponse, status: number, headers: Record<string, string>): void {
  response.writeHead(status, { ...baseStreamHeaders(), ...headers })
  response.end()
}

/**
 * Writes `{ error }` with the code's status plus the headers in `details.headers` (and the fields of
 * `details.errorFields` beside the code, as the subscription APIs' `current_holder`), and `Retry-After` (whole seconds,
 * rounded up) when `details.retryAfterMs` says when to retry; unexpected errors are logged.
 */
export function sendStreamError(response: ServerResponse, error: unknown, log: (error: unknown) => void): void {
  const sessionError = toAnswerableError(response, error, log)
  if (sessionError === undefined) return
  const { headers, errorFields, ...details } = sessionError.details as {
    headers?: Record<string, string>
    errorFields?: Record<string, unknown>
    retryAfterMs?: unknown
  }
  const text = JSON.stringify({
    error: { ...errorFields, ...toWireError(new SessionError(sessionError.code, sessionError.message, { details })) },
  })
  const retryAfterMs = details.retryAfterMs
  response.writeHead(sessionError.httpStatus, {
    ...baseStreamHeaders(),
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...(typeof retryAfterMs === 'number'
      ? { [STREAM_HEADERS.RETRY_AFTER]: String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }
      : {}),
  })
  response.end(text)
}
