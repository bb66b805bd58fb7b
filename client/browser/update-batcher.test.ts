/**
 * The offline copy's batching of received updates, on real Yjs documents with the schedule run by hand: a burst is
 * one write holding every update, a local update is written at once with the batch so far, and a flush writes what
 * waits.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createUpdateBatcher } from './update-batcher.ts'

/** A batcher whose writes are recorded and whose scheduled runs wait until the test runs them. */
function batcherUnderTest() {
  const writes: Uint8Array[] = []
  const scheduled: Array<{ run: () => void; cancelled: boolean }> = []
  const batcher = createUpdateBatcher({
    write: (update) => {
      writes.push(update)
    },
    schedule: (flush) => {
      const entry = { run: flush, cancelled: false }
      scheduled.push(entry)
      return () => {
        entry.cancelled = true
      }
    },
  })
  return { batcher, writes, scheduled }
}

/** The updates of `count` appends to a text, one per transaction, as a streamed reply's tokens arrive. */
function tokenUpdates(count: number): { updates: Uint8Array[]; text: string } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  const text = doc.getText('reply')
  for (let index = 0; index < count; index++) text.insert(text.length, `token${index} `)
  return { updates, text: text.toString() }
}

/** The reply text of a fresh document holding `updates`. */
function replyText(updates: readonly Uint8Array[]): string {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc.getText('reply').toString()
}

describe('createUpdateBatcher', () => {
  it('writes a burst of received updates as one update, when its schedule runs', () => {
    const { batcher, writes, scheduled } = batcherUnderTest()
    const burst = tokenUpdates(50)
    for (const update of burst.updates) batcher.defer(update)
    expect(writes).toEqual([])
    expect(scheduled).toHaveLength(1)

    scheduled[0]?.run()
    expect(writes).toHaveLength(1)
    expect(replyText(writes)).toBe(burst.text)
    batcher.flush() // nothing is left waiting
    expect(writes).toHaveLength(1)
  })

  it('writes a local update at once, with the batch waiting, and cancels its scheduled run', () => {
    const { batcher, writes, scheduled } = batcherUnderTest()
    const stream = tokenUpdates(4)
    for (const update of stream.updates.slice(0, 3)) batcher.defer(update)
    batcher.writeNow(stream.updates[3] as Uint8Array)
    expect(writes).toHaveLength(1)
    expect(replyText(writes)).toBe(stream.text)
    expect(scheduled[0]?.cancelled).toBe(true)

    const alone = tokenUpdates(1)
    batcher.writeNow(alone.updates[0] as Uint8Array)
    expect(writes[1]).toEqual(alone.updates[0])
  })

  it('starts a new batch, with its own schedule, after a write', () => {
    const { batcher, writes, scheduled } = batcherUnderTest()
    const stream = tokenUpdates(4)
    batcher.defer(stream.updates[0] as Uint8Array)
    batcher.defer(stream.updates[1] as Uint8Array)
    scheduled[0]?.run()
    batcher.defer(stream.updates[2] as Uint8Array)
    batcher.defer(stream.updates[3] as Uint8Array)
    expect(scheduled).toHaveLength(2)
    scheduled[1]?.run()
    expect(writes).toHaveLength(2)
    expect(replyText(writes)).toBe(stream.text)
  })

  it('writes what waits on flush, and nothing when nothing waits', () => {
    const { batcher, writes, scheduled } = batcherUnderTest()
    batcher.flush()
    expect(writes).toEqual([])
    const stream = tokenUpdates(3)
    for (const update of stream.updates) batcher.defer(update)
    batcher.flush()
    batcher.flush()
    expect(writes).toHaveLength(1)
    expect(replyText(writes)).toBe(stream.text)
    expect(scheduled[0]?.cancelled).toBe(true)
  })
})
