/**
 * Loaded session documents for HTTP stream requests: a Hocuspocus direct connection per session, kept open for
 * `idleMs` after its last use so that an agent appending every few hundred milliseconds does not load, unload
 * and compact the session on each request.
 */
import type { Document, Hocuspocus } from '@hocuspocus/server'
import { assert } from '../../shared/errors/invariant.ts'

/** A session document held open for one request. */
export interface HeldDocument {
  readonly document: Document
  /** Ends this request's hold; the connection closes after `idleMs` without holds. */
  release(): void
}

/** Options of {@link createSessionDocuments}. */
export interface SessionDocumentsOptions {
  readonly hocuspocus: () => Hocuspocus
  /** How long an unused document stays loaded, in ms (default 10000). */
  readonly idleMs?: number
  readonly onError: (error: unknown) => void
}

/** Holds session documents open for HTTP requests. */
export interface SessionDocuments {
  /** Loads (or reuses) the document of `sessionId`; the caller must release it. */
  hold(sessionId: string): Promise<HeldDocument>
  /** Closes the direct connection of `sessionId` now, if any (the session is being erased). */
  drop(sessionId: string): Promise<void>
  /** Closes every direct connection. */
  closeAll(): Promise<void>
}

interface Entry {
  readonly connection: Promise<Awaited<ReturnType<Hocuspocus['openDirectConnection']>>>
  holds: number
  timer: ReturnType<typeof setTimeout> | undefined
}

/** Creates the holder. */
export function createSessionDocuments(options: SessionDocumentsOptions): SessionDocuments {
  const idleMs = options.idleMs ?? 10_000
  const entries = new Map<string, Entry>()
  const close = (sessionId: string, entry: Entry): Promise<void> => {
    entries.delete(sessionId)
    return entry.connection
      .then(async (connection) => {
        await connection.disconnect()
      })
      .catch(options.onError)
  }
  return {
    async hold(sessionId) {
      let entry = entries.get(sessionId)
      if (entry === undefined) {
        entry = { connection: options.hocuspocus().openDirectConnection(sessionId), holds: 0, timer: undefined }
        entries.set(sessionId, entry)
        entry.connection.catch(() => {
          entries.delete(sessionId)
        })
      }
      const held = entry
      held.holds += 1
      clearTimeout(held.timer)
      const connection = await held.connection.catch((error: unknown) => {
        held.holds -= 1
        throw error
      })
      const document = connection.document
      assert(document !== null, `direct connection to ${sessionId} has no document`)
      return {
        document,
        release: () => {
          held.holds -= 1
          if (held.holds === 0 && entries.get(sessionId) === held)
            held.timer = setTimeout(() => {
              void close(sessionId, held)
            }, idleMs)
        },
      }
    },
    async drop(sessionId) {
      const entry = entries.get(sessionId)
      if (entry === undefined) return
      clearTimeout(entry.timer)
      await close(sessionId, entry)
    },
    async closeAll() {
      await Promise.all(
        [...entries].map(([sessionId, entry]) => {
          clearTimeout(entry.timer)
          return close(sessionId, entry)
        }),
      )
    },
  }
}
