/**
 * Governance extension (PROTOCOL.md §8.3–8.5): inspects every inbound sync step 2 / update before the durable
 * log stores it and before Hocuspocus applies it — its priority outranks the log's (extension-priority.ts). It runs
 * on every server. With auth it checks the sender's identity and role too; on an open server only the schema,
 * append-only, set-once and clock rules (session-write-rules.ts) and the user-text limit apply, and awareness is not
 * inspected. A refused update is answered in-band (update-refusals.ts): not stored, not applied, SyncStatus(false)
 * and one `update-rejected` notice (code UPDATE_REJECTED, or AGENT_REPLY_FORBIDDEN for a reply from a user token
 * without the `onDeviceAgent` claim); bytes that are no Yjs update at all close the connection with UPDATE_REJECTED
 * (§3.4). An accepted one is first tried on a scratch copy, so an update that would throw half-way or leave pending
 * structs is refused too; the last check of that try charges its new entries to the principal's rates
 * (`chargeUpdate`, §10.5), so a rate-limited update leaves neither the scratch copy nor a clientID binding. Awareness states are bound to the sender's clientIDs and their identity rewritten from
 * the token. Stateless messages are not handled by Lifeline: no hook forwards them, so they reach nobody.
 */
import type {
  Connection,
  Document,
  Extension,
  afterHandleMessagePayload,
  beforeHandleAwarenessPayload,
  beforeSyncPayload,
  onDisconnectPayload,
} from '@hocuspocus/server'
import { MAX_CLIENT_IDS_PER_CONNECTION, type UpdateRejectionReason } from '../../shared/auth/update-rejection.ts'
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { ANONYMOUS_PRINCIPAL, principalOf, type ConnectionPrincipal } from '../auth/connection-principal.ts'
import { toSafeListener, type SecurityEventListener } from '../auth/security-event.ts'
import { createClientBindings, type ClientBindings } from '../governance/client-bindings.ts'
import { entriesWrittenBy } from '../governance/entries-written-by.ts'
import { findMisfitEntry, type MisfitEntry } from '../governance/find-misfit-entry.ts'
import type { ClientIdClaims } from '../governance/client-id-claims.ts'
import { inspectUpdate, type UpdateRejection } from '../governance/inspect-update.ts'
import { inspectedSummaries } from '../governance/inspected-summaries.ts'
import { rewriteAwarenessState } from '../governance/rewrite-awareness.ts'
import { createScratchReplica, type ScratchReplica } from '../governance/scratch-replica.ts'
import { findOverlongUserText, type OverlongUserText } from '../limits/find-overlong-user-text.ts'
import { findEntryTexts, type EntryText } from '../policy/find-entry-texts.ts'
import { findTextRuns, type TextRun } from '../policy/find-text-runs.ts'
import type { PolicyGate } from '../policy/create-policy-gate.ts'
import { screenRuns } from '../policy/screen-runs.ts'
import { CloseError } from '../transports/close-error.ts'
import { closeConnectionWith } from '../transports/transport-context.ts'
import { EXTENSION_PRIORITY } from './extension-priority.ts'
import { createUpdateRefusals, type UpdateRefusals } from './update-refusals.ts'

interface SessionGovernance {
  readonly bindings: ClientBindings
  readonly scratch: ScratchReplica
  /** Sockets of the connected connections that wrote a change: once none is left, the scratch copy is released. */
  readonly writers: Set<string>
  /** ClientIDs this node has claimed across nodes, with the principal they were claimed for (scale-out only). */
  readonly claimed: Map<number, string> | undefined
}

/** Options of {@link createGovernUpdates}. */
export interface GovernUpdatesOptions {
  /** Receives every rejection and clientID take-over. */
  readonly onSecurityEvent?: SecurityEventListener
  /** Claims shared with other nodes (scale-out); without it bindings are per process. */
  readonly claims?: ClientIdClaims
  /** Longest user message or steer text, in characters (default DEFAULT_SESSION_LIMITS.maxUserTextChars). */
  readonly maxUserTextChars?: number
  /** Answers refused and deferred updates (default: refusals of this extension alone). */
  readonly refusals?: UpdateRefusals
  /**
   * Charges an accepted update to its principal's message and steer rates (PROTOCOL.md §10.5), as the last check of
   * the scratch try: a refusal (a thrown CloseError) rolls the scratch copy back and binds no clientID. Default: none.
   */
  readonly chargeUpdate?: (data: beforeSyncPayload) => void
  /**
   * An open server (no auth): connections carry no principal, the identity and role rules are off and awareness is
   * not inspected. Default false: every connection must carry an authenticated principal.
   */
  readonly open?: boolean
  /**
   * True for clientIDs under which the server publishes awareness of its own in a session (HTTP devices, PROTOCOL.md
   * §9.9): no connection may write or announce with them (`FOREIGN_CLIENT_ID`). Default: none.
   */
  readonly isServerClientId?: (sessionId: string, clientId: number) => boolean
  /**
   * The message policy (PROTOCOL.md §8.8), asked about each text run an accepted update adds to a message. A redact
   * or reject refuses the whole update with a POLICY_REJECTED notice; a redact notice carries the spans so the author
   * writes the text again redacted. Default: none (every text is allowed, nothing is asked).
   */
  readonly screenText?: PolicyGate
}

/** Creates the governance extension. */
export function createGovernUpdates(options: GovernUpdatesOptions = {}): Extension {
  const report = toSafeListener(options.onSecurityEvent)
  const maxUserTextChars = options.maxUserTextChars ?? DEFAULT_SESSION_LIMITS.maxUserTextChars
  const refusals = options.refusals ?? createUpdateRefusals()
  const open = options.open === true
  const sessions = new Map<string, SessionGovernance>()
  /** Connections whose close releases their clientID bindings (registered once, at their first binding). */
  const releasedOnClose = new WeakSet<Connection>()

  const sessionFor = (document: Document): SessionGovernance => {
    let session = sessions.get(document.name)
    if (session === undefined) {
      const bindings = createClientBindings({
        doc: document,
        isLive: (holder) => document.hasConnection(holder as Connection),
        ...(open ? { openPrincipal: ANONYMOUS_PRINCIPAL } : {}),
        ...(options.isServerClientId === undefined
          ? {}
          : { isServerClientId: (clientId: number) => options.isServerClientId?.(document.name, clientId) === true }),
      })
      bindings.bindServer(document.clientID)
      session = {
        bindings,
        scratch: createScratchReplica(document),
        writers: new Set(),
        claimed: options.claims === undefined ? undefined : new Map(),
      }
      sessions.set(document.name, session)
    }
    return session
  }

  /** Claims `clientIds` across nodes (once per node); resolves the first one another principal holds. */
  const claimAcrossNodes = async (
    session: SessionGovernance,
    sessionId: string,
    clientIds: Iterable<number>,
    principalId: string,
  ): Promise<number | undefined> => {
    const { claimed } = session
    if (options.claims === undefined || claimed === undefined) return undefined
    for (const clientId of clientIds) {
      if (claimed.get(clientId) === principalId) continue
      if (!(await options.claims.claim(sessionId, clientId, principalId))) return clientId
      claimed.set(clientId, principalId)
    }
    return undefined
  }

  const takeOver = (
    session: SessionGovernance,
    clientId: number,
    principalId: string,
    connection: Connection,
  ): void => {
    const superseded = session.bindings.bind(clientId, principalId, connection) as Connection | undefined
    // Closed while its update was screened or claimed: its close callbacks have run, so it is forgotten now.
    if (!connection.document.hasConnection(connection)) session.bindings.release(connection)
    else if (!releasedOnClose.has(connection)) {
      releasedOnClose.add(connection)
      // A closed connection would otherwise stay in memory, with its socket, as long as the session is loaded.
      connection.onClose(() => {
        session.bindings.release(connection)
      })
    }
    if (superseded === undefined) return
    const error = new SessionError('CLIENT_ID_TAKEN_OVER', `clientID ${clientId} is now used by a newer connection`, {
      details: { clientId },
    })
    report({
      kind: 'client-id-taken-over',
      sessionId: superseded.document.name,
      ...(open ? {} : { principalId }),
      error,
    })
    // Closed at once, so its awareness entry goes before the newer connection's state is applied. The socket stays:
    // a provider reconnects after a socket close and would take the clientID back, so two live duplicates would
    // keep evicting each other; a dead socket is dropped by Hocuspocus' timeout anyway.
    superseded.close({ code: error.closeCode, reason: error.code })
  }

  return {
    extensionName: 'lifeline-govern-updates',
    priority: EXTENSION_PRIORITY.GOVERN_UPDATES,
    async afterLoadDocument({ document }: { document: Document }) {
      sessionFor(document)
    },
    async afterUnloadDocument({ documentName }: { documentName: string }) {
      sessions.get(documentName)?.scratch.destroy()
      sessions.delete(documentName)
    },
    async onDisconnect({ documentName, socketId }: onDisconnectPayload) {
      const session = sessions.get(documentName)
      if (session?.writers.delete(socketId) === true && session.writers.size === 0) session.scratch.discard()
    },
    async beforeSync(data: beforeSyncPayload) {
      const { type, payload, document, documentName, connection, context } = data
      if ((type !== SYNC_MESSAGE_TYPE.STEP2 && type !== SYNC_MESSAGE_TYPE.UPDATE) || refusals.holds(connection)) return
      const principal = open ? undefined : requirePrincipal(context, documentName)
      const principalId = principal?.id ?? ANONYMOUS_PRINCIPAL
      const reported = principal === undefined ? {} : { principalId: principal.id }
      const session = sessionFor(document)
      const inspection = inspectUpdate({
        doc: document,
        update: payload,
        principal,
        bindings: session.bindings,
        holder: connection,
        held: refusals.held(connection),
      })
      // Where the update's structs start: held back on this connection once it is refused (update-refusals.ts).
      const clocks =
        inspection.verdict === 'reject'
          ? inspection.rejection.clocks
          : inspection.verdict === 'accept'
            ? inspection.clocks
            : undefined
      const refuse = (
        reason: UpdateRejectionReason,
        message: string,
        details?: Readonly<Record<string, unknown>>,
        undecodable = false,
        code?: UpdateRejection['code'],
      ): void => {
        const error =
          code === undefined
            ? rejected(documentName, reason, message, details)
            : new SessionError(code, message, { details: { ...details, sessionId: documentName } })
        report({ kind: 'update-rejected', sessionId: documentName, ...reported, error })
        if (!undecodable) {
          refusals.refuse(connection, error, clocks)
          return
        }
        // Not a Yjs update at all (PROTOCOL.md §3.4): no Yjs client sends it, so there is no resend loop to avoid.
        closeConnectionWith(connection, error)
        throw new CloseError(error)
      }
      if (inspection.verdict === 'reject') {
        const { reason, message, details, undecodable, code } = inspection.rejection
        return refuse(reason, message, details, undecodable === true, code)
      }
      if (inspection.verdict === 'defer') {
        // PROTOCOL.md §8.3 rule 4: not stored, not applied, SyncStatus(false), no notice.
        refusals.defer(connection)
        return
      }
      // Claimed before the scratch try: an update refused after it would stay in the scratch copy.
      const foreign = await claimAcrossNodes(session, documentName, inspection.clientIds, principalId)
      if (foreign !== undefined)
        return refuse('FOREIGN_CLIENT_ID', `clientID ${foreign} belongs to another principal on another node`, {
          clientId: foreign,
        })
      if (!inspection.changes) return // already in the document: nothing to try, charge, screen or bind
      session.writers.add(connection.socketId)
      const found: {
        overlong?: OverlongUserText | undefined
        misfit?: MisfitEntry | undefined
        charge?: unknown
        runs?: TextRun[]
        entryTexts?: EntryText[]
      } = {}
      const tried = session.scratch.tryUpdate(payload, (doc) => {
        const entries = entriesWrittenBy(doc, payload)
        found.misfit = findMisfitEntry(entries, document)
        if (found.misfit === undefined) found.overlong = findOverlongUserText(entries, maxUserTextChars)
        if (found.misfit !== undefined || found.overlong !== undefined) return false
        if (options.screenText !== undefined) {
          found.runs = findTextRuns(doc, inspection.decoded, document)
          found.entryTexts = findEntryTexts(doc, inspection.decoded, document)
        }
        try {
          options.chargeUpdate?.(data)
          return true
        } catch (refusal) {
          found.charge = refusal // reason: thrown below, once the scratch copy has dropped the update
          return false
        }
      })
      const { overlong, misfit } = found
      if (found.charge !== undefined) throw found.charge
      if (!tried.ok && misfit !== undefined) {
        return refuse(
          'SCHEMA_MISMATCH',
          `the update leaves a ${misfit.root} entry that does not fit the schema: ${misfit.reason}`,
          { root: misfit.root, path: misfit.path },
        )
      }
      if (!tried.ok && overlong !== undefined) {
        const error = new SessionError(
          'TEXT_TOO_LONG',
          `${overlong.root} entry ${overlong.entryId} would hold ${overlong.chars} characters, over the limit of ${maxUserTextChars}`,
          {
            details: { ...overlong, maxUserTextChars, sessionId: documentName },
          },
        )
        report({ kind: 'limit-exceeded', sessionId: documentName, ...reported, error })
        return refusals.refuse(connection, error, clocks)
      }
      if (!tried.ok) {
        if (tried.problem === 'throws')
          return refuse('MALFORMED', 'the update fails to apply', { cause: String(tried.cause) })
        if (tried.problem === 'misplaced')
          return refuse('MALFORMED', 'the update places an item outside its neighbours')
        return refuse('MISSING_DEPENDENCY', 'the update would leave parts the session cannot place')
      }
      if (options.screenText !== undefined && (found.runs?.length ?? 0) + (found.entryTexts?.length ?? 0) > 0) {
        const refusal = await screenRuns(options.screenText, found.runs ?? [], found.entryTexts ?? [], {
          principal: principalId,
          role: principal?.role,
          sessionId: documentName,
        })
        if (refusal !== undefined) {
          // The scratch copy holds the update: forget it, as it will never reach the live document.
          session.scratch.discard()
          return refusals.refuse(connection, refusal, clocks)
        }
      }
      for (const clientId of inspection.clientIds) takeOver(session, clientId, principalId, connection)
      inspectedSummaries.set(payload, inspection.summary)
    },
    async afterHandleMessage({ connection }: afterHandleMessagePayload) {
      refusals.release(connection)
    },
    async beforeHandleAwareness({ states, connection, context, document, documentName }: beforeHandleAwarenessPayload) {
      if (connection === undefined || open) return // server-side awareness; an open server has no identity to bind
      const principal = requirePrincipal(context, documentName)
      const session = sessionFor(document)
      const refuse = (
        reason: UpdateRejectionReason,
        message: string,
        details?: Readonly<Record<string, unknown>>,
      ): CloseError => {
        const error = rejected(documentName, reason, message, details)
        report({ kind: 'awareness-rejected', sessionId: documentName, principalId: principal.id, error })
        return new CloseError(error)
      }
      for (const [clientId, state] of states) {
        // Hocuspocus decodes into a scratch Awareness that adds an empty state of its own: never publish it.
        if (Object.keys(state).length === 0) {
          states.delete(clientId)
          continue
        }
        if (session.bindings.check(clientId, principal.id) === 'foreign') {
          throw refuse('FOREIGN_CLIENT_ID', `awareness for clientID ${clientId}, which belongs to another principal`, {
            clientId,
          })
        }
        if (session.bindings.countHeldBy(connection, [clientId]) > MAX_CLIENT_IDS_PER_CONNECTION) {
          throw refuse(
            'TOO_MANY_CLIENT_IDS',
            `one connection may use at most ${MAX_CLIENT_IDS_PER_CONNECTION} clientIDs`,
          )
        }
        if ((await claimAcrossNodes(session, documentName, [clientId], principal.id)) !== undefined) {
          throw refuse(
            'FOREIGN_CLIENT_ID',
            `awareness for clientID ${clientId}, which belongs to another principal on another node`,
            { clientId },
          )
        }
        const rewritten = rewriteAwarenessState(state, principal)
        if (rewritten === undefined) throw refuse('MALFORMED', 'awareness state too large', { clientId })
        states.set(clientId, rewritten)
        takeOver(session, clientId, principal.id, connection)
      }
    },
  }
}

function requirePrincipal(context: unknown, documentName: string): ConnectionPrincipal {
  const principal = principalOf(context)
  if (principal === undefined) {
    throw new CloseError(
      new SessionError('UNAUTHORIZED', 'connection has no authenticated principal', {
        details: { sessionId: documentName },
      }),
    )
  }
  return principal
}

function rejected(
  sessionId: string,
  reason: UpdateRejectionReason,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): SessionError {
  return new SessionError('UPDATE_REJECTED', message, { details: { ...details, reason, sessionId } })
}
