/**
 * Reads a whole request body with a size bound, failing as soon as the bound is passed.
 */
import type { IncomingMessage } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'

/**
 * The body of `request` as bytes.
 * @throws SessionError MESSAGE_TOO_LARGE past `maxBytes`
 */
export async function readBody (request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of request) {
    const buffer = chunk as Buffer
    total += buffer.byteLength
    if (total > maxBytes) throw new SessionError('MESSAGE_TOO_LARGE', `request body exceeds ${maxBytes} bytes`, { details: { maxBytes } })
    chunks.push(buffer)
  }
  return Buffer.concat(chunks)
}
