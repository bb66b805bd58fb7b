/**
 * The session routes of the HTTP API (PROTOCOL.md §4): create, list, read a transcript as JSON, and delete (the
 * session eraser ends the session on every node and erases its stored data).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Hocuspocus } from '@hocuspocus/server'
import { MAX_JSON_BODY_BYTES, ROUTES } from '../../shared/protocol/routes.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { createSessionId, parseSessionId } from '../../shared/session/session-id.ts'
import { readTranscript } from '../../shared/session/session-doc.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import { applyStoredSession } from '../persistence/load-session-doc.ts'
import { sessionNotFound } from '../persistence/session-not-found.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { readJsonBody } from './read-json-body.ts'
import { sendJson } from './send-json.ts'

/** Longest accepted session title, in characters. */
export const MAX_TITLE_CHARS = 200

/** Dependencies of the session routes. */
export interface SessionsApiOptions {
  readonly log: UpdateLog
  readonly hocuspocus: Hocuspocus
  /** Erases a session (right to erasure) on every node and in storage (session-eraser.ts). */
  readonly eraseSession: (sessionId: string) => Promise<void>
}

/** Handles a request if it is a session route; resolves false when the path is not one. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>

/** Creates the handler for `/v1/sessions` and `/v1/sessions/:id`. */
export function createSessionsApi (options: SessionsApiOptions): RouteHandler {
  const { log, hocuspocus } = options

  const create = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readJsonBody(request, MAX_JSON_BODY_BYTES)
    const { id, title } = parseCreateBody(body)
    const record = { id: id ?? createSessionId(), title: title ?? '', createdAt: Date.now() }
    if (!await log.createSession(record)) {
      throw new SessionError('SESSION_EXISTS', `session ${record.id} already exists`, { details: { sessionId: record.id } })
    }
    // Opening the document runs onLoadDocument, which writes the session's meta durably from the record.
    const direct = await hocuspocus.openDirectConnection(record.id)
    await direct.disconnect()
    sendJson(response, 201, { id: record.id, title: record.title, createdAt: record.createdAt })
  }

  const transcript = async (sessionId: string): Promise<TranscriptView> => {
    const live = hocuspocus.documents.get(sessionId)
    if (live !== undefined) return readTranscript(sessionId, live)
    const { doc } = applyStoredSession(sessionId, await log.load(sessionId))
    const view = readTranscript(sessionId, doc)
    doc.destroy()
    return view
  }

  return async (request, response, url) => {
    const path = url.pathname
    if (path === ROUTES.SESSIONS) {
      if (request.method === 'POST') await create(request, response)
      else if (request.method === 'GET') sendJson(response, 200, { sessions: await log.listSessions({ limit: parseLimit(url) }) })
      else throw methodNotAllowed(request.method, ['GET', 'POST'])
      return true
    }
    if (!path.startsWith(`${ROUTES.SESSIONS}/`)) return false
    const sessionId = parseSessionId(decodeURIComponent(path.slice(ROUTES.SESSIONS.length + 1)))
    if (request.method !== 'GET' && request.method !== 'DELETE') throw methodNotAllowed(request.method, ['GET', 'DELETE'])
    const record = await log.getSession(sessionId)
    if (record === undefined) throw sessionNotFound(sessionId)
    if (request.method === 'DELETE') {
      await options.eraseSession(sessionId)
      response.writeHead(204).end()
      return true
    }
    sendJson(response, 200, { ...await transcript(sessionId), updatedAt: record.updatedAt })
    return true
  }
}

function parseCreateBody (body: unknown): { id?: string, title?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SessionError('BAD_REQUEST', 'body must be a JSON object')
  }
  const { id, title } = body as Record<string, unknown>
  if (title !== undefined && (typeof title !== 'string' || title.length > MAX_TITLE_CHARS)) {
    throw new SessionError('BAD_REQUEST', `title must be a string of at most ${MAX_TITLE_CHARS} characters`, { details: { field: 'title' } })
  }
  return {
    ...(id === undefined ? {} : { id: parseSessionId(id) }),
    ...(title === undefined ? {} : { title }),
  }
}

function parseLimit (url: URL): number {
  const raw = url.searchParams.get('limit')
  if (raw === null) return 100
  const limit = Number(raw)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new SessionError('BAD_REQUEST', 'limit must be an integer from 1 to 1000', { details: { field: 'limit' } })
  }
  return limit
}

function methodNotAllowed (method: string | undefined, allowed: string[]): SessionError {
  return new SessionError('METHOD_NOT_ALLOWED', `${method ?? '?'} is not allowed here; use ${allowed.join(' or ')}`, { details: { allowed } })
}
