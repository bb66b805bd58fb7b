/**
 * Durable log extension: loads each session from its UpdateLog and appends every inbound update to the log
 * **before** Hocuspocus applies and acknowledges it (PROTOCOL.md §3). Hocuspocus awaits `beforeSync` for each
 * message of a connection before applying it and sends the sync-status ack right after applying, so awaiting
 * the append here is exactly persist-before-ack. Compaction runs in the background every
 * `compactEveryUpdates` appends and when a session unloads. Each append carries its audit origin: the
 * connection's principal, role and id with governance's summary, or `server` for applyServerChange. A session created
 * by a first connection is owned by that connection's principal (docs/security.md § Destructive actions). A session
 * erased on any node (session-eraser.ts) is refused here until its document unloads; an append that the store refuses
 * because the session's record is gone (erased by another node whose notice has not arrived) closes the connection
 * with SESSION_DELETED too. A loaded session whose stored entries do not fit the schema loads all the same; its
 * quarantined entries (PROTOCOL.md §1.3) are reported to `onQuarantine` with the seqs that wrote them.
 */
import type { Extension, beforeSyncPayload, onLoadDocumentPayload } from '@hocuspocus/server'
import type { SpanContext } from '@opentelemetry/api'
import * as Y from 'yjs'
import { findQuarantined } from '../../shared/session/find-quarantined.ts'
import { initializeSession } from '../../shared/session/session-doc.ts'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { SessionError, isSessionError } from '../../shared/errors/session-error.ts'
import { ANONYMOUS_PRINCIPAL, principalOf } from '../auth/connection-principal.ts'
import { decodeInboundUpdate, type DecodedUpdate } from '../governance/decoded-update.ts'
import { inspectedSummaries } from '../governance/inspected-summaries.ts'
import { createStructLocator } from '../governance/struct-locator.ts'
import { summarizeUpdate } from '../governance/summarize-update.ts'
import { summarizeTransaction } from '../governance/summarize-transaction.ts'
import { compactSession } from '../persistence/compact-session.ts'
import { applyStoredSession } from '../persistence/load-session-doc.ts'
import { locateQuarantined, type LocatedQuarantine } from '../persistence/locate-quarantined.ts'
import {
  SERVER_WRITE_ORIGIN,
  type StoredSession,
  type UpdateLog,
  type UpdateSummary,
  type WriteOrigin,
} from '../persistence/update-log.ts'
import { toCloseError } from '../transports/close-error.ts'
import { closeConnectionWith } from '../transports/transport-context.ts'
import { EXTENSION_PRIORITY } from './extension-priority.ts'
import { isNoopUpdate } from './is-noop-update.ts'
import { sessionDeleted } from './session-deleted.ts'

/** Options of {@link createDurableLogExtension}. */
export interface DurableLogOptions {
  readonly log: UpdateLog
  /** Compact a session after this many appends (default 500). */
  readonly compactEveryUpdates?: number
  /** Receives background failures (compaction, server-change appends); defaults to console.error. */
  readonly onBackgroundError?: (error: unknown) => void
  /** Receives the quarantined entries of each session that loads with some (PROTOCOL.md §1.3). */
  readonly onQuarantine: (sessionId: string, entries: readonly LocatedQuarantine[]) => void
  /** Finds the span an inbound update belongs to, made the parent of its persist span (PROTOCOL.md §12). */
  readonly traceParentOf?: (document: Y.Doc, summary: UpdateSummary, decoded: DecodedUpdate) => SpanContext | undefined
}

/** The extension plus a way to write server-side changes durably. */
export interface DurableLog {
  readonly extension: Extension
  /**
   * Makes a server-side change to a loaded session document durably: `change` runs on a scratch copy of `document`,
   * the resulting update is appended to the log, and only then applied to `document` — so no
   * client or other node sees a server change that is not stored. Changes to one session run one at a time. Its audit
   * row names the server, or `requestedBy` when a principal asked for it over HTTP (a rename); its persist span is the
   * child of `requestedBy.traceParent` when given (PROTOCOL.md §12).
   */
  applyServerChange(
    document: Y.Doc,
    sessionId: string,
    change: ServerChange,
    requestedBy?: ServerChangeOrigin,
  ): Promise<void>
  /**
   * Erases a session on this node (right to erasure): refuses further loads, appends and compactions of it until its
   * document (if `loaded`) has unloaded, and waits for a running compaction. With `deleteStored` (on the node that
   * handles the deletion) it then deletes the session's log rows, snapshot, audit rows and record.
   */
  eraseSession(sessionId: string, options: { loaded: boolean; deleteStored: boolean }): Promise<void>
  /** Starts no further compaction and resolves when running ones have finished. */
  stop(): Promise<void>
}

/**
 * Who asked for a server change over HTTP (a rename: its principal and role, kept in the audit row) and the span it
 * belongs to (an HTTP append's, PROTOCOL.md §12).
 */
export type ServerChangeOrigin = Partial<Pick<WriteOrigin, 'principal' | 'role' | 'traceParent'>>

/** A server-side change, made inside one transaction on the document it is given. */
export type ServerChange = (document: Y.Doc) => void

const SERVER_ORIGIN = { source: 'local', skipStoreHooks: true, context: { lifeline: 'server' } } as const

/** Creates the durable log extension over `options.log`. */
export function createDurableLog(options: DurableLogOptions): DurableLog {
  const { log } = options
  const compactEvery = options.compactEveryUpdates ?? 500
  const reportError = options.onBackgroundError ?? ((error: unknown) => console.error(error))
  const appendsSinceCompaction = new Map<string, number>()
  const running = new Map<string, Promise<void>>()
  let stopped = false
  /** Sessions erased while their document may still be loaded: nothing more is loaded or logged for them. */
  const erased = new Set<string>()
  const refuseErased = (sessionId: string): void => {
    if (erased.has(sessionId)) throw toCloseError(sessionDeleted(sessionId))
  }

  const compactInBackground = (sessionId: string): void => {
    if (stopped || erased.has(sessionId) || running.has(sessionId)) return
    appendsSinceCompaction.set(sessionId, 0)
    const task = compactSession(log, sessionId)
      .then(() => undefined, reportError)
      .finally(() => running.delete(sessionId))
    running.set(sessionId, task)
  }

  const countAppend = (sessionId: string): void => {
    const count = (appendsSinceCompaction.get(sessionId) ?? 0) + 1
    appendsSinceCompaction.set(sessionId, count)
    if (count >= compactEvery) compactInBackground(sessionId)
  }

  /** Tail of each session's queue of server changes: two scratch copies must never take the same clock range. */
  const serverChanges = new Map<string, Promise<void>>()

  /**
   * The clientID the server writes a session with. Not the live document's own: Yjs re-rolls a document's clientID
   * when a remote update (as applying a stored change is) advances it.
   */
  const writerIds = new WeakMap<Y.Doc, number>()

  const writeServerChange = async (
    document: Y.Doc,
    sessionId: string,
    change: ServerChange,
    requestedBy: ServerChangeOrigin | undefined,
  ): Promise<void> => {
    const scratch = new Y.Doc({ gc: document.gc })
    const writerId = writerIds.get(document) ?? scratch.clientID
    writerIds.set(document, writerId)
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(document))
    scratch.clientID = writerId // only now, for the same reason
    let update: Uint8Array | undefined
    let summary: UpdateSummary = {}
    scratch.on('update', (captured: Uint8Array) => {
      update = captured
    })
    scratch.on('afterTransaction', (transaction: Y.Transaction) => {
      summary = summarizeTransaction(transaction)
    })
    scratch.transact(() => {
      change(scratch)
    })
    scratch.destroy()
    if (update === undefined) return
    await log.append(sessionId, [update], { ...SERVER_WRITE_ORIGIN, ...requestedBy, summary })
    countAppend(sessionId)
    Y.applyUpdate(document, update, SERVER_ORIGIN)
  }

  const applyServerChange: DurableLog['applyServerChange'] = (document, sessionId, change, requestedBy) => {
    const previous = serverChanges.get(sessionId) ?? Promise.resolve()
    const next = previous.then(() => writeServerChange(document, sessionId, change, requestedBy))
    const tail = next.catch(() => undefined) // reason: a failed change is reported to its caller; the queue goes on
    serverChanges.set(sessionId, tail)
    void tail.then(() => {
      if (serverChanges.get(sessionId) === tail) serverChanges.delete(sessionId)
    })
    return next
  }

  /** Reports what of a loaded session does not fit the schema; a failure to report never fails the load. */
  const reportQuarantine = (sessionId: string, stored: StoredSession, document: Y.Doc): void => {
    try {
      const found = findQuarantined(document)
      if (found.length > 0) options.onQuarantine(sessionId, locateQuarantined(stored, document, found))
    } catch (error) {
      reportError(error)
    }
  }

  /** Logs a client's update before Hocuspocus applies it; throws (a CloseError or any failure) to refuse it. */
  const logInbound = async ({
    type,
    payload,
    documentName,
    document,
    connection,
    context,
  }: beforeSyncPayload): Promise<void> => {
    // Hocuspocus does not apply updates from a read-only connection (observers, deferred updates): never log them.
    if ((type !== SYNC_MESSAGE_TYPE.STEP2 && type !== SYNC_MESSAGE_TYPE.UPDATE) || connection.readOnly) return
    let summary: UpdateSummary
    let decoded: DecodedUpdate
    try {
      decoded = decodeInboundUpdate(payload)
      if (isNoopUpdate(document, decoded)) return
      summary =
        inspectedSummaries.get(payload) ?? summarizeUpdate(document, decoded, createStructLocator(document, decoded))
    } catch (cause) {
      throw toCloseError(
        new SessionError('UPDATE_REJECTED', 'update cannot be decoded', {
          cause,
          details: { sessionId: documentName },
        }),
      )
    }
    inspectedSummaries.delete(payload)
    refuseErased(documentName)
    const principal = principalOf(context)
    const traceParent = options.traceParentOf?.(document, summary, decoded)
    const origin: WriteOrigin = {
      principal: principal?.id ?? ANONYMOUS_PRINCIPAL,
      role: principal?.role ?? null,
      connection: connection.socketId,
      summary,
      ...(traceParent === undefined ? {} : { traceParent }),
    }
    try {
      await log.append(documentName, [payload], origin)
    } catch (error) {
      // The document is loaded, so its record existed: another node erased the session (its notice is under way).
      if (isSessionError(error) && error.code === 'SESSION_NOT_FOUND') erased.add(documentName)
      refuseErased(documentName)
      throw error
    }
    countAppend(documentName)
  }

  const extension: Extension = {
    extensionName: 'lifeline-durable-log',
    priority: EXTENSION_PRIORITY.DURABLE_LOG,
    async onLoadDocument({ document, documentName, context }: onLoadDocumentPayload) {
      refuseErased(documentName)
      const stored = await log.load(documentName)
      applyStoredSession(documentName, stored, document)
      reportQuarantine(documentName, stored, document)
      if (stored.snapshot === undefined && stored.entries.length === 0) {
        // A new session: created over HTTP (the record holds its title and owner) or by a first connection, whose
        // principal owns it (none with auth off).
        await log.createSession({
          id: documentName,
          title: '',
          createdAt: Date.now(),
          owner: principalOf(context)?.id ?? null,
        })
        const record = await log.getSession(documentName)
        const init = { title: record?.title ?? '', createdAt: record?.createdAt ?? Date.now() }
        await applyServerChange(document, documentName, (scratch) => {
          initializeSession(scratch, init)
        })
      }
      return document
    },
    async beforeSync(data: beforeSyncPayload) {
      try {
        await logInbound(data)
      } catch (error) {
        // Hocuspocus only ends the document's connection and leaves the socket open: the client would neither see a
        // socket close nor reconnect. Closing the socket makes it reconnect (retryable codes) and resend the update.
        const closeError = toCloseError(error)
        closeConnectionWith(data.connection, closeError.sessionError)
        throw closeError
      }
    },
    async afterUnloadDocument({ documentName }: { documentName: string }) {
      erased.delete(documentName)
      if ((appendsSinceCompaction.get(documentName) ?? 0) > 0) compactInBackground(documentName)
      appendsSinceCompaction.delete(documentName)
    },
  }

  return {
    extension,
    applyServerChange,
    async eraseSession(sessionId, { loaded, deleteStored }) {
      erased.add(sessionId)
      appendsSinceCompaction.delete(sessionId)
      try {
        await running.get(sessionId)
        if (deleteStored) await log.deleteSession(sessionId)
      } finally {
        if (!loaded) erased.delete(sessionId) // a loaded document clears it when it unloads
      }
    },
    async stop() {
      stopped = true
      while (running.size > 0) await Promise.all(running.values())
    },
  }
}
