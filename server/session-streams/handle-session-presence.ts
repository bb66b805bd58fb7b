/**
 * The presence route of a session over HTTP (PROTOCOL.md §9.9): GET lists the devices present (Yjs devices and HTTP
 * devices alike); POST announces or ends the presence of the caller's device with a lease. The principal and role
 * come from the token; on an open server the body names them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isPrincipalRole } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { SessionEventMember } from '../../shared/protocol/session-events.ts'
import { MAX_JSON_BODY_BYTES } from '../../shared/protocol/routes.ts'
import { parseSessionId } from '../../shared/session/session-id.ts'
import { readJsonBody } from '../http/read-json-body.ts'
import { sendJson } from '../http/send-json.ts'
import { sessionNotFound } from '../persistence/session-not-found.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import type { StreamPrincipal } from './handle-session-stream.ts'
import type { HttpPresence } from './http-presence.ts'

/** Longest device name, in characters. */
const MAX_DEVICE_CHARS = 128

/** What the presence route needs. */
export interface SessionPresenceContext {
  readonly log: UpdateLog
  readonly httpPresence: HttpPresence
  /** Every device present in a session: awareness members and HTTP leases. */
  readonly members: (sessionId: string) => SessionEventMember[]
}

/**
 * Handles GET and POST of `/v1/sessions/:id/presence`.
 * @throws SessionError INVALID_SESSION_ID, SESSION_NOT_FOUND, METHOD_NOT_ALLOWED, BAD_REQUEST, RATE_LIMITED
 */
export async function handleSessionPresence(
  request: IncomingMessage,
  response: ServerResponse,
  rawSessionId: string,
  principal: StreamPrincipal | undefined,
  context: SessionPresenceContext,
): Promise<void> {
  const sessionId = parseSessionId(rawSessionId)
  if (request.method !== 'GET' && request.method !== 'POST')
    throw new SessionError('METHOD_NOT_ALLOWED', `${request.method ?? '?'} is not allowed here; use GET or POST`, {
      details: { allowed: ['GET', 'POST'] },
    })
  if ((await context.log.getSession(sessionId)) === undefined) throw sessionNotFound(sessionId)
  if (request.method === 'POST') {
    const { member, present } = parseAnnouncement(await readJsonBody(request, MAX_JSON_BODY_BYTES), principal)
    context.httpPresence.announce(sessionId, member, present)
    sendJson(response, 200, { members: context.members(sessionId), leaseMs: context.httpPresence.leaseMs })
    return
  }
  sendJson(response, 200, { members: context.members(sessionId) })
}

function parseAnnouncement(
  body: unknown,
  principal: StreamPrincipal | undefined,
): { member: SessionEventMember; present: boolean } {
  const fail = (field: string, why: string): SessionError =>
    new SessionError('BAD_REQUEST', `${field} ${why}`, { details: { field } })
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SessionError('BAD_REQUEST', 'body must be a JSON object')
  const { device, present, principalId, role } = body as Record<string, unknown>
  if (device !== undefined && (typeof device !== 'string' || device.length === 0 || device.length > MAX_DEVICE_CHARS))
    throw fail('device', `must be a string of 1 to ${MAX_DEVICE_CHARS} characters`)
  if (present !== undefined && typeof present !== 'boolean') throw fail('present', 'must be a boolean')
  let id = principal?.id
  let memberRole = principal?.role
  if (principal === undefined) {
    // An open server has no principal: the body names it, as an open Yjs client's awareness does.
    if (typeof principalId !== 'string' || principalId.length === 0 || principalId.length > MAX_DEVICE_CHARS)
      throw fail('principalId', `must be a string of 1 to ${MAX_DEVICE_CHARS} characters on an open server`)
    if (role !== undefined && !isPrincipalRole(role)) throw fail('role', 'must be user, agent or observer')
    id = principalId
    memberRole = role
  }
  return {
    member: {
      principalId: id as string,
      ...(memberRole === undefined ? {} : { role: memberRole }),
      ...(device === undefined ? {} : { device: device as string }),
    },
    present: present ?? true,
  }
}
