/**
 * Parses the request headers of Durable Streams writes (PROTOCOL.md §9) into typed values at the edge.
 */
import type { IncomingMessage } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import { STREAM_HEADERS, STREAM_ROUTE_PREFIX } from '../../shared/protocol/durable-streams.ts'
import type { ProducerBatch } from './check-producer.ts'
import type { ForkRequest } from './materialize-fork.ts'

/** Lifetime headers of a PUT. */
export interface StreamLifetime {
  readonly ttlSeconds?: number
  readonly expiresAt?: string
}

const NON_NEGATIVE_INTEGER = /^(0|[1-9]\d*)$/

/**
 * `Stream-TTL` / `Stream-Expires-At` of a create.
 * @throws SessionError BAD_REQUEST when malformed or both are set
 */
export function readStreamLifetime(request: IncomingMessage): StreamLifetime {
  const ttl = header(request, STREAM_HEADERS.TTL)
  const expiresAt = header(request, STREAM_HEADERS.EXPIRES_AT)
  if (ttl !== undefined && expiresAt !== undefined)
    throw new SessionError('BAD_REQUEST', 'Stream-TTL and Stream-Expires-At are exclusive')
  if (ttl !== undefined) return { ttlSeconds: readInteger(ttl, STREAM_HEADERS.TTL) }
  if (expiresAt !== undefined) {
    if (Number.isNaN(Date.parse(expiresAt)))
      throw new SessionError('BAD_REQUEST', 'Stream-Expires-At is not a timestamp')
    return { expiresAt }
  }
  return {}
}

/** True when the request carries `Stream-Closed: true`. */
export function readStreamClosed(request: IncomingMessage): boolean {
  return header(request, STREAM_HEADERS.CLOSED)?.toLowerCase() === 'true'
}

/**
 * The `Producer-Id/Epoch/Seq` triple, or undefined when none is sent.
 * @throws SessionError BAD_REQUEST when only some are sent or a number is malformed
 */
export function readProducerBatch(request: IncomingMessage): ProducerBatch | undefined {
  const id = header(request, STREAM_HEADERS.PRODUCER_ID)
  const epoch = header(request, STREAM_HEADERS.PRODUCER_EPOCH)
  const seq = header(request, STREAM_HEADERS.PRODUCER_SEQ)
  if (id === undefined && epoch === undefined && seq === undefined) return undefined
  if (id === undefined || id === '' || epoch === undefined || seq === undefined) {
    throw new SessionError('BAD_REQUEST', 'Producer-Id, Producer-Epoch and Producer-Seq must be sent together')
  }
  return {
    id,
    epoch: readInteger(epoch, STREAM_HEADERS.PRODUCER_EPOCH),
    seq: readInteger(seq, STREAM_HEADERS.PRODUCER_SEQ),
  }
}

/**
 * The fork headers of a PUT (`Stream-Forked-From: /v1/stream/<source>`, `Stream-Fork-Offset`,
 * `Stream-Fork-Sub-Offset`), or undefined when it is not a fork.
 * @throws SessionError BAD_REQUEST for a malformed or incomplete combination
 */
export function readForkRequest(request: IncomingMessage): ForkRequest | undefined {
  const from = header(request, STREAM_HEADERS.FORKED_FROM)
  const offset = header(request, STREAM_HEADERS.FORK_OFFSET)
  const subText = header(request, STREAM_HEADERS.FORK_SUB_OFFSET)
  if (from === undefined) {
    if (subText !== undefined || offset !== undefined)
      throw new SessionError('BAD_REQUEST', 'fork offsets need Stream-Forked-From')
    return undefined
  }
  const sourcePath = new URL(from, 'http://localhost').pathname
  if (!sourcePath.startsWith(STREAM_ROUTE_PREFIX))
    throw new SessionError('BAD_REQUEST', 'Stream-Forked-From must name a stream path', { details: { from } })
  const subOffset = subText === undefined ? 0 : readInteger(subText, STREAM_HEADERS.FORK_SUB_OFFSET)
  if (subOffset > 0 && offset === undefined)
    throw new SessionError('BAD_REQUEST', 'a fork sub-offset needs Stream-Fork-Offset')
  let source: string
  try {
    source = decodeURIComponent(sourcePath.slice(STREAM_ROUTE_PREFIX.length))
  } catch (cause) {
    throw new SessionError('BAD_REQUEST', 'malformed Stream-Forked-From', { cause })
  }
  return { source, subOffset, ...(offset === undefined ? {} : { offset }) }
}

/** One request header as a string, or undefined. */
export function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

function readInteger(text: string, name: string): number {
  const trimmed = text
  const value = Number(trimmed)
  if (!NON_NEGATIVE_INTEGER.test(trimmed) || !Number.isSafeInteger(value))
    throw new SessionError('BAD_REQUEST', `${name} must be a non-negative integer`, { details: { value: text } })
  return value
}
