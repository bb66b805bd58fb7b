/**
 * The session routes of the HTTP API (PROTOCOL.md §4): create (the token's principal becomes the owner), list, read
 * a transcript as JSON, rename and delete. A session may be created with its own retention periods (PROTOCOL.md §13),
 * stored in `meta.retention` as a server change. Renaming and deleting follow the ownership policy
 * (authorize-session-action.ts). A rename writes `meta.title` as a durable server change whose audit row names the
 * principal who asked, then the listed title. The session eraser ends a deleted session on every node and erases
 * its stored data. Every deletion and every refused attempt is reported as a security event: once the session's
 * audit rows are erased, that is the record of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Hocuspocus } from '@hocuspocus/server'
import type { TokenClaims } from '../../shared/auth/token-claims.ts'
import { MAX_JSON_BODY_BYTES, ROUTES } from '../../shared/protocol/routes.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import {
  parseRetentionPeriods,
  RETENTION_META_KEY,
  type RetentionPeriods,
  storedRetentionPeriods,
} from '../../shared/session/retention-periods.ts'
import { createSessionId, parseSessionId } from '../../shared/session/session-id.ts'
import { getSessionRoots, readTranscript } from '../../shared/session/session-doc.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import { authorizeSessionAction, describeAttempt, type SessionActionAttempt } from '../auth/authorize-session-action.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import { ANONYMOUS_PRINCIPAL } from '../auth/connection-principal.ts'
import type { DurableLog } from '../extensions/durable-log.ts'
import { sessionDeleted } from '../extensions/session-deleted.ts'
import { sessionNotFound } from '../persistence/session-not-found.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { readSessionDoc } from '../read-session-doc.ts'
import { readJsonBody } from './read-json-body.ts'
import { sendJson } from './send-json.ts'

/** Longest accepted session title, in characters. */
const MAX_TITLE_CHARS = 200

/** Dependencies of the session routes. */
export interface SessionsApiOptions {
  readonly log: UpdateLog
  readonly hocuspocus: Hocuspocus
  /** Writes a server change durably (the durable log's), for a rename's `meta.title`. */
  readonly applyServerChange: DurableLog['applyServerChange']
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
    const { id, title, retention } = parseCreateBody(body)
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
    try {
      const document = direct.document
      if (retention !== undefined && document !== null) {
        await options.applyServerChange(
          document,
          record.id,
          (scratch) => {
            getSessionRoots(scratch).meta.set(RETENTION_META_KEY, retention)
          },
          { principal: claims?.sub ?? ANONYMOUS_PRINCIPAL, role: claims?.role ?? null },
        )
      }
    } finally {
      await direct.disconnect()
    }
    sendJson(response, 201, retention === undefined ? record : { ...record, retention })
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

  const rename = async (
    request: IncomingMessage,
    attempt: SessionActionAttempt,
  ): Promise<{ id: string; title: string; owner: string | null }> => {
    const title = parseRenameBody(await readJsonBody(request, MAX_JSON_BODY_BYTES))
    const decision = await authorizeSessionAction(attempt, () => log.getSession(attempt.sessionId))
    if (decision.outcome === 'refused') {
      options.onSecurityEvent({
        ...describeAttempt(attempt),
        kind: 'destructive-action-refused',
        outcome: 'refused',
        error: decision.error,
      })
      throw decision.error
    }
    const { sessionId, claims } = attempt
    const direct = await hocuspocus.openDirectConnection(sessionId)
    try {
      const document = direct.document
      if (document === null) throw sessionNotFound(sessionId)
      await options.applyServerChange(
        document,
        sessionId,
        (scratch) => {
          getSessionRoots(scratch).meta.set('title', title)
        },
        { principal: claims?.sub ?? ANONYMOUS_PRINCIPAL, role: claims?.role ?? null },
      )
    } finally {
      await direct.disconnect()
    }
    if (!(await log.setSessionTitle(sessionId, title))) throw sessionNotFound(sessionId)
    const record = await log.getSession(sessionId)
    return { id: sessionId, title, owner: record?.owner ?? null }
  }

  const transcript = (sessionId: string): Promise<TranscriptView & { retention?: RetentionPeriods }> =>
    readSessionDoc(hocuspocus, log, sessionId, (doc) => {
      const retention = storedRetentionPeriods(getSessionRoots(doc).meta.get(RETENTION_META_KEY))
      return { ...readTranscript(sessionId, doc), ...(retention === undefined ? {} : { retention }) }
    })

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
    if (request.method !== 'GET' && request.method !== 'DELETE' && request.method !== 'PATCH')
      throw methodNotAllowed(request.method, ['GET', 'PATCH', 'DELETE'])
    if (request.method === 'PATCH') {
      sendJson(response, 200, await rename(request, { action: 'rename', sessionId, claims }))
      return true
    }
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

function parseCreateBody(body: unknown): { id?: string; title?: string; retention?: RetentionPeriods } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SessionError('BAD_REQUEST', 'body must be a JSON object')
  }
  const { id, title, retention } = body as Record<string, unknown>
  if (title !== undefined && (typeof title !== 'string' || title.length > MAX_TITLE_CHARS)) {
    throw new SessionError('BAD_REQUEST', `title must be a string of at most ${MAX_TITLE_CHARS} characters`, {
      details: { field: 'title' },
    })
  }
  return {
    ...(id === undefined ? {} : { id: parseSessionId(id) }),
    ...(title === undefined ? {} : { title }),
    ...(retention === undefined ? {} : { retention: parseRetentionPeriods(retention, 'retention') }),
  }
}

/** The new title of a rename body `{ title }`: trimmed, 1 to MAX_TITLE_CHARS characters, no control characters. */
function parseRenameBody(body: unknown): string {
  const title =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>).title
      : undefined
  const trimmed = typeof title === 'string' ? title.trim() : ''
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a title may not hold
  if (trimmed === '' || trimmed.length > MAX_TITLE_CHARS || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new SessionError(
      'BAD_REQUEST',
      `title must be a string of 1 to ${MAX_TITLE_CHARS} characters without control characters`,
      { details: { field: 'title' } },
    )
  }
  return trimmed
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
