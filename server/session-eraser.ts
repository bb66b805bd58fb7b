/**
 * Session erasure (right to erasure, PROTOCOL.md §4): the node that handles `DELETE /v1/sessions/:id` tells every
 * other node (SessionDeletions; over Redis in multi-node mode), ends the session on itself and deletes it from the
 * store; a node told of a deletion ends the session on itself. Both paths end a session with one function: close its
 * connections with SESSION_DELETED, refuse further loads, appends and compactions of it until its document unloads,
 * and erase its event stream.
 */
import type { Hocuspocus } from '@hocuspocus/server'
import type { DurableLog } from './extensions/durable-log.ts'
import { sessionDeleted } from './extensions/session-deleted.ts'
import { closeConnectionWith } from './transports/transport-context.ts'

/** Deletion notices between the nodes of one deployment. */
export interface SessionDeletions {
  /** Tells every other node that `sessionId` was deleted. */
  publish(sessionId: string): Promise<void>
  /** Calls `listener` with each session another node deleted. */
  subscribe(listener: (sessionId: string) => void): void
}

/** Options of {@link createSessionEraser}. */
export interface SessionEraserOptions {
  readonly hocuspocus: Hocuspocus
  readonly durableLog: Pick<DurableLog, 'eraseSession'>
  /** Erases the session's event stream on this node. */
  readonly eraseStream: (sessionId: string) => Promise<void>
  /** Notices to and from other nodes; unset on a single node. */
  readonly deletions?: SessionDeletions
  /** Receives failures of notices (sent or received), which have no caller to answer. */
  readonly onError: (error: unknown) => void
}

/** Erases sessions on every node. */
export interface SessionEraser {
  /** Ends the session on every node and deletes its stored record, log rows, snapshot, audit rows and event stream. */
  erase(sessionId: string): Promise<void>
}

/** Creates the eraser and starts ending the sessions other nodes delete. */
export function createSessionEraser(options: SessionEraserOptions): SessionEraser {
  const { hocuspocus, durableLog, eraseStream, deletions, onError } = options

  const endSession = async (sessionId: string, deleteStored: boolean): Promise<void> => {
    const live = hocuspocus.documents.get(sessionId)
    const gone = sessionDeleted(sessionId)
    // Clients stop on SESSION_DELETED and drop their copies; the document unloads once its last connection is gone.
    for (const connection of live?.getConnections() ?? []) closeConnectionWith(connection, gone)
    await durableLog.eraseSession(sessionId, { loaded: live !== undefined, deleteStored })
    await eraseStream(sessionId)
  }

  deletions?.subscribe((sessionId) => {
    endSession(sessionId, false).catch(onError)
  })

  return {
    async erase(sessionId) {
      // Other nodes first: each write they refuse on the notice is one the store does not have to refuse
      // (SESSION_NOT_FOUND, PROTOCOL.md §4). A failed notice leaves that last line of defence; the erasure goes on.
      const told = deletions?.publish(sessionId).catch(onError)
      await endSession(sessionId, true)
      await told
    },
  }
}
