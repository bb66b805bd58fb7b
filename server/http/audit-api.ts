/**
 * The audit trail route (PROTOCOL.md §3.9, §4): `GET /v1/sessions/:id/audit?after=<seq>&limit=<n>` lists who wrote
 * each stored update of a session, oldest first, one page at a time. Who may call it is decided by
 * authorizeHttpRequest (agent and observer tokens for the session when auth is on). Every page also lists the
 * session's quarantined entries (PROTOCOL.md §1.3) with the seqs that wrote them, and flags the rows of those seqs.
 * Finding them reads the whole stored session, so the answer is kept for the sessions read last and reused while the
 * log has no row past the one it was found at: paging through a long log reads the session once, not once per page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import { matchSessionAuditPath } from '../../shared/protocol/routes.ts'
import { findQuarantined, type QuarantinedEntry } from '../../shared/session/find-quarantined.ts'
import { parseSessionId } from '../../shared/session/session-id.ts'
import { DEFAULT_AUDIT_PAGE } from '../persistence/audit-page-size.ts'
import { applyStoredSession } from '../persistence/load-session-doc.ts'
import { locateQuarantined, type LocatedQuarantine } from '../persistence/locate-quarantined.ts'
import { sessionNotFound } from '../persistence/session-not-found.ts'
import { MAX_AUDIT_PAGE, type AuditEntry, type UpdateLog } from '../persistence/update-log.ts'
import type { RouteHandler } from './sessions-api.ts'
import { sendJson } from './send-json.ts'

/** An audit row as sent: with the quarantined entries its update wrote, when it wrote any. */
export interface AuditPageEntry extends AuditEntry {
  readonly quarantined?: readonly QuarantinedEntry[]
}

/** One page of the audit trail as sent. `next` is the `after` of the following page, or null on the last. */
export interface AuditPage {
  readonly entries: readonly AuditPageEntry[]
  readonly next: number | null
  /** Every entry of the session that does not fit the schema now, with the seqs that wrote it (on every page). */
  readonly quarantined: readonly LocatedQuarantine[]
}

/** How many sessions' quarantine answers are kept: a few auditors paging at once. */
const QUARANTINE_CACHE_SESSIONS = 16

/** The quarantine of one session as found, and where its log ended then. */
interface FoundQuarantine {
  /** `createdAt` of the session record it was found in: a session deleted and created again is another one. */
  readonly createdAt: number
  readonly lastSeq: number
  readonly quarantined: LocatedQuarantine[]
}

/** Creates the handler for `/v1/sessions/:id/audit`; resolves false for other paths. */
export function createAuditApi(options: { readonly log: UpdateLog }): RouteHandler {
  const { log } = options
  const found = new Map<string, FoundQuarantine>()

  /** The quarantine of `sessionId` (created at `createdAt`): kept while no row was appended since it was found. */
  const quarantineOf = async (sessionId: string, createdAt: number): Promise<LocatedQuarantine[]> => {
    const kept = found.get(sessionId)
    found.delete(sessionId) // re-inserted below: the map's order is the order of use
    if (
      kept !== undefined &&
      kept.createdAt === createdAt &&
      (await log.readAudit(sessionId, { afterSeq: kept.lastSeq, limit: 1 })).length === 0
    ) {
      found.set(sessionId, kept)
      return kept.quarantined
    }
    const fresh = { createdAt, ...(await readQuarantine(log, sessionId)) }
    found.set(sessionId, fresh)
    for (const oldest of found.keys()) {
      if (found.size <= QUARANTINE_CACHE_SESSIONS) break
      found.delete(oldest)
    }
    return fresh.quarantined
  }

  return async (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const encoded = matchSessionAuditPath(url.pathname)
    if (encoded === undefined) return false
    if (request.method !== 'GET') {
      throw new SessionError('METHOD_NOT_ALLOWED', `${request.method ?? '?'} is not allowed here; use GET`, {
        details: { allowed: ['GET'] },
      })
    }
    const sessionId = parseSessionId(safeDecode(encoded))
    const afterSeq = parseQueryInteger(url, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 })
    const limit = parseQueryInteger(url, 'limit', { min: 1, max: MAX_AUDIT_PAGE, fallback: DEFAULT_AUDIT_PAGE })
    const record = await log.getSession(sessionId)
    if (record === undefined) throw sessionNotFound(sessionId)
    const entries = await log.readAudit(sessionId, { afterSeq, limit })
    const last = entries.at(-1)
    // A full page is the last one only when nothing follows it.
    const more =
      last !== undefined &&
      entries.length === limit &&
      (await log.readAudit(sessionId, { afterSeq: last.seq, limit: 1 })).length > 0
    const quarantined = await quarantineOf(sessionId, record.createdAt)
    const page: AuditPage = {
      entries: entries.map((entry) => flagQuarantined(entry, quarantined)),
      next: more ? last.seq : null,
      quarantined,
    }
    sendJson(response, 200, page)
    return true
  }
}

/** The quarantined entries of the stored session, located, and the last seq the stored session holds. */
async function readQuarantine(
  log: UpdateLog,
  sessionId: string,
): Promise<{ lastSeq: number; quarantined: LocatedQuarantine[] }> {
  const stored = await log.load(sessionId)
  const { doc } = applyStoredSession(sessionId, stored)
  const found = findQuarantined(doc)
  const quarantined = found.length === 0 ? [] : locateQuarantined(stored, doc, found)
  doc.destroy()
  return { lastSeq: stored.entries.at(-1)?.seq ?? stored.snapshotSeq, quarantined }
}

/** `entry` with the quarantined entries written by exactly its seq. */
function flagQuarantined(entry: AuditEntry, quarantined: readonly LocatedQuarantine[]): AuditPageEntry {
  const written = quarantined
    .filter((located) => located.fromSeq === entry.seq && located.toSeq === entry.seq)
    .map(({ fromSeq: _from, toSeq: _to, ...rest }) => rest)
  return written.length === 0 ? entry : { ...entry, quarantined: written }
}

function parseQueryInteger(url: URL, name: string, range: { min: number; max: number; fallback: number }): number {
  const raw = url.searchParams.get(name)
  if (raw === null) return range.fallback
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new SessionError('BAD_REQUEST', `${name} must be an integer from ${range.min} to ${range.max}`, {
      details: { field: name },
    })
  }
  return value
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text // reason: parseSessionId rejects it with INVALID_SESSION_ID
  }
}
