/**
 * Retention periods (PROTOCOL.md §13): how long a finished session stays before it is archived, and before it is
 * erased. A server has default periods; a session may carry its own, set by its creator at `POST /v1/sessions` and
 * stored under `meta.retention`, a key only the server writes.
 */
import { SessionError } from '../errors/session-error.ts'

/** Key of the session's `meta` map holding its own {@link RetentionPeriods}. */
export const RETENTION_META_KEY = 'retention'

/** Longest retention period accepted, in seconds: ten years. */
export const MAX_RETENTION_SECONDS = 10 * 365 * 24 * 60 * 60

/** Periods counted from the moment a session is finished (no open reply, no write); unset: never. */
export interface RetentionPeriods {
  /** Archive the session once it has been finished this long, in seconds. */
  readonly archiveAfterSeconds?: number
  /** Erase the session (after archiving it when an archive is configured) once finished this long, in seconds. */
  readonly deleteAfterSeconds?: number
}

const FIELDS = ['archiveAfterSeconds', 'deleteAfterSeconds'] as const

/**
 * Reads `value` as {@link RetentionPeriods}: an object with only those fields, each an integer from 1 to
 * MAX_RETENTION_SECONDS; `deleteAfterSeconds` not below `archiveAfterSeconds`.
 * @throws SessionError BAD_REQUEST naming `field` (and the sub-field) otherwise
 */
export function parseRetentionPeriods(value: unknown, field: string): RetentionPeriods {
  const bad = (message: string, at: string = field): SessionError =>
    new SessionError('BAD_REQUEST', `${at} ${message}`, { details: { field: at } })
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('must be a JSON object')
  const record = value as Record<string, unknown>
  const unknownKey = Object.keys(record).find((key) => !(FIELDS as readonly string[]).includes(key))
  if (unknownKey !== undefined) throw bad(`has no field ${unknownKey}; use ${FIELDS.join(' or ')}`)
  const periods: { archiveAfterSeconds?: number; deleteAfterSeconds?: number } = {}
  for (const key of FIELDS) {
    const seconds = record[key]
    if (seconds === undefined) continue
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_RETENTION_SECONDS)
      throw bad(`must be an integer from 1 to ${MAX_RETENTION_SECONDS}`, `${field}.${key}`)
    periods[key] = seconds
  }
  const { archiveAfterSeconds, deleteAfterSeconds } = periods
  if (archiveAfterSeconds !== undefined && deleteAfterSeconds !== undefined && deleteAfterSeconds < archiveAfterSeconds)
    throw bad('must not be below archiveAfterSeconds', `${field}.deleteAfterSeconds`)
  return periods
}

/**
 * The periods stored under `meta.retention`, or undefined when there are none or they do not parse: the server
 * checks what it writes there, so anything else in that key is not a policy and the defaults apply.
 */
export function storedRetentionPeriods(value: unknown): RetentionPeriods | undefined {
  if (value === undefined) return undefined
  try {
    return parseRetentionPeriods(value, RETENTION_META_KEY)
  } catch {
    return undefined // reason: see above; a session never fails to load or expire over this key
  }
}
