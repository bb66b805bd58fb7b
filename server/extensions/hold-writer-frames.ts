/**
 * Hold-writer-frames extension: once every other `beforeSync` hook has accepted an inbound update (governance
 * screened it, the durable log stored it), it holds the writer's own frames until Hocuspocus has applied the update.
 * Applying it sends the update to every connection of the session — the writer's too — and then the writer's
 * SyncStatus; held, those two frames leave in one socket write after the broadcast has been written to the other
 * connections, instead of the writer's copy taking a system call of its own before the viewers' (PROTOCOL.md §3: the
 * order of the frames, and persist-before-broadcast, are unchanged). It runs last (extension-priority.ts) and does
 * nothing on transports that cannot hold frames (TransportContext.holdWrites).
 */
import type { Extension, beforeSyncPayload } from '@hocuspocus/server'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { holdWritesOf } from '../transports/transport-context.ts'
import { EXTENSION_PRIORITY } from './extension-priority.ts'

/** Creates the extension. */
export function createHoldWriterFrames(): Extension {
  return {
    extensionName: 'lifeline-hold-writer-frames',
    priority: EXTENSION_PRIORITY.HOLD_WRITER_FRAMES,
    async beforeSync({ type, connection }: beforeSyncPayload) {
      // A read-only connection's update (refused, deferred, an observer's) is neither applied nor broadcast.
      if ((type !== SYNC_MESSAGE_TYPE.STEP2 && type !== SYNC_MESSAGE_TYPE.UPDATE) || connection.readOnly) return
      holdWritesOf(connection.context)?.()
    },
  }
}
