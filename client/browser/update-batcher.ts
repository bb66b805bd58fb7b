/**
 * createUpdateBatcher: collects Yjs updates and hands them on merged, one update per batch. The offline copy uses it
 * for the updates received from the server (docs/offline.md § What is written when): storing each of them in its own
 * IndexedDB transaction, in the task that received it, made every streamed token wait for a write before its frame.
 * Received updates are durable on the server already, so a batch lost to a crash costs a re-download on the next
 * sync, never data. A local update is written at once, with the batch so far, in one write.
 */
import * as Y from 'yjs'

/** Runs `flush` later, once; returns a function that cancels that run. */
export type BatchScheduler = (flush: () => void) => () => void

/** Options of {@link createUpdateBatcher}. */
export interface UpdateBatcherOptions {
  /** Stores one update (a single one as it came, several merged with `Y.mergeUpdates`). */
  readonly write: (update: Uint8Array) => void
  /** When the batch is written: asked once per batch, at its first update. */
  readonly schedule: BatchScheduler
}

/** A batch of updates waiting to be written. */
export interface UpdateBatcher {
  /** Adds an update that may wait: it is written with its batch, when the schedule runs or at the next flush. */
  defer(update: Uint8Array): void
  /** Writes an update now, together with the batch waiting, as one update. */
  writeNow(update: Uint8Array): void
  /** Writes the batch waiting, if any, and cancels its scheduled run. */
  flush(): void
}

/** Creates a batcher writing through `options.write` when `options.schedule` says so. */
export function createUpdateBatcher(options: UpdateBatcherOptions): UpdateBatcher {
  let waiting: Uint8Array[] = []
  let cancel: (() => void) | undefined
  const writeAll = (): void => {
    cancel?.()
    cancel = undefined
    const updates = waiting
    if (updates.length === 0) return
    waiting = []
    options.write(updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates))
  }
  return {
    defer(update) {
      waiting.push(update)
      cancel ??= options.schedule(writeAll)
    },
    writeNow(update) {
      waiting.push(update)
      writeAll()
    },
    flush: writeAll,
  }
}
