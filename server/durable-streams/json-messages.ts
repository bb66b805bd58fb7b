/**
 * JSON mode of Durable Streams (PROTOCOL.md §9.3): a body is split into messages (an array is flattened by one
 * level), and reads answer a JSON array of the messages in range.
 */
import { SessionError } from '../../shared/errors/session-error.ts'

/** True when `contentType` selects JSON mode (`application/json`, any case, any parameters). */
export function isJsonContentType(contentType: string): boolean {
  return mediaType(contentType) === 'application/json'
}

/** The media type of a Content-Type value: lower case, without parameters. */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase()
}

/**
 * Splits a JSON body into stored messages (each the UTF-8 of one JSON value).
 * @throws SessionError BAD_REQUEST for invalid JSON, or for `[]` unless `allowEmpty`
 */
export function splitJsonMessages(body: Uint8Array, options: { allowEmpty: boolean }): Uint8Array[] {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch (cause) {
    throw new SessionError('BAD_REQUEST', 'body is not valid JSON', { cause })
  }
  const values = Array.isArray(value) ? (value as unknown[]) : [value]
  if (values.length === 0 && !options.allowEmpty)
    throw new SessionError('BAD_REQUEST', 'an empty JSON array appends nothing')
  return values.map((item) => Buffer.from(JSON.stringify(item), 'utf8'))
}

/** The JSON array text of stored JSON messages. */
export function joinJsonMessages(messages: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from('[')]
  messages.forEach((message, index) => {
    if (index > 0) parts.push(Buffer.from(','))
    parts.push(Buffer.from(message))
  })
  parts.push(Buffer.from(']'))
  return Buffer.concat(parts)
}
