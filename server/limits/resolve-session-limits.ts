/**
 * The server's abuse limits (PROTOCOL.md §10), resolved once at start-up: the defaults of
 * shared/limits/session-limits.ts with the server's overrides, checked so a value that could never work fails early.
 * Every violation closes the connection with a coded SessionError and is reported as a `limit-exceeded` security
 * event; the offending frame is neither stored nor applied.
 */
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from '../../shared/limits/session-limits.ts'

/**
 * Fills in defaults and checks every limit is a positive number and `byteBurst` admits one frame of
 * `maxFrameBytes`; a bad value fails start-up with a TypeError.
 */
export function resolveSessionLimits(overrides: Partial<SessionLimits>, maxFrameBytes: number): SessionLimits {
  const limits = { ...DEFAULT_SESSION_LIMITS, ...overrides }
  for (const [name, value] of Object.entries(limits)) {
    if (!(typeof value === 'number' && value > 0))
      throw new TypeError(`limit ${name} must be a positive number, got ${String(value)}`)
  }
  if (limits.byteBurst < maxFrameBytes)
    throw new TypeError(`limit byteBurst (${limits.byteBurst}) must be at least maxFrameBytes (${maxFrameBytes})`)
  return limits
}
