/**
 * The reserved control routes under `__ds/` (PROTOCOL.md §9.10, §9.11): the webhook signing JWK Set and the
 * subscription APIs. Subscription management and claims pass the generic stream authorisation; callbacks, acks and
 * releases carry the wake's own bearer token instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import {
  STREAM_CONTROL_PREFIX,
  STREAM_CONTROL_ROUTES,
  STREAM_ROUTE_PREFIX,
  SUBSCRIPTION_ACTIONS,
} from '../../shared/protocol/durable-streams.ts'
import { readJsonBody } from '../http/read-json-body.ts'
import { header } from './stream-request-headers.ts'
import { baseStreamHeaders, sendEmpty } from './stream-response.ts'
import { parseSubscriptionConfig, readStreamList } from './subscription-config.ts'
import type { SubscriptionManager, WakeAck } from './subscription-manager.ts'
import { subscriptionJson, wakeStreamsJson } from './subscription-record.ts'
import { parseOffset } from './stream-offset.ts'
import type { WebhookSigningKey } from './webhook-signing-key.ts'

/** What the control routes need. */
export interface StreamControlContext {
  readonly subscriptions: SubscriptionManager
  readonly signingKey: WebhookSigningKey
  /** Absolute URL of the stream root, ending in `/`; default from the request's Host header. */
  readonly publicStreamUrl?: string
  /** The generic stream authorisation; throws a SessionError to refuse. */
  readonly authorize?: (request: IncomingMessage) => void
}

const MAX_CONTROL_BODY_BYTES = 64 * 1024

/** Handles a request for `__ds/<rest>` (`path` is the whole stream-root-relative path). */
export async function handleStreamControl(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  context: StreamControlContext,
): Promise<void> {
  const rest = path.slice(STREAM_CONTROL_PREFIX.length)
  const rootUrl = context.publicStreamUrl ?? `http://${header(request, 'host') ?? 'localhost'}${STREAM_ROUTE_PREFIX}`
  if (rest === STREAM_CONTROL_ROUTES.JWKS) {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw notAllowed(request)
    sendJson(
      response,
      200,
      { keys: [context.signingKey.jwk] },
      {
        'content-type': 'application/jwk-set+json',
        'cache-control': 'public, max-age=300',
      },
    )
    return
  }
  if (!rest.startsWith(STREAM_CONTROL_ROUTES.SUBSCRIPTIONS)) throw unknownRoute(path)
  const [id = '', action, ...tail] = rest.slice(STREAM_CONTROL_ROUTES.SUBSCRIPTIONS.length).split('/')
  if (id === '') throw unknownRoute(path)
  const { subscriptions } = context
  const signing = {
    kid: context.signingKey.kid,
    jwksUrl: `${rootUrl}${STREAM_CONTROL_PREFIX}${STREAM_CONTROL_ROUTES.JWKS}`,
  }
  const tokenActions: readonly string[] = [
    SUBSCRIPTION_ACTIONS.CALLBACK,
    SUBSCRIPTION_ACTIONS.ACK,
    SUBSCRIPTION_ACTIONS.RELEASE,
  ]
  if (action === undefined || !tokenActions.includes(action)) context.authorize?.(request)

  if (action === undefined) {
    switch (request.method) {
      case 'PUT': {
        const config = parseSubscriptionConfig(await readJsonBody(request, MAX_CONTROL_BODY_BYTES))
        const { created, record } = await subscriptions.put(id, config, rootUrl)
        sendJson(response, created ? 201 : 200, subscriptionJson(record, signing))
        return
      }
      case 'GET':
        sendJson(response, 200, subscriptionJson(await subscriptions.get(id), signing))
        return
      case 'DELETE':
        await subscriptions.remove(id)
        sendEmpty(response, 204, {})
        return
      default:
        throw notAllowed(request)
    }
  }
  if (request.method !== (action === SUBSCRIPTION_ACTIONS.STREAMS && tail.length > 0 ? 'DELETE' : 'POST'))
    throw notAllowed(request)
  const body = request.method === 'POST' ? await readJsonBody(request, MAX_CONTROL_BODY_BYTES) : {}
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  switch (action) {
    case SUBSCRIPTION_ACTIONS.STREAMS:
      if (tail.length > 0) await subscriptions.removeStream(id, tail.join('/'))
      else await subscriptions.addStreams(id, readStreamList(fields.streams, 'streams'))
      sendEmpty(response, 204, {})
      return
    case SUBSCRIPTION_ACTIONS.CALLBACK:
    case SUBSCRIPTION_ACTIONS.ACK: {
      const nextWake = await subscriptions.ack(id, readAck(request, fields))
      sendJson(response, 200, { ok: true, next_wake: nextWake })
      return
    }
    case SUBSCRIPTION_ACTIONS.RELEASE: {
      const { wakeId, generation, token } = readAck(request, fields)
      await subscriptions.release(id, { wakeId, generation, token })
      sendEmpty(response, 204, {})
      return
    }
    case SUBSCRIPTION_ACTIONS.CLAIM: {
      const worker = fields.worker
      if (typeof worker !== 'string' || worker === '')
        throw new SessionError('BAD_REQUEST', 'a claim names its worker', { details: { field: 'worker' } })
      const claim = await subscriptions.claim(id, worker)
      if (claim === undefined) {
        sendEmpty(response, 204, {})
        return
      }
      sendJson(response, 200, {
        wake_id: claim.wake.id,
        generation: claim.wake.generation,
        token: claim.token,
        streams: wakeStreamsJson(claim.record, claim.wake.streams),
        lease_ttl_ms: claim.record.config.leaseTtlMs,
      })
      return
    }
    default:
      throw unknownRoute(path)
  }
}

function readAck(request: IncomingMessage, fields: Record<string, unknown>): WakeAck {
  const authorization = header(request, 'authorization') ?? ''
  const token = /^Bearer (.+)$/i.exec(authorization)?.[1]
  if (token === undefined) throw new SessionError('UNAUTHORIZED', 'a wake request carries its token as a Bearer token')
  const { wake_id: wakeId, generation, acks = [], done = false } = fields
  if (typeof wakeId !== 'string' || typeof generation !== 'number' || !Array.isArray(acks) || typeof done !== 'boolean')
    throw new SessionError('BAD_REQUEST', 'a wake request needs wake_id, generation and optional acks and done')
  return {
    wakeId,
    generation,
    token,
    done,
    acks: acks.map((ack: unknown) => {
      const { stream, offset } = (ack ?? {}) as Record<string, unknown>
      if (typeof stream !== 'string' || typeof offset !== 'string')
        throw new SessionError('BAD_REQUEST', 'each ack names a stream and an offset', { details: { field: 'acks' } })
      const parsed = parseOffset(offset)
      if (parsed.kind !== 'position') throw new SessionError('BAD_REQUEST', 'an ack offset is a position')
      return { stream, offset: parsed.position }
    }),
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    ...baseStreamHeaders(),
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  })
  response.end(JSON.stringify(body))
}

function notAllowed(request: IncomingMessage): SessionError {
  return new SessionError('METHOD_NOT_ALLOWED', `${request.method ?? '?'} is not allowed here`)
}

function unknownRoute(path: string): SessionError {
  return new SessionError('ROUTE_NOT_FOUND', `no control route ${path}`, { details: { path } })
}
