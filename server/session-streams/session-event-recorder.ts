/**
 * Records the event stream of every loaded session (PROTOCOL.md §9.6): a Hocuspocus extension that, after each
 * change of a session document (coalesced per event-loop turn) and each awareness change, derives the new events
 * and commits them with the projection to the session's stream at `sessions/<id>`. On load it derives what an
 * earlier process applied but did not record before it stopped. A derivation reads the entries changed since the
 * last one (track-entry-changes.ts), not the whole session, unless only a full one can tell.
 */
import {
  Document,
  type Extension,
  type afterLoadDocumentPayload,
  type afterUnloadDocumentPayload,
  type beforeUnloadDocumentPayload,
  type onAwarenessUpdatePayload,
} from '@hocuspocus/server'
import type * as Y from 'yjs'
import { SESSION_STREAM_NAMESPACE } from '../../shared/protocol/session-stream-path.ts'
import type { SessionEvent, SessionEventMember } from '../../shared/protocol/session-events.ts'
import {
  deriveChangedEvents,
  deriveSessionEvents,
  derivePresenceEvent,
  EMPTY_PROJECTION,
  type SessionProjection,
} from './derive-session-events.ts'
import type { StreamService } from '../durable-streams/stream-service.ts'
import { trackEntryChanges, type EntryChangeTracker } from './track-entry-changes.ts'
import type { StreamMeta } from '../durable-streams/stream-store.ts'

/** Options of {@link createSessionEventRecorder}. */
export interface SessionEventRecorderOptions {
  readonly service: StreamService
  readonly onError: (error: unknown) => void
  /** Clock in epoch ms (default Date.now). */
  readonly now?: () => number
  /** Devices present without a Yjs connection (http-presence.ts), joined to the awareness members. */
  readonly httpMembers?: (sessionId: string) => SessionEventMember[]
  /**
   * True for the awareness clientIDs under which this node publishes its HTTP devices (http-presence-awareness.ts):
   * they are counted once, from `httpMembers`, not again from awareness.
   */
  readonly isHttpDevice?: (sessionId: string, clientId: number) => boolean
}

/** The recorder: its extension, and a way to wait until a session's stream reflects its document. */
export interface SessionEventRecorder {
  readonly extension: Extension
  /** Derives and commits the events of a loaded session now; resolves with its stream's metadata. */
  flush(sessionId: string): Promise<StreamMeta | undefined>
  /** Stops recording `sessionId` (it is being erased); nothing more is derived for its loaded document. */
  forget(sessionId: string): void
  /** Every device present in `sessionId`: its Yjs devices (awareness) and its HTTP devices. */
  members(sessionId: string): SessionEventMember[]
  /**
   * Appends `event`, which the document does not hold (a message policy's decision), to the stream of `sessionId`;
   * failures go to `onError`.
   */
  append(sessionId: string, event: SessionEvent): Promise<void>
  /** Records a `presence` event for `sessionId` if its members changed (after an HTTP device came or went). */
  presenceChanged(sessionId: string): Promise<void>
  /** Resolves once every scheduled derivation has finished. */
  stop(): Promise<void>
}

/** Content type of session event streams: JSON mode, one event per message. */
const SESSION_STREAM_CONTENT_TYPE = 'application/json'

/** Creates the recorder over `options.service`. */
export function createSessionEventRecorder(options: SessionEventRecorderOptions): SessionEventRecorder {
  const { service } = options
  const now = options.now ?? Date.now
  const loaded = new Map<string, { doc: Document; changes: EntryChangeTracker }>()
  /** The awareness members of each loaded session, as last reported. */
  const awarenessMembers = new Map<string, SessionEventMember[]>()
  const members = (sessionId: string): SessionEventMember[] => [
    ...(awarenessMembers.get(sessionId) ?? []),
    ...(options.httpMembers?.(sessionId) ?? []),
  ]
  /**
   * The awareness members (as JSON) of each loaded session when its presence was last recorded: an awareness update
   * that leaves them as they were (a device renewing its state, every few seconds) has nothing to derive or store.
   */
  const recordedAwareness = new Map<string, string>()
  const recordPresence = (
    sessionId: string,
    awareness = JSON.stringify(awarenessMembers.get(sessionId) ?? []),
  ): Promise<unknown> =>
    record(sessionId, (projection) => derivePresenceEvent(members(sessionId), projection)).then(
      () => {
        if (loaded.has(sessionId)) recordedAwareness.set(sessionId, awareness)
      },
      (error: unknown) => {
        recordedAwareness.delete(sessionId)
        options.onError(error)
      },
    )

  const record = (
    sessionId: string,
    derive: (
      projection: SessionProjection,
      recorded: boolean,
    ) => { events: SessionEvent[]; projection: SessionProjection },
  ) =>
    service.update(`${SESSION_STREAM_NAMESPACE}${sessionId}`, (meta) => {
      const derived = derive((meta?.state as SessionProjection | undefined) ?? EMPTY_PROJECTION, meta !== undefined)
      if (meta !== undefined && derived.events.length === 0) return undefined
      const messages = derived.events.map((event) => Buffer.from(JSON.stringify(event), 'utf8'))
      const base: StreamMeta = meta ?? {
        path: `${SESSION_STREAM_NAMESPACE}${sessionId}`,
        contentType: SESSION_STREAM_CONTENT_TYPE,
        closed: false,
        createdAtMs: now(),
        touchedAtMs: now(),
        messageCount: 0,
        byteCount: 0,
        producers: {},
      }
      return {
        meta: {
          ...base,
          state: derived.projection,
          touchedAtMs: now(),
          messageCount: base.messageCount + messages.length,
          byteCount: base.byteCount + messages.reduce((sum, message) => sum + message.byteLength, 0),
        },
        messages,
      }
    })

  /** Set by stop(): the store closes next; what is not recorded by then is recorded when the session loads again. */
  let stopped = false
  const flush = async (sessionId: string): Promise<StreamMeta | undefined> => {
    if (stopped) return undefined
    const session = loaded.get(sessionId)
    if (session === undefined) return await service.update(`${SESSION_STREAM_NAMESPACE}${sessionId}`, () => undefined)
    const { changes, done } = session.changes.take()
    const meta = await record(sessionId, (projection, recorded) =>
      // A stream created now (or again, after an erasure) starts from the whole session.
      changes === undefined || !recorded
        ? deriveSessionEvents(session.doc, projection)
        : (deriveChangedEvents(session.doc, projection, changes) ?? deriveSessionEvents(session.doc, projection)),
    )
    done()
    return meta
  }
  /** Sessions with a derivation waiting for the next turn, and every derivation not yet finished. */
  const scheduled = new Set<string>()
  const running = new Set<Promise<unknown>>()
  const schedule = (sessionId: string): void => {
    if (scheduled.has(sessionId)) return
    scheduled.add(sessionId)
    const task = new Promise((resolve) => setImmediate(resolve))
      .then(async () => {
        scheduled.delete(sessionId)
        await flush(sessionId)
      })
      .catch(options.onError)
      .finally(() => running.delete(task))
    running.add(task)
  }

  /** One update listener for every loaded document: a closure per document would cost memory as long as it stays loaded. */
  const scheduleUpdated = (_update: Uint8Array, _origin: unknown, document: Y.Doc): void => {
    if (document instanceof Document) schedule(document.name)
  }
  const detach = (sessionId: string): void => {
    const session = loaded.get(sessionId)
    if (session === undefined) return
    session.doc.off('update', scheduleUpdated)
    session.changes.detach()
    loaded.delete(sessionId)
  }

  const extension: Extension = {
    extensionName: 'lifeline-session-events',
    // The event stream is derived and can be derived again: its failures are reported, never turned into a
    // failed document load or an unhandled rejection (which would end the process).
    async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload) {
      document.on('update', scheduleUpdated)
      loaded.set(documentName, { doc: document, changes: trackEntryChanges(document) })
      await flush(documentName).catch(options.onError)
    },
    async onAwarenessUpdate({ documentName, awareness }: onAwarenessUpdatePayload) {
      if (stopped || !loaded.has(documentName)) return
      const states = [...awareness.getStates()].filter(
        ([clientId]) => options.isHttpDevice?.(documentName, clientId) !== true,
      )
      const current = readMembers(states.map(([, state]) => state))
      awarenessMembers.set(documentName, current)
      const currentJson = JSON.stringify(current)
      if (recordedAwareness.get(documentName) === currentJson) return
      await recordPresence(documentName, currentJson)
    },
    async beforeUnloadDocument({ documentName }: beforeUnloadDocumentPayload) {
      await flush(documentName).catch(options.onError)
    },
    // Only once the session is unloaded: Hocuspocus gives up an unload when a device connects while the
    // beforeUnloadDocument hooks run, and the document it keeps must go on being recorded.
    async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload) {
      // No Yjs device is connected to an unloaded session; HTTP devices may still be there.
      awarenessMembers.delete(documentName)
      if (!stopped && loaded.has(documentName)) await recordPresence(documentName)
      detach(documentName)
      recordedAwareness.delete(documentName)
    },
  }

  return {
    extension,
    flush,
    forget(sessionId) {
      detach(sessionId)
      awarenessMembers.delete(sessionId)
      recordedAwareness.delete(sessionId)
    },
    members,
    async append(sessionId, event) {
      if (stopped) return
      await record(sessionId, (projection, recorded) => {
        // A stream created now starts from the whole session, as flush() would start it.
        const doc = loaded.get(sessionId)?.doc
        const derived =
          recorded || doc === undefined ? { events: [], projection } : deriveSessionEvents(doc, projection)
        return { events: [...derived.events, event], projection: derived.projection }
      }).catch(options.onError)
    },
    async presenceChanged(sessionId) {
      if (!stopped) await recordPresence(sessionId)
    },
    async stop() {
      stopped = true
      while (running.size > 0) await Promise.all(running)
    },
  }
}

/** The `member` fields of awareness states (set by the server from tokens when auth is on). */
function readMembers(states: ReadonlyArray<Record<string, unknown>>): SessionEventMember[] {
  const members: SessionEventMember[] = []
  for (const state of states) {
    const member = state.member as { principalId?: unknown; role?: unknown; device?: unknown } | undefined
    if (typeof member?.principalId !== 'string') continue
    members.push({
      principalId: member.principalId,
      ...(typeof member.role === 'string' ? { role: member.role } : {}),
      ...(typeof member.device === 'string' ? { device: member.device } : {}),
    })
  }
  return members
}
