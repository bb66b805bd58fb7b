/**
 * Converts a Node request into the fetch `Request` that Hocuspocus' `handleConnection` expects (it reads headers
 * and query parameters from it).
 */
import type { IncomingMessage } from 'node:http'

/** A fetch Request with `url` and the request's headers. */
export function toFetchRequest(request: IncomingMessage, url: URL): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) headers.set(name, value.join(', '))
  }
  return new Request(url, { headers })
}
