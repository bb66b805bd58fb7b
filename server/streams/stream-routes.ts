/**
 * The `/v1/stream/` routes (PROTOCOL.md §9): generic Durable Streams, and the event streams of sessions under
 * the reserved `sessions/` namespace. Resolves false for other paths.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import {
  MAX_STREAM_PATH_BYTES,
  SESSION_STREAM_NAMESPACE,
  STREAM_ROUTE_PREFIX,
} from '../../shared/protocol/durable-streams.ts'
import { handleGenericStream, type GenericStreamContext } from './handle-generic-stream.ts'
import { sendPreflight, sendStreamError } from './stream-response.ts'

/** Options of {@link createStreamRoutes}. */
export interface StreamRoutesOptions extends GenericStreamContext {
  /** Handles requests for `sessions/<id>`; absent: they answer 404. */
  readonly handleSessionStream?: (
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    sessionId: string,
  ) => Promise<void>
  /** Checks a request for a generic stream before it runs (auth); throws a SessionError to refuse it. */
  readonly authorizeGeneric?: (request: IncomingMessage) => void
  readonly onError: (error: unknown) => void
}

/** Creates the handler of the stream routes; it answers errors itself. */
export function createStreamRoutes(options: StreamRoutesOptions) {
  return async function handleStreamRoute(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<boolean> {
    if (!url.pathname.startsWith(STREAM_ROUTE_PREFIX)) return false
    try {
      const path = decodePath(url.pathname.slice(STREAM_ROUTE_PREFIX.length))
      if (request.method === 'OPTIONS') {
        sendPreflight(response)
      } else if (path.startsWith(SESSION_STREAM_NAMESPACE)) {
        if (options.handleSessionStream === undefined)
          throw new SessionError('STREAM_NOT_FOUND', 'session streams are not served here')
        await options.handleSessionStream(request, response, url, path.slice(SESSION_STREAM_NAMESPACE.length))
      } else {
        options.authorizeGeneric?.(request)
        await handleGenericStream(request, response, url, path, options)
      }
    } catch (error) {
      sendStreamError(response, error, options.onError)
    }
    return true
  }
}

function decodePath(encoded: string): string {
  let path: string
  try {
    path = decodeURIComponent(encoded)
  } catch (cause) {
    throw new SessionError('BAD_REQUEST', 'malformed stream path', { cause })
  }
  if (path === '' || path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new SessionError('BAD_REQUEST', 'malformed stream path', { details: { path } })
  }
  const bytes = Buffer.byteLength(path)
  if (bytes > MAX_STREAM_PATH_BYTES) {
    throw new SessionError('BAD_REQUEST', `stream path is ${bytes} bytes long; the limit is ${MAX_STREAM_PATH_BYTES}`, {
      details: { bytes, limit: MAX_STREAM_PATH_BYTES },
    })
  }
  return path
}
