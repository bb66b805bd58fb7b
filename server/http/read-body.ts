/**
 * Reads a whole request body with a size bound, failing as soon as the bound is passed.
 */
import type { IncomingMessage } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'

/**
 * The body of `request` as bytes. Past `maxBytes` it fails at once, which resets the connection; with
 * `drainUpToBytes` it first reads and discards the rest of a body up to that size, so that the client receives the
 * 413 answer instead of a reset.
 * @throws SessionError MESSAGE_TOO_LARGE past `maxBytes`
 */
export async function readBody(
  request: IncomingMessage,
  maxBytes: number,
  options: { drainUpToBytes?: number } = {},
): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  const tooLarge = (): SessionError =>
    new SessionError('MESSAGE_TOO_LARGE', `request body exceeds ${maxBytes} bytes`, { details: { maxBytes } })
  for await (const chunk of request) {
    const buffer = chunk as Buffer
    total += buffer.byteLength
    if (total > (options.drainUpToBytes ?? maxBytes)) throw tooLarge()
    if (total <= maxBytes) chunks.push(buffer)
  }
  if (total > maxBytes) throw tooLarge()
  return Buffer.concat(chunks)
}

/** Options for {@link readBody} that read and discard oversized bodies up to 4× the limit, so the client gets its 413. */
export function drainOversized(maxBytes: number): { drainUpToBytes: number } {
  return { drainUpToBytes: 4 * maxBytes }
}
