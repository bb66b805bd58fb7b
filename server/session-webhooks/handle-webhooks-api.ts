/**
 * The session webhooks admin API (PROTOCOL.md §9.13) under `/v1/webhooks`: list, add, read and delete endpoints, list
 * an endpoint's dead letters and replay them. With auth on every request needs a token with `admin: true` (401
 * without a valid token, 403 `FORBIDDEN` for any other); an open server serves it to anyone, as it lets anyone delete
 * sessions. Secrets are answered once, by the `POST` that adds an endpoint. Every refusal is a security event
 * (docs/security.md § Session webhooks): a missing or invalid token `authentication-failed` (or `token-expired`), a
 * token without `admin: true` and a URL the webhook URL check refuses `destructive-action-refused`, all with session
 * `*`; malformed requests (BAD_REQUEST, unknown routes and methods) are answered and not reported.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ANY_SESSION, type TokenClaims } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { MAX_JSON_BODY_BYTES } from '../../shared/protocol/routes.ts'
import { DEAD_LETTERS_SEGMENT, REPLAY_SEGMENT, WEBHOOKS_ROUTE } from '../../shared/protocol/session-webhooks.ts'
import type { AuthSecret } from '../auth/auth-secret.ts'
import { bearerTokenOf } from '../auth/authorize-http-request.ts'
import type { SecurityEventListener, WebhookAdminAction } from '../auth/security-event.ts'
import { verifyToken } from '../auth/verify-token.ts'
import { readJsonBody } from '../http/read-json-body.ts'
import { sendJson } from '../http/send-json.ts'
import type { SessionWebhooks } from './create-session-webhooks.ts'
import { deadLetterJson, endpointJson } from './webhook-records.ts'

/** What the routes need. */
export interface WebhooksApiContext {
  readonly webhooks: SessionWebhooks
  /** The server's auth; absent on an open server. */
  readonly auth?: { readonly secret: AuthSecret; readonly now?: () => number }
  /** Receives the API's refusals (the server's safe listener: it counts, logs and passes them on). */
  readonly onSecurityEvent: SecurityEventListener
}

/**
 * Answers a request under `/v1/webhooks`; resolves false for other paths.
 * @throws SessionError UNAUTHORIZED, TOKEN_EXPIRED, FORBIDDEN, WEBHOOK_NOT_FOUND, BAD_REQUEST, WEBHOOK_URL_REJECTED,
 * METHOD_NOT_ALLOWED, ROUTE_NOT_FOUND
 */
export async function handleWebhooksApi(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  context: WebhooksApiContext,
): Promise<boolean> {
  const path = url.pathname
  if (path !== WEBHOOKS_ROUTE && !path.startsWith(`${WEBHOOKS_ROUTE}/`)) return false
  const segments = path.slice(WEBHOOKS_ROUTE.length + 1).split('/')
  const method = request.method ?? 'GET'
  const action = adminActionOf(method, path === WEBHOOKS_ROUTE ? [] : segments)
  const claims = authorizeAdmin(request, context, action)
  try {
    return await route(request, response, path, segments, context.webhooks)
  } catch (error) {
    if (error instanceof SessionError && error.code === 'WEBHOOK_URL_REJECTED')
      context.onSecurityEvent({ ...refusal(action, claims), kind: 'destructive-action-refused', error })
    throw error
  }
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  segments: readonly string[],
  webhooks: SessionWebhooks,
): Promise<boolean> {
  const method = request.method ?? 'GET'
  if (path === WEBHOOKS_ROUTE) {
    if (method === 'GET') sendJson(response, 200, { webhooks: webhooks.list().map(endpointJson) })
    else if (method === 'POST') {
      const body = await readJsonBody(request, MAX_JSON_BODY_BYTES)
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new SessionError('BAD_REQUEST', 'the body is a JSON object { url, secret?, kinds?, id? }')
      const record = await webhooks.add(body as Record<string, unknown>)
      sendJson(response, 201, { ...endpointJson(record), secret: record.secret })
    } else throw notAllowed(method, ['GET', 'POST'])
    return true
  }
  const [encoded = '', action, replay, ...rest] = segments
  const id = decodeSegment(encoded)
  if (action === undefined) {
    if (method === 'GET') sendJson(response, 200, endpointJson(webhooks.get(id)))
    else if (method === 'DELETE') {
      await webhooks.remove(id)
      response.writeHead(204).end()
    } else throw notAllowed(method, ['GET', 'DELETE'])
    return true
  }
  if (action === DEAD_LETTERS_SEGMENT && replay === undefined) {
    if (method !== 'GET') throw notAllowed(method, ['GET'])
    const letters = await webhooks.deadLetters(id)
    sendJson(response, 200, { deadLetters: letters.map(({ sessionId, letter }) => deadLetterJson(sessionId, letter)) })
    return true
  }
  if (action === DEAD_LETTERS_SEGMENT && replay === REPLAY_SEGMENT && rest.length === 0) {
    if (method !== 'POST') throw notAllowed(method, ['POST'])
    const ids = parseReplayIds(await readJsonBody(request, MAX_JSON_BODY_BYTES))
    sendJson(response, 200, { replayed: await webhooks.replay(id, ids) })
    return true
  }
  throw new SessionError('ROUTE_NOT_FOUND', `no route for ${method} ${path}`)
}

/**
 * The claims of an admin token (undefined on an open server); reports and throws every refusal.
 * @throws SessionError UNAUTHORIZED, TOKEN_EXPIRED, FORBIDDEN
 */
function authorizeAdmin(
  request: IncomingMessage,
  context: WebhooksApiContext,
  action: WebhookAdminAction | undefined,
): TokenClaims | undefined {
  const { auth, onSecurityEvent } = context
  if (auth === undefined) return undefined
  let claims: TokenClaims
  try {
    claims = verifyToken(bearerTokenOf(request), { secret: auth.secret, nowMs: (auth.now ?? Date.now)() })
  } catch (error) {
    if (error instanceof SessionError)
      onSecurityEvent({
        kind: error.code === 'TOKEN_EXPIRED' ? 'token-expired' : 'authentication-failed',
        sessionId: ANY_SESSION,
        error,
      })
    throw error
  }
  if (claims.admin !== true) {
    const error = new SessionError('FORBIDDEN', 'the webhooks API needs a token with admin: true')
    onSecurityEvent({ ...refusal(action, claims), kind: 'destructive-action-refused', error })
    throw error
  }
  return claims
}

/** The fields of a refused attempt: who tried which action. */
function refusal(action: WebhookAdminAction | undefined, claims: TokenClaims | undefined) {
  return {
    sessionId: ANY_SESSION,
    outcome: 'refused' as const,
    ...(action === undefined ? {} : { action }),
    ...(claims === undefined ? {} : { principalId: claims.sub, role: claims.role }),
    ...(claims?.admin === true ? { admin: true } : {}),
  }
}

/** The action a request asks for; undefined for a route or method the API does not have. */
function adminActionOf(method: string, segments: readonly string[]): WebhookAdminAction | undefined {
  const [id, action, replay, ...rest] = segments
  if (id === undefined) return method === 'GET' ? 'webhook-list' : method === 'POST' ? 'webhook-add' : undefined
  if (action === undefined)
    return method === 'GET' ? 'webhook-read' : method === 'DELETE' ? 'webhook-delete' : undefined
  if (action !== DEAD_LETTERS_SEGMENT || rest.length > 0) return undefined
  if (replay === undefined) return method === 'GET' ? 'dead-letters-read' : undefined
  return replay === REPLAY_SEGMENT && method === 'POST' ? 'dead-letters-replay' : undefined
}

/** The `ids` of a replay body; undefined (all) when absent. */
function parseReplayIds(body: unknown): readonly string[] | undefined {
  const ids = typeof body === 'object' && body !== null ? (body as { ids?: unknown }).ids : undefined
  if (ids === undefined) return undefined
  if (!Array.isArray(ids) || !ids.every((entry) => typeof entry === 'string'))
    throw new SessionError('BAD_REQUEST', 'ids must be a list of dead-letter ids', { details: { field: 'ids' } })
  return ids
}

function notAllowed(method: string, allowed: readonly string[]): SessionError {
  return new SessionError('METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allowed.join(' or ')}`, {
    details: { allowed },
  })
}

function decodeSegment(encoded: string): string {
  try {
    return decodeURIComponent(encoded)
  } catch (cause) {
    throw new SessionError('WEBHOOK_NOT_FOUND', 'the webhook id is not valid percent-encoding', { cause })
  }
}
