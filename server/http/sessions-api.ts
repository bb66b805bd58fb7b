/**
 * The session routes of the HTTP API (PROTOCOL.md §4): create (the token's principal becomes the owner), list, read
 * a transcript as JSON, and delete. Deleting follows the ownership policy (authorize-session-action.ts); the session
 * eraser then ends the session on every node and erases its stored data. Every deletion and every refused attempt
 * is reported as a security event: once the session's audit rows are erased, that is the record of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Hocuspocus } from '@hocuspocus/server'
import type { TokenClaims } from '../../shared/auth/token-claims.ts'
import { MAX_JSON_BODY_BYTES, ROUTES } from '../../shared/protocol/routes.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { createSessionId, parseSessionId } from '../../shared/session/session-id.ts'
import { readTranscript } from '../../shared/session/session-doc.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import { authorizeSessionAction, describeAttempt, type SessionActionAttempt } from '../auth/authorize-session-action.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import { sessionDeleted } from '../extensions/session-deleted.ts'
import { applyStoredSession } from '../persistence/load-session-doc.ts'
import { sessionNotFound } from '../persistence/session-not-found.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { readJsonBody } from './read-json-body.ts'
import { sendJson } from './send-json.ts'

/** Longest accepted session title, in characters. */
const MAX_TITLE_CHARS = 200

/** Dependencies of the session routes. */
export interface SessionsApiOptions {
  readonly log: UpdateLog
  readonly hocuspocus: Hocuspocus
  /** Erases a session (right to erasure) on every node and in storage (session-eraser.ts). */
  readonly eraseSession: (sessionId: string) => Promise<void>
  /** Receives a `session-deleted` or `destructive-action-refused` event for every deletion attempt that gets a decision. */
  readonly onSecurityEvent: SecurityEventListener
}

/**
 * Handles a request if it is a session route; resolves false when the path is not one. `claims` are the request's
 * verified token (authorizeHttpRequest); undefined only on a server without auth.
 */
export type RouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  claims: TokenClaims | undefined,
) => Promise<boolean>

/** Creates the handler for `/v1/sessions` and `/v1/sessions/:id`. */
export function createSessionsApi(options: SessionsApiOptions): RouteHandler {
  const { log, hocuspocus } = options

  const create = async (
    request: IncomingMessage,
    response: ServerResponse,
    claims: TokenClaims | undefined,
  ): Promise<void> => {
    const body = await readJsonBody(request, MAX_JSON_BODY_BYTES)
    const { id, title } = parseCreateBody(body)
    const record = {
      id: id ?? createSessionId(),
      title: title ?? '',
      createdAt: Date.now(),
      owner: claims?.sub ?? null,
    }
    if (!(await log.createSession(record))) {
      throw new SessionError('SESSION_EXISTS', `session ${record.id} already exists`, {
        details: { sessionId: record.id },
      })
    }
    // Opening the document runs onLoadDocument, which writes the session's meta durably from the record.
    const direct = await hocuspocus.openDirectConnection(record.id)
    await direct.disconnect()
    sendJson(response, 201, record)
  }

  const erase = async (attempt: SessionActionAttempt): Promise<void> => {
    const decision = await authorizeSessionAction(attempt, () => log.getSession(attempt.sessionId))
    const described = describeAttempt(attempt)
    if (decision.outcome === 'refused') {
      options.onSecurityEvent({
        ...described,
        kind: 'destructive-action-refused',
        outcome: 'refused',
        error: decision.error,
      })
      throw decision.error
    }
    await options.eraseSession(attempt.sessionId)
    options.onSecurityEvent({
      ...described,
      kind: 'session-deleted',
      outcome: 'allowed',
      error: sessionDeleted(attempt.sessionId),
    })
  }

  const transcript = async (sessionId: string): Promise<TranscriptView> => {
    const live = hocuspocus.documents.get(sessionId)
    if (live !== undefined) return readTranscript(sessionId, live)
    const { doc } = applyStoredSession(sessionId, await log.load(sessionId))
    const view = readTranscript(sessionId, doc)
    doc.destroy()
    return view
  }

  return async (request, response, url, claims) => {
    const path = url.pathname
    if (path === ROUTES.SESSIONS) {
      if (request.method === 'POST') await create(request, response, claims)
      else if (request.method === 'GET')
        sendJson(response, 200, { sessions: await log.listSessions({ limit: parseLimit(url) }) })
      else throw methodNotAllowed(request.method, ['GET', 'POST'])
      return true
    }
    if (!path.startsWith(`${ROUTES.SESSIONS}/`)) return false
    const sessionId = parseSessionId(decodeURIComponent(path.slice(ROUTES.SESSIONS.length + 1)))
    if (request.method !== 'GET' && request.method !== 'DELETE')
      throw methodNotAllowed(request.method, ['GET', 'DELETE'])
    if (request.method === 'DELETE') {
      await erase({ action: 'delete', sessionId, claims })
      response.writeHead(204).end()
      return true
    }
    const record = await log.getSession(sessionId)
    if (record === undefined) throw sessionNotFound(sessionId)
    sendJson(response, 200, { ...(await transcript(sessionId)), updatedAt: record.updatedAt, owner: record.owner })
    return true
  }
}

function parseCreateBody(body: unknown): { id?: string; title?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SessionError('BAD_REQUEST', 'body must be a JSON object')
  }
  const { id, title } = body as Record<string, unknown>
  if (title !== undefined && (typeof title !== 'string' || title.length > MAX_TITLE_CHARS)) {
    throw new SessionError('BAD_REQUEST', `title must be a string of at most ${MAX_TITLE_CHARS} characters`, {
      details: { field: 'title' },
    })
  }
  return {
    ...(id === undefined ? {} : { id: parseSessionId(id) }),
    ...(title === undefined ? {} : { title }),
  }
}

function parseLimit(url: URL): number {
  const raw = url.searchParams.get('limit')
  if (raw === null) return 100
  const limit = Number(raw)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new SessionError('BAD_REQUEST', 'limit must be an integer from 1 to 1000', { details: { field: 'limit' } })
  }
  return limit
}

function methodNotAllowed(method: string | undefined, allowed: string[]): SessionError {
  return new SessionError('METHOD_NOT_ALLOWED', `${method ?? '?'} is not allowed here; use ${allowed.join(' or ')}`, {
    details: { allowed },
  })
}
