/**
 * Why the server rejected an inbound update or awareness state (PROTOCOL.md §8.3–8.5). The connection is closed
 * with UPDATE_REJECTED and `details.reason` holds one of these; nothing of the rejected frame is stored or applied.
 */

/** Every rejection reason, with the rule it enforces. Append only: reasons are part of the wire contract. */
export const UPDATE_REJECTION_REASONS = {
  /** The bytes do not decode, or applying them would fail or leave the document with unresolved parts. */
  MALFORMED: 'the update cannot be decoded or applied cleanly',
  /** An observer sent a change. */
  ROLE_READ_ONLY: 'this role may not change the session',
  /** A struct (or awareness state) uses a Yjs clientID bound to another principal or connection. */
  FOREIGN_CLIENT_ID: 'the clientID belongs to another principal',
  /** Structs do not start exactly at the server's clock for their clientID. */
  CLOCK_GAP: 'the update does not continue its clientID exactly where the session is',
  /** A struct refers to items the server does not have. */
  MISSING_DEPENDENCY: 'the update refers to content the session does not have',
  /** A struct is placed in a part of the session this principal may not write. */
  FORBIDDEN_PARENT: 'this principal may not write there',
  /** The update deletes (or overwrites) content this principal may not delete. */
  FORBIDDEN_DELETE: 'this principal may not delete that',
  /** One connection used more clientIDs than MAX_CLIENT_IDS_PER_CONNECTION. */
  TOO_MANY_CLIENT_IDS: 'too many clientIDs on one connection',
  /** A value does not fit the session schema (e.g. `parts` that is not a list): readers would fail on it. */
  SCHEMA_MISMATCH: 'the value does not fit the session schema',
} as const

export type UpdateRejectionReason = keyof typeof UPDATE_REJECTION_REASONS

/**
 * Distinct Yjs clientIDs one connection may write with: its document's id plus older ids of the same device whose
 * offline edits it forwards. Bounds state-vector bloat (docs/security.md § Tokens and roles).
 */
export const MAX_CLIENT_IDS_PER_CONNECTION = 32

/** Largest awareness state one client may publish, in characters of JSON. */
export const MAX_AWARENESS_STATE_CHARS = 8 * 1024

/** Longest `member.device` label kept in awareness, in characters. */
export const MAX_DEVICE_LABEL_CHARS = 64

/** True when `value` is one of UPDATE_REJECTION_REASONS' keys. */
export function isUpdateRejectionReason(value: unknown): value is UpdateRejectionReason {
  return typeof value === 'string' && Object.hasOwn(UPDATE_REJECTION_REASONS, value)
}
