/**
 * The `/v1/stream/` routes (PROTOCOL.md §9): generic Durable Streams, and namespaces whose streams another handler
 * owns (the session event streams register one). Resolves false for other paths.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import {
  MAX_STREAM_PATH_BYTES,
  STREAM_CONTROL_PREFIX,
  STREAM_ROUTE_PREFIX,
} from '../../shared/protocol/durable-streams.ts'
import { handleGenericStream, type GenericStreamContext } from './handle-generic-stream.ts'
import { handleStreamControl, type StreamControlContext } from './handle-stream-control.ts'
import { sendPreflight, sendStreamError } from './stream-response.ts'

/** A path prefix whose streams one handler owns instead of the generic routes. */
export interface StreamNamespace {
  /** Path prefix below the route prefix, ending in `/` (e.g. `sessions/`). */
  readonly prefix: string
  /** Handles a request for `<prefix><name>`; throws a SessionError to refuse it. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL, name: string): Promise<void>
}

/** Options of {@link createStreamRoutes}. */
export interface StreamRoutesOptions extends Omit<GenericStreamContext, 'reservedPrefixes'> {
  /** Namespaces served by their own handlers; generic streams cannot be created in or forked from them. */
  readonly namespaces?: readonly StreamNamespace[]
  /** Checks a request for a generic stream before it runs (auth); throws a SessionError to refuse it. */
  readonly authorizeGeneric?: (request: IncomingMessage) => void
  /** The reserved `__ds/` control routes (subscriptions); without it they answer ROUTE_NOT_FOUND. */
  readonly control?: StreamControlContext
  readonly onError: (error: unknown) => void
}

/** Creates the handler of the stream routes; it answers errors itself. */
export function createStreamRoutes(options: StreamRoutesOptions) {
  const namespaces = options.namespaces ?? []
  const generic = {
    ...options,
    reservedPrefixes: [STREAM_CONTROL_PREFIX, ...namespaces.map((namespace) => namespace.prefix)],
  }
  return async function handleStreamRoute(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<boolean> {
    if (!url.pathname.startsWith(STREAM_ROUTE_PREFIX)) return false
    try {
      const path = decodePath(url.pathname.slice(STREAM_ROUTE_PREFIX.length))
      const namespace = namespaces.find((candidate) => path.startsWith(candidate.prefix))
      if (request.method === 'OPTIONS') {
        sendPreflight(response)
      } else if (path.startsWith(STREAM_CONTROL_PREFIX)) {
        if (options.control === undefined)
          throw new SessionError('ROUTE_NOT_FOUND', `no control route ${path}`, { details: { path } })
        await handleStreamControl(request, response, path, options.control)
      } else if (namespace !== undefined) {
        await namespace.handle(request, response, url, path.slice(namespace.prefix.length))
      } else {
        options.authorizeGeneric?.(request)
        await handleGenericStream(request, response, url, path, generic)
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
