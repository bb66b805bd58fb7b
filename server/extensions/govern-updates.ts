/**
 * Governance extension (PROTOCOL.md §8.3–8.5): inspects every inbound sync step 2 / update before the durable
 * log stores it and before Hocuspocus applies it — its priority outranks the log's (extension-priority.ts) and a
 * hook that throws stops the chain. A rejected update closes the connection with UPDATE_REJECTED and a reason;
 * an accepted one is first tried on a scratch copy, so an update that would throw half-way or leave pending
 * structs is rejected too. Awareness states are bound to the sender's clientIDs and their identity rewritten
 * from the token. Stateless messages are not handled by Lifeline: no hook forwards them, so they reach nobody.
 */
import type { Connection, Document, Extension, afterHandleMessagePayload, beforeHandleAwarenessPayload, beforeSyncPayload } from '@hocuspocus/server'
import { MAX_CLIENT_IDS_PER_CONNECTION, type UpdateRejectionReason } from '../../shared/auth/update-rejection.ts'
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { principalOf, type ConnectionPrincipal } from '../auth/connection-principal.ts'
import { toSafeListener, type SecurityEventListener } from '../auth/security-event.ts'
import { createClientBindings, type ClientBindings } from '../governance/client-bindings.ts'
import type { ClientIdClaims } from '../governance/client-id-claims.ts'
import { inspectUpdate } from '../governance/inspect-update.ts'
import { inspectedSummaries } from '../governance/inspected-summaries.ts'
import { rewriteAwarenessState } from '../governance/rewrite-awareness.ts'
import { createScratchReplica, type ScratchReplica } from '../governance/scratch-replica.ts'
import { findOverlongUserText, type OverlongUserText } from '../limits/find-overlong-user-text.ts'
import { CloseError } from '../transports/close-error.ts'
import { EXTENSION_PRIORITY } from './extension-priority.ts'

interface SessionGovernance {
  readonly bindings: ClientBindings
  readonly scratch: ScratchReplica
  /** ClientIDs this node has claimed across nodes, with the principal they were claimed for. */
  readonly claimed: Map<number, string>
}

/** Options of {@link createGovernUpdates}. */
export interface GovernUpdatesOptions {
  /** Receives every rejection and clientID take-over. */
  readonly onSecurityEvent?: SecurityEventListener
  /** Claims shared with other nodes (scale-out); without it bindings are per process. */
  readonly claims?: ClientIdClaims
  /** Longest user message or steer text, in characters (default DEFAULT_SESSION_LIMITS.maxUserTextChars). */
  readonly maxUserTextChars?: number
}

/** Creates the governance extension. */
export function createGovernUpdates (options: GovernUpdatesOptions = {}): Extension {
  const report = toSafeListener(options.onSecurityEvent)
  const maxUserTextChars = options.maxUserTextChars ?? DEFAULT_SESSION_LIMITS.maxUserTextChars
  const sessions = new Map<string, SessionGovernance>()
  /** Connections made read-only for the one message being deferred. */
  const deferred = new Set<Connection>()

  const sessionFor = (document: Document): SessionGovernance => {
    let session = sessions.get(document.name)
    if (session === undefined) {
      const bindings = createClientBindings({ doc: document, isLive: (holder) => document.hasConnection(holder as Connection) })
      bindings.bindServer(document.clientID)
      session = { bindings, scratch: createScratchReplica(document), claimed: new Map() }
      sessions.set(document.name, session)
    }
    return session
  }

  /** Claims `clientIds` across nodes (once per node); resolves the first one another principal holds. */
  const claimAcrossNodes = async (session: SessionGovernance, sessionId: string, clientIds: Iterable<number>, principal: ConnectionPrincipal): Promise<number | undefined> => {
    if (options.claims === undefined) return undefined
    for (const clientId of clientIds) {
      if (session.claimed.get(clientId) === principal.id) continue
      if (!await options.claims.claim(sessionId, clientId, principal.id)) return clientId
      session.claimed.set(clientId, principal.id)
    }
    return undefined
  }

  const takeOver = (session: SessionGovernance, clientId: number, principal: ConnectionPrincipal, connection: Connection): void => {
    const superseded = session.bindings.bind(clientId, principal.id, connection) as Connection | undefined
    if (superseded === undefined) return
    const error = new SessionError('CLIENT_ID_TAKEN_OVER', `clientID ${clientId} is now used by a newer connection`, { details: { clientId } })
    report({ kind: 'client-id-taken-over', sessionId: superseded.document.name, principalId: principal.id, error })
    // Closed at once, so its awareness entry goes before the newer connection's state is applied. The socket stays:
    // a provider reconnects after a socket close and would take the clientID back, so two live duplicates would
    // keep evicting each other; a dead socket is dropped by Hocuspocus' timeout anyway.
    superseded.close({ code: error.closeCode, reason: error.code })
  }

  return {
    extensionName: 'lifeline-govern-updates',
    priority: EXTENSION_PRIORITY.GOVERN_UPDATES,
    async afterLoadDocument ({ document }: { document: Document }) {
      sessionFor(document)
    },
    async afterUnloadDocument ({ documentName }: { documentName: string }) {
      sessions.get(documentName)?.scratch.destroy()
      sessions.delete(documentName)
    },
    async beforeSync ({ type, payload, document, documentName, connection, context }: beforeSyncPayload) {
      if (type !== SYNC_MESSAGE_TYPE.STEP2 && type !== SYNC_MESSAGE_TYPE.UPDATE) return
      const principal = requirePrincipal(context, documentName)
      const session = sessionFor(document)
      const inspection = inspectUpdate({ doc: document, update: payload, principal, bindings: session.bindings, holder: connection })
      const refuse = (reason: UpdateRejectionReason, message: string, details?: Readonly<Record<string, unknown>>): CloseError => {
        const error = rejected(documentName, reason, message, details)
        report({ kind: 'update-rejected', sessionId: documentName, principalId: principal.id, error: error.sessionError })
        return error
      }
      if (inspection.verdict === 'reject') {
        throw refuse(inspection.rejection.reason, inspection.rejection.message, inspection.rejection.details)
      }
      if (inspection.verdict === 'defer') {
        // PROTOCOL.md §8.3: not stored (the durable log skips read-only connections), not applied, SyncStatus(false).
        connection.readOnly = true
        deferred.add(connection)
        return
      }
      // Claimed before the scratch try: an update refused after it would stay in the scratch copy.
      const foreign = await claimAcrossNodes(session, documentName, inspection.clientIds, principal)
      if (foreign !== undefined) throw refuse('FOREIGN_CLIENT_ID', `clientID ${foreign} belongs to another principal on another node`, { clientId: foreign })
      const found: { overlong?: OverlongUserText } = {}
      const tried = session.scratch.tryUpdate(payload, (doc) => {
        const overlong = findOverlongUserText(doc, payload, maxUserTextChars)
        if (overlong !== undefined) found.overlong = overlong
        return overlong === undefined
      })
      const { overlong } = found
      if (!tried.ok && overlong !== undefined) {
        const error = new SessionError('TEXT_TOO_LONG', `${overlong.root} entry ${overlong.entryId} would hold ${overlong.chars} characters, over the limit of ${maxUserTextChars}`, {
          details: { ...overlong, maxUserTextChars, sessionId: documentName },
        })
        report({ kind: 'limit-exceeded', sessionId: documentName, principalId: principal.id, error })
        throw new CloseError(error)
      }
      if (!tried.ok) {
        if (tried.problem === 'throws') throw refuse('MALFORMED', 'the update fails to apply', { cause: String(tried.cause) })
        if (tried.problem === 'misplaced') throw refuse('MALFORMED', 'the update places an item outside its neighbours')
        throw refuse('MISSING_DEPENDENCY', 'the update would leave parts the session cannot place')
      }
      for (const clientId of inspection.clientIds) takeOver(session, clientId, principal, connection)
      inspectedSummaries.set(payload, inspection.summary)
    },
    async afterHandleMessage ({ connection, context }: afterHandleMessagePayload) {
      if (!deferred.delete(connection)) return
      connection.readOnly = principalOf(context)?.role === 'observer'
    },
    async beforeHandleAwareness ({ states, connection, context, document, documentName }: beforeHandleAwarenessPayload) {
      if (connection === undefined) return // server-side awareness
      const principal = requirePrincipal(context, documentName)
      const session = sessionFor(document)
      const refuse = (reason: UpdateRejectionReason, message: string, details?: Readonly<Record<string, unknown>>): CloseError => {
        const error = rejected(documentName, reason, message, details)
        report({ kind: 'awareness-rejected', sessionId: documentName, principalId: principal.id, error: error.sessionError })
        return error
      }
      for (const [clientId, state] of states) {
        // Hocuspocus decodes into a scratch Awareness that adds an empty state of its own: never publish it.
        if (Object.keys(state).length === 0) {
          states.delete(clientId)
          continue
        }
        if (session.bindings.check(clientId, principal.id) === 'foreign') {
          throw refuse('FOREIGN_CLIENT_ID', `awareness for clientID ${clientId}, which belongs to another principal`, { clientId })
        }
        if (session.bindings.countHeldBy(connection, [clientId]) > MAX_CLIENT_IDS_PER_CONNECTION) {
          throw refuse('TOO_MANY_CLIENT_IDS', `one connection may use at most ${MAX_CLIENT_IDS_PER_CONNECTION} clientIDs`)
        }
        if (await claimAcrossNodes(session, documentName, [clientId], principal) !== undefined) {
          throw refuse('FOREIGN_CLIENT_ID', `awareness for clientID ${clientId}, which belongs to another principal on another node`, { clientId })
        }
        const rewritten = rewriteAwarenessState(state, principal)
        if (rewritten === undefined) throw refuse('MALFORMED', 'awareness state too large', { clientId })
        states.set(clientId, rewritten)
        takeOver(session, clientId, principal, connection)
      }
    },
  }
}

function requirePrincipal (context: unknown, documentName: string): ConnectionPrincipal {
  const principal = principalOf(context)
  if (principal === undefined) {
    throw new CloseError(new SessionError('UNAUTHORIZED', 'connection has no authenticated principal', { details: { sessionId: documentName } }))
  }
  return principal
}

function rejected (sessionId: string, reason: UpdateRejectionReason, message: string, details: Readonly<Record<string, unknown>> = {}): CloseError {
  return new CloseError(new SessionError('UPDATE_REJECTED', message, { details: { ...details, reason, sessionId } }))
}
