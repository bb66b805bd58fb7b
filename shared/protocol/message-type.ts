/**
 * Frame tags of the wire protocol used by Lifeline (PROTOCOL.md §2.2): the Hocuspocus 4 message types it reads or
 * writes itself, and the y-protocols sync sub-types. Written here once; never renumber (they are Hocuspocus').
 */

/** Hocuspocus frame types (after the document name). */
export const MESSAGE_TYPE = {
  SYNC: 0,
  AWARENESS: 1,
  AUTH: 2,
  QUERY_AWARENESS: 3,
  /** Like SYNC, but a step 1 in it does not ask for the receiver's step 1 back. */
  SYNC_REPLY: 4,
  STATELESS: 5,
  CLOSE: 7,
  SYNC_STATUS: 8,
} as const

/** y-protocols sync sub-types inside a SYNC or SYNC_REPLY frame. */
export const SYNC_MESSAGE_TYPE = {
  STEP1: 0,
  STEP2: 1,
  UPDATE: 2,
} as const

/** Sub-types of an AUTH frame: clients send TOKEN; the server answers PERMISSION_DENIED or AUTHENTICATED. */
export const AUTH_MESSAGE_TYPE = {
  TOKEN: 0,
  PERMISSION_DENIED: 1,
  AUTHENTICATED: 2,
} as const
