/**
 * Conversion of a stored audit row (SQLite or PostgreSQL) to an AuditEntry. Numbers may arrive as strings
 * (PostgreSQL BIGINT); the summary is stored as JSON text.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import type { AuditEntry, UpdateSummary, WriteOrigin } from './update-log.ts'

/** An audit row as a database returns it. */
export interface AuditRow {
  readonly seq: number | string
  readonly at: number | string
  readonly principal: string
  readonly role: string | null
  readonly connection: string | null
  readonly bytes: number | string
  readonly summary: string
}

/**
 * Converts `row`.
 * @throws SessionError LOG_CORRUPT when its summary is not a JSON object
 */
export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    principal: row.principal,
    role: row.role as WriteOrigin['role'],
    connection: row.connection,
    bytes: Number(row.bytes),
    summary: parseSummary(row),
  }
}

function parseSummary(row: AuditRow): UpdateSummary {
  let summary: unknown
  try {
    summary = JSON.parse(row.summary)
  } catch {
    summary = undefined
  }
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) {
    throw new SessionError('LOG_CORRUPT', `audit row ${String(row.seq)} has an unreadable summary`, {
      details: { seq: Number(row.seq) },
    })
  }
  return summary as UpdateSummary
}
