/**
 * A Hocuspocus extension that logs each connection to a session as it opens and closes: session, principal and
 * role (from the verified token; absent when auth is off), transport and Hocuspocus socket id. Hocuspocus may
 * report one close twice (a close message, then the socket's close), so a close is logged once, and only for a
 * connection that was logged open (a refused token never opens one).
 */
import type { Extension, connectedPayload, onDisconnectPayload } from '@hocuspocus/server'
import type { Logger } from 'pino'
import { principalOf } from '../auth/connection-principal.ts'
import { transportOf } from '../transports/transport-context.ts'

/** Creates the extension writing to `logger` at info level. */
export function createConnectionLog(logger: Logger): Extension {
  const fields = (context: unknown, sessionId: string, socketId: string): Record<string, unknown> => {
    const principal = principalOf(context)
    return { sessionId, socketId, transport: transportOf(context), principalId: principal?.id, role: principal?.role }
  }
  const open = new Set<string>()
  return {
    extensionName: 'lifeline-connection-log',
    async connected({ context, documentName, socketId }: connectedPayload) {
      open.add(`${socketId} ${documentName}`)
      logger.info({ event: 'connection-opened', ...fields(context, documentName, socketId) }, 'connection opened')
    },
    async onDisconnect({ context, documentName, socketId }: onDisconnectPayload) {
      if (!open.delete(`${socketId} ${documentName}`)) return
      logger.info({ event: 'connection-closed', ...fields(context, documentName, socketId) }, 'connection closed')
    },
  }
}
