/**
 * Authenticate extension (PROTOCOL.md §8.2): verifies the token every connection sends in its Auth frame,
 * checks its session scope and puts the principal into the connection context. A failure answers Hocuspocus'
 * permission-denied frame with the error code as reason and then closes the socket with that code's close code
 * (UNAUTHORIZED, TOKEN_EXPIRED, FORBIDDEN). Observers get a read-only connection. A connection is closed with
 * TOKEN_EXPIRED when its token expires, unless the client refreshed it first (PROTOCOL.md §8.7): a new Auth frame on
 * the open connection whose token names the same principal, role, session and `onDeviceAgent` capability moves the
 * expiry; any other token closes the connection with its code (UNAUTHORIZED, TOKEN_EXPIRED, or FORBIDDEN for a
 * different principal, role, session or capability).
 */
import type {
  Connection,
  Extension,
  connectedPayload,
  onAuthenticatePayload,
  onTokenSyncPayload,
} from '@hocuspocus/server'
import { scopeAllows } from '../../shared/auth/token-claims.ts'
import { isSessionError, SessionError } from '../../shared/errors/session-error.ts'
import type { AuthSecret } from '../auth/auth-secret.ts'
import { principalOf, type ConnectionPrincipal, type PrincipalContext } from '../auth/connection-principal.ts'
import { toSafeListener, type SecurityEventListener } from '../auth/security-event.ts'
import { verifyToken } from '../auth/verify-token.ts'
import { CloseError } from '../transports/close-error.ts'
import { closeConnectionWith, closeTransportOf, connectionTraceOf } from '../transports/transport-context.ts'
import { EXTENSION_PRIORITY } from './extension-priority.ts'

/** Options of {@link createAuthenticate}. */
export interface AuthenticateOptions {
  readonly secret: AuthSecret
  /** Clock in ms (default Date.now). */
  readonly now?: () => number
  /** Receives failed authentications and token expiries. */
  readonly onSecurityEvent?: SecurityEventListener
}

/** Longest timer Node accepts; later expiries are checked again when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Creates the extension. */
export function createAuthenticate(options: AuthenticateOptions): Extension {
  const now = options.now ?? Date.now
  const report = toSafeListener(options.onSecurityEvent)

  /** Expiry watch of each open connection; a token refresh moves it. */
  const watches = new WeakMap<Connection, { expiresAtMs: number; timer?: ReturnType<typeof setTimeout> }>()
  const arm = (connection: Connection): void => {
    const watch = watches.get(connection)
    if (watch === undefined) return
    clearTimeout(watch.timer)
    const remaining = watch.expiresAtMs - now()
    if (remaining <= 0) {
      const error = new SessionError('TOKEN_EXPIRED', 'token has expired', {
        details: { expiresAtMs: watch.expiresAtMs },
      })
      report({
        kind: 'token-expired',
        sessionId: connection.document.name,
        ...principalIdOf(connection.context),
        error,
      })
      closeConnectionWith(connection, error)
      return
    }
    watch.timer = setTimeout(
      () => {
        arm(connection)
      },
      Math.min(remaining, MAX_TIMER_MS),
    )
    watch.timer.unref()
  }
  const watchExpiry = (connection: Connection, expiresAtMs: number): void => {
    watches.set(connection, { expiresAtMs })
    arm(connection)
    connection.onClose(() => {
      clearTimeout(watches.get(connection)?.timer)
      watches.delete(connection)
    })
  }

  /** Checks a refreshed token against the connection's principal; returns the principal with the new expiry. */
  const refreshed = (token: string, current: ConnectionPrincipal): ConnectionPrincipal => {
    const claims = verifyToken(token, { secret: options.secret, nowMs: now() })
    if (
      claims.sub !== current.id ||
      claims.role !== current.role ||
      claims.session !== current.session ||
      (claims.onDeviceAgent === true) !== (current.onDeviceAgent === true)
    ) {
      throw new SessionError(
        'FORBIDDEN',
        'a refreshed token must name the same principal, role, session and onDeviceAgent capability',
        {
          details: {
            principalId: current.id,
            role: current.role,
            session: current.session,
            onDeviceAgent: current.onDeviceAgent === true,
          },
        },
      )
    }
    return { ...current, expiresAtMs: claims.exp * 1000 }
  }

  return {
    extensionName: 'lifeline-authenticate',
    priority: EXTENSION_PRIORITY.AUTHENTICATE,
    async onAuthenticate({
      token,
      documentName,
      context,
      connectionConfig,
    }: onAuthenticatePayload): Promise<PrincipalContext> {
      let sub: string | undefined
      try {
        const claims = verifyToken(token, { secret: options.secret, nowMs: now() })
        sub = claims.sub
        if (!scopeAllows(claims.session, documentName)) {
          throw new SessionError('FORBIDDEN', `this token does not open session ${documentName}`, {
            details: { sessionId: documentName, scope: claims.session },
          })
        }
        if (claims.role === 'observer') connectionConfig.readOnly = true
        return {
          principal: {
            id: claims.sub,
            role: claims.role,
            session: claims.session,
            expiresAtMs: claims.exp * 1000,
            ...(claims.onDeviceAgent === true ? { onDeviceAgent: true } : {}),
          },
        }
      } catch (error) {
        const sessionError = isSessionError(error)
          ? error
          : new SessionError('UNAUTHORIZED', 'token check failed', { cause: error })
        report({
          kind: 'authentication-failed',
          sessionId: documentName,
          ...(sub === undefined ? {} : { principalId: sub }),
          error: sessionError,
        })
        connectionTraceOf(context)?.refused(documentName, sessionError)
        const closeTransport = closeTransportOf(context)
        // Hocuspocus answers with a permission-denied frame carrying the reason once this rejects; close after it.
        if (closeTransport !== undefined)
          setImmediate(() => {
            closeTransport(sessionError.closeCode, sessionError.code)
          })
        throw new CloseError(sessionError)
      }
    },
    async onTokenSync({ token, connection, context, documentName }: onTokenSyncPayload) {
      const current = principalOf(connection.context)
      if (current === undefined) return
      let principal: ConnectionPrincipal
      try {
        principal = refreshed(token, current)
      } catch (error) {
        const sessionError = isSessionError(error)
          ? error
          : new SessionError('UNAUTHORIZED', 'token check failed', { cause: error })
        report({
          kind: 'token-refresh-rejected',
          sessionId: documentName,
          principalId: current.id,
          error: sessionError,
        })
        closeConnectionWith(connection, sessionError)
        return
      }
      // Hocuspocus hands hooks a copy of the context after a token sync, so both the connection's and the hook's get it.
      for (const holder of new Set([connection.context, context]))
        (holder as { principal: ConnectionPrincipal }).principal = principal
      const watch = watches.get(connection)
      if (watch !== undefined) watch.expiresAtMs = principal.expiresAtMs
      arm(connection)
    },
    async connected({ connection }: connectedPayload) {
      const principal = principalOf(connection.context)
      if (principal !== undefined) watchExpiry(connection, principal.expiresAtMs)
    },
  }
}

function principalIdOf(context: unknown): { principalId?: string } {
  const principal = principalOf(context)
  return principal === undefined ? {} : { principalId: principal.id }
}
