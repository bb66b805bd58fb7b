/**
 * The authenticated principal of a connection, stored in its Hocuspocus context by the authenticate extension
 * and read by governance. Without auth (open mode) a connection has none.
 */
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'

/** The principal of every connection of an open server: in audit rows (PROTOCOL.md §3.9) and clientID bindings. */
export const ANONYMOUS_PRINCIPAL = 'anonymous'

/** Who is on a connection, from their verified token. */
export interface ConnectionPrincipal {
  readonly id: string
  readonly role: PrincipalRole
  /** Session scope of the token (a session id or ANY_SESSION). */
  readonly session: string
  /** When the token expires, epoch ms. */
  readonly expiresAtMs: number
  /** True when the token grants the `onDeviceAgent` claim (user tokens only, PROTOCOL.md §8.1). */
  readonly onDeviceAgent?: boolean
}

/** The part of a connection context the authenticate extension adds. */
export interface PrincipalContext {
  readonly principal: ConnectionPrincipal
}

/** The principal in a connection context, or undefined (open mode, or not a client connection). */
export function principalOf(context: unknown): ConnectionPrincipal | undefined {
  if (typeof context !== 'object' || context === null) return undefined
  const principal = (context as Partial<PrincipalContext>).principal
  return typeof principal === 'object' && principal !== null ? principal : undefined
}
