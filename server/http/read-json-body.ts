/**
 * Reads a request body as JSON with a size bound. An empty body reads as `{}`.
 */
import type { IncomingMessage } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import { readBody } from './read-body.ts'

/**
 * Parses the body of `request`.
 * @throws SessionError MESSAGE_TOO_LARGE past `maxBytes`, BAD_REQUEST for invalid JSON
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const text = (await readBody(request, maxBytes)).toString('utf8').trim()
  if (text === '') return {}
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new SessionError('BAD_REQUEST', 'request body is not valid JSON', { cause })
  }
}
