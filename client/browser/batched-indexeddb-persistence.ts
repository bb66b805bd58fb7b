/**
 * BatchedIndexeddbPersistence: y-indexeddb's IndexeddbPersistence, with the updates received from the server written
 * in batches instead of one IndexedDB transaction each, in the task that received them (docs/offline.md § What is
 * written when). y-indexeddb's own update handler is detached and this one installed: a received update waits, merged
 * with the others of its batch, until `OFFLINE_COPY_BATCH_MS` after the batch's first update and then an idle moment
 * (at most `OFFLINE_COPY_IDLE_WAIT_MS` more), so the write comes after the frames that show the tokens. Any other
 * update — the person's own writes, an on-device agent's — is written at once, with the batch so far. The batch is
 * also written when the page is hidden or left, and before the copy is destroyed (and so before it is erased).
 *
 * Each write is one record of y-indexeddb's `updates` store, as its own handler writes, and y-indexeddb's compaction
 * (the whole state written as one update once the store holds `PREFERRED_TRIM_SIZE` records) is scheduled as it does:
 * the stored format is unchanged, so any y-indexeddb reads the copy. Unlike its handler, each write commits its
 * transaction at once, so the write made as the page is left is not lost with the page.
 */
import { IndexeddbPersistence, PREFERRED_TRIM_SIZE, storeState } from 'y-indexeddb'
import type * as Y from 'yjs'
import { type BatchScheduler, createUpdateBatcher, type UpdateBatcher } from './update-batcher.ts'

/**
 * Wait from a batch's first received update until it is written, in ms. Tokens arrive every few tens of ms while a
 * reply streams: one write per 200 ms is a few writes a second whatever the pace, and a reload or a closed tab within
 * that time still gets the batch (it is written on `pagehide`).
 */
const OFFLINE_COPY_BATCH_MS = 200

/** y-indexeddb's object store of document updates. */
const UPDATES_STORE = 'updates'

/** Longest wait for an idle moment after {@link OFFLINE_COPY_BATCH_MS}, in ms, where the browser has idle callbacks. */
const OFFLINE_COPY_IDLE_WAIT_MS = 100

/** Options of {@link BatchedIndexeddbPersistence}. */
export interface BatchedIndexeddbPersistenceOptions {
  /** Whether an update with this transaction origin came from the server (it may wait for its batch). */
  readonly isReceived: (origin: unknown) => boolean
}

/** The default schedule: a timer, then an idle callback where the browser has them. */
const afterBatchWait: BatchScheduler = (flush) => {
  let idle: number | undefined
  const timer = setTimeout(() => {
    if (typeof requestIdleCallback === 'function')
      idle = requestIdleCallback(flush, { timeout: OFFLINE_COPY_IDLE_WAIT_MS })
    else flush()
  }, OFFLINE_COPY_BATCH_MS)
  return () => {
    clearTimeout(timer)
    if (idle !== undefined) cancelIdleCallback(idle)
  }
}

/** An IndexedDB copy of `doc` that writes received updates in batches; see the module comment. */
export class BatchedIndexeddbPersistence extends IndexeddbPersistence {
  readonly #batch: UpdateBatcher
  readonly #onUpdate: (update: Uint8Array, origin: unknown) => void
  readonly #flushNow = (): void => {
    this.#batch.flush()
  }
  readonly #flushWhenHidden = (): void => {
    if (globalThis.document?.visibilityState === 'hidden') this.#batch.flush()
  }

  /** Opens (or creates) the database `name` for `doc`, like IndexeddbPersistence. */
  constructor(name: string, doc: Y.Doc, options: BatchedIndexeddbPersistenceOptions) {
    super(name, doc)
    doc.off('update', this._storeUpdate)
    this.#batch = createUpdateBatcher({
      write: (update) => {
        this.#store(update)
      },
      schedule: afterBatchWait,
    })
    this.#onUpdate = (update, origin) => {
      if (origin === this) return
      if (options.isReceived(origin)) this.#batch.defer(update)
      else this.#batch.writeNow(update)
    }
    doc.on('update', this.#onUpdate)
    globalThis.addEventListener?.('pagehide', this.#flushNow)
    globalThis.document?.addEventListener('visibilitychange', this.#flushWhenHidden)
  }

  /**
   * Stores one update as y-indexeddb's own handler does — one record in its `updates` store, and its compaction
   * scheduled once the store holds `PREFERRED_TRIM_SIZE` records — but commits the transaction at once: a write made
   * while the page is being left must not wait for the request's answer to commit, or it is lost with the page.
   * Before the database is open nothing is written: the copy's first write, when it opens, holds the whole document.
   */
  #store(update: Uint8Array): void {
    if (this.db === null || this._destroyed) return
    const transaction = this.db.transaction([UPDATES_STORE], 'readwrite')
    transaction.objectStore(UPDATES_STORE).add(update)
    transaction.commit()
    if (++this._dbsize < PREFERRED_TRIM_SIZE) return
    if (this._storeTimeoutId !== null) clearTimeout(this._storeTimeoutId)
    this._storeTimeoutId = setTimeout(() => {
      void storeState(this, false)
      this._storeTimeoutId = null
    }, this._storeTimeout)
  }

  /** Writes the batch waiting, then stops like IndexeddbPersistence's `destroy` (also used by `clearData`). */
  override destroy(): Promise<void> {
    if (!this._destroyed) {
      this.#batch.flush()
      this.doc.off('update', this.#onUpdate)
      globalThis.removeEventListener?.('pagehide', this.#flushNow)
      globalThis.document?.removeEventListener('visibilitychange', this.#flushWhenHidden)
    }
    return super.destroy()
  }
}
