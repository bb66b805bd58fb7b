/**
 * HTTP methods of a generic stream (PROTOCOL.md §9): PUT creates, POST appends or closes, DELETE deletes, HEAD
 * reads metadata, GET reads (catch-up, long-poll, SSE).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import { LIVE_MODES, STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'
import { drainOversized, readBody } from '../http/read-body.ts'
import { readLiveMode } from './read-live-mode.ts'
import { formatOffset } from './stream-offset.ts'
import {
  header,
  readForkRequest,
  readProducerBatch,
  readStreamClosed,
  readStreamLifetime,
} from './stream-request-headers.ts'
import { sendEmpty } from './stream-response.ts'
import type { StreamMeta } from './stream-store.ts'
import { sendStreamRead, type StreamReadContext } from './send-stream-read.ts'
import { sendStreamSse } from './send-stream-sse.ts'

/** What the generic stream routes need. */
export interface GenericStreamContext extends StreamReadContext {
  /** Largest accepted request body in bytes; larger ones answer 413. */
  readonly maxBodyBytes: number
  readonly sseReconnectMs: number
  /** Path prefixes that other handlers own (see `StreamNamespace`); a fork cannot start from a stream under one. */
  readonly reservedPrefixes?: readonly string[]
}

/** Handles one request for the generic stream at `path`. */
export async function handleGenericStream(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  path: string,
  context: GenericStreamContext,
): Promise<void> {
  const { service } = context
  switch (request.method) {
    case 'PUT': {
      const lifetime = readStreamLifetime(request)
      const fork = readForkRequest(request)
      const reserved = context.reservedPrefixes?.find((prefix) => fork?.source.startsWith(prefix) === true)
      if (reserved !== undefined)
        throw new SessionError('BAD_REQUEST', `streams under ${reserved} cannot be forked`, {
          details: { source: fork?.source },
        })
      const body = await readBody(request, context.maxBodyBytes, drainOversized(context.maxBodyBytes))
      const contentType = header(request, 'content-type')
      const { created, meta } = await service.create(path, {
        closed: readStreamClosed(request),
        body,
        ...lifetime,
        ...(contentType === undefined ? {} : { contentType }),
        ...(fork === undefined ? {} : { fork }),
      })
      const host = header(request, 'host') ?? 'localhost'
      sendEmpty(response, created ? 201 : 200, {
        ...metaHeaders(meta),
        ...(created ? { location: `http://${host}${url.pathname}` } : {}),
      })
      return
    }
    case 'POST': {
      const close = readStreamClosed(request)
      const producer = readProducerBatch(request)
      const contentType = header(request, 'content-type')
      const body = await readBody(request, context.maxBodyBytes, drainOversized(context.maxBodyBytes))
      if (body.byteLength === 0 && !close) throw new SessionError('BAD_REQUEST', 'an append needs a body')
      if (body.byteLength > 0 && contentType === undefined)
        throw new SessionError('BAD_REQUEST', 'an append needs a Content-Type')
      const streamSeq = header(request, STREAM_HEADERS.SEQ)
      const result = await service.append(path, {
        body,
        close,
        ...(contentType === undefined ? {} : { contentType }),
        ...(streamSeq === undefined ? {} : { streamSeq }),
        ...(producer === undefined ? {} : { producer }),
      })
      const producerHeaders =
        result.producer === undefined
          ? {}
          : {
              [STREAM_HEADERS.PRODUCER_EPOCH]: String(result.producer.state.epoch),
              [STREAM_HEADERS.PRODUCER_SEQ]: String(result.producer.state.seq),
            }
      // A producer's new data answers 200; duplicates, plain appends and close-only requests answer 204.
      const status = result.producer !== undefined && !result.producer.duplicate && body.byteLength > 0 ? 200 : 204
      sendEmpty(response, status, { ...offsetHeaders(result.meta), ...producerHeaders })
      return
    }
    case 'DELETE':
      await service.remove(path)
      sendEmpty(response, 204, {})
      return
    case 'HEAD':
      sendEmpty(response, 200, { ...metaHeaders(await service.head(path)), 'cache-control': 'no-store' })
      return
    case 'GET':
      if (readLiveMode(url) === LIVE_MODES.SSE) await sendStreamSse(response, url, path, context)
      else await sendStreamRead(request, response, url, path, context)
      return
    default:
      throw new SessionError('METHOD_NOT_ALLOWED', `${request.method ?? '?'} is not a stream method`)
  }
}

/** `Stream-Next-Offset` and, once closed, `Stream-Closed`. */
export function offsetHeaders(meta: StreamMeta): Record<string, string> {
  return {
    [STREAM_HEADERS.NEXT_OFFSET]: formatOffset({ messages: meta.messageCount, bytes: meta.byteCount }),
    ...(meta.closed ? { [STREAM_HEADERS.CLOSED]: 'true' } : {}),
  }
}

function metaHeaders(meta: StreamMeta): Record<string, string> {
  return {
    ...offsetHeaders(meta),
    'content-type': meta.contentType,
    ...(meta.ttlSeconds === undefined ? {} : { [STREAM_HEADERS.TTL]: String(meta.ttlSeconds) }),
    ...(meta.expiresAt === undefined ? {} : { [STREAM_HEADERS.EXPIRES_AT]: meta.expiresAt }),
  }
}
