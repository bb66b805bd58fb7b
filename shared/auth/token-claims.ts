/**
 * Claims of a Lifeline session token (docs/security.md § Tokens and roles, PROTOCOL.md §8). A token is a JWT in
 * compact form signed with HMAC-SHA256 (`alg: HS256`); it names one principal, its role and the sessions it may open.
 * Signing and verification live on the server (server/auth/); clients only carry tokens (and may read them unverified
 * with decodeTokenClaims).
 */
import { isDisplayName } from '../session/display-name.ts'
import { ON_DEVICE_AGENT_SUFFIX } from './on-device-agent-id.ts'

/** Roles a principal can hold. What each may write is in PROTOCOL.md §8.4. */
export const PRINCIPAL_ROLES = ['agent', 'user', 'observer'] as const
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number]

/** Session scope that admits every session. */
export const ANY_SESSION = '*'

/** The only signature algorithm accepted (`alg` of the JWT header). */
export const TOKEN_ALGORITHM = 'HS256'

/** Longest token accepted, in characters: a few claims fit in well under 1 KiB; this bounds work per attempt. */
export const MAX_TOKEN_CHARS = 4096

/** Longest principal id (`sub`), in characters. */
export const MAX_PRINCIPAL_ID_CHARS = 200

/** What a verified token says. Times are JWT NumericDates: seconds since the epoch. */
export interface TokenClaims {
  /**
   * Principal id: stored as `author` of the principal's messages and `agent` of its runs. It may not end with
   * ON_DEVICE_AGENT_SUFFIX, which names on-device agents.
   */
  readonly sub: string
  readonly role: PrincipalRole
  /** The one session id the token opens, or ANY_SESSION. */
  readonly session: string
  /** Expiry, seconds since the epoch. */
  readonly exp: number
  /** Issued at, seconds since the epoch. */
  readonly iat?: number
  /** Not before, seconds since the epoch. */
  readonly nbf?: number
  /**
   * True: the principal may do destructive and administrative actions (deleting a session) on every session its
   * `session` scope admits, whatever its role and whoever owns the session (docs/security.md § Destructive actions,
   * PROTOCOL.md §8.6).
   */
  readonly admin?: boolean
  /**
   * The principal's display name (optional): a valid display name of at most MAX_DISPLAY_NAME_CHARS characters
   * (shared/session/display-name.ts), else the token is malformed. The SDKs store it in the session's `people` entry
   * of the principal when it has none (PROTOCOL.md §1.3); the person may change it afterwards.
   */
  readonly name?: string
  /**
   * True: the person may also write replies as their on-device agent, `<sub>/on-device` (shared/auth/on-device-agent-id.ts,
   * PROTOCOL.md §8.1, §8.4). Valid only on a `user` token; on any other role the token is malformed. Without it, a
   * user's reply is refused with AGENT_REPLY_FORBIDDEN.
   */
  readonly onDeviceAgent?: boolean
}

/** True when `value` is one of PRINCIPAL_ROLES. */
export function isPrincipalRole(value: unknown): value is PrincipalRole {
  return typeof value === 'string' && (PRINCIPAL_ROLES as readonly string[]).includes(value)
}

/** True when a token scoped to `scope` may open `sessionId`. */
export function scopeAllows(scope: string, sessionId: string): boolean {
  return scope === ANY_SESSION || scope === sessionId
}

/** Validates the shape of a decoded claims object; undefined when a required claim is missing or mistyped. */
export function parseTokenClaims(value: unknown): TokenClaims | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const { sub, role, session, exp, iat, nbf, admin, name, onDeviceAgent } = value as Record<string, unknown>
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_PRINCIPAL_ID_CHARS) return undefined
  if (sub.endsWith(ON_DEVICE_AGENT_SUFFIX)) return undefined
  if (!isPrincipalRole(role) || typeof session !== 'string' || session.length === 0) return undefined
  if (!isNumericDate(exp) || (iat !== undefined && !isNumericDate(iat)) || (nbf !== undefined && !isNumericDate(nbf)))
    return undefined
  if (admin !== undefined && typeof admin !== 'boolean') return undefined
  if (name !== undefined && (typeof name !== 'string' || !isDisplayName(name))) return undefined
  if (onDeviceAgent !== undefined && (typeof onDeviceAgent !== 'boolean' || role !== 'user')) return undefined
  return {
    sub,
    role,
    session,
    exp,
    ...(iat === undefined ? {} : { iat: iat as number }),
    ...(nbf === undefined ? {} : { nbf: nbf as number }),
    ...(admin === undefined ? {} : { admin }),
    ...(name === undefined ? {} : { name }),
    ...(onDeviceAgent === undefined ? {} : { onDeviceAgent }),
  }
}

/**
 * Reads the claims of a token WITHOUT checking its signature (clients use it to learn their principal id).
 * Never base an access decision on this; the server verifies.
 */
export function decodeTokenClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || token.length > MAX_TOKEN_CHARS) return undefined
  try {
    return parseTokenClaims(JSON.parse(decodeBase64Url(parts[1] ?? '')))
  } catch {
    return undefined // reason: not a JWT we can read; the caller treats the token as opaque
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

function decodeBase64Url(text: string): string {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=')
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
}
