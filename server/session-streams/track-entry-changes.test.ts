/**
 * trackEntryChanges with deriveChangedEvents (the event recorder's incremental derivation): on real session documents
 * — random writes anywhere in the tree, conversations between replicas, streaming replies, steers, deletions —
 * deriving from the changed entries gives exactly the events and projection of a full derivation; the tracker names
 * only the entries a change touched, hands a failed derivation's entries to the next one, and asks for a full
 * derivation first, until one is done, and while ids repeat.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { conversationStepArb, playConversation } from '../../shared/testing/concurrent-conversation.ts'
import { applySessionWrite, sessionWriteArb } from '../../shared/testing/random-session-writes.ts'
import { testSeed } from '../../shared/testing/seeded-random.ts'
import {
  appendMessage,
  appendSteer,
  appendText,
  findMessage,
  getSessionRoots,
  setMessageStatus,
} from '../../shared/session/session-doc.ts'
import {
  deriveChangedEvents,
  deriveSessionEvents,
  EMPTY_PROJECTION,
  type SessionProjection,
} from './derive-session-events.ts'
import { trackEntryChanges, type EntryChangeTracker, type EntryChanges } from './track-entry-changes.ts'

/** Derives as the recorder does and checks it against a full derivation; returns the projection after it. */
function deriveAndCompare(doc: Y.Doc, tracker: EntryChangeTracker, projection: SessionProjection): SessionProjection {
  const { changes: changed, done } = tracker.take()
  const full = deriveSessionEvents(doc, projection)
  done()
  // Through JSON, as a store returns the projection.
  const stored = JSON.parse(JSON.stringify(projection)) as SessionProjection
  const derived = changed === undefined ? undefined : deriveChangedEvents(doc, stored, changed)
  if (derived !== undefined) {
    expect(derived.events).toEqual(full.events)
    expect(JSON.parse(JSON.stringify(derived.projection))).toEqual(JSON.parse(JSON.stringify(full.projection)))
  }
  return full.projection
}

describe('trackEntryChanges and deriveChangedEvents', () => {
  it('derive what a full derivation derives, after random writes, one or several between derivations', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sessionWriteArb, fc.boolean()), { minLength: 1, maxLength: 60 }), (writes) => {
        const doc = new Y.Doc()
        const tracker = trackEntryChanges(doc)
        let projection = EMPTY_PROJECTION
        for (const [write, derive] of writes) {
          applySessionWrite(doc, write)
          if (derive) projection = deriveAndCompare(doc, tracker, projection)
        }
        deriveAndCompare(doc, tracker, projection)
        tracker.detach()
      }),
      { numRuns: 200, seed: testSeed(20_261_206) },
    )
  })

  it('derive what a full derivation derives while several replies stream and steers arrive between derivations', () => {
    const streamArb = fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('text' as const), reply: fc.integer({ min: 0, max: 3 }), text: fc.string() }),
        fc.record({ kind: fc.constant('done' as const), reply: fc.integer({ min: 0, max: 3 }) }),
        fc.record({ kind: fc.constant('steer' as const), id: fc.integer({ min: 0, max: 5 }) }),
        fc.record({ kind: fc.constant('derive' as const) }),
      ),
      { maxLength: 40 },
    )
    fc.assert(
      fc.property(streamArb, (steps) => {
        const doc = new Y.Doc()
        for (let index = 0; index < 4; index++)
          appendMessage(doc, { id: `r-${index}`, role: 'assistant', author: 'agent', status: 'streaming', text: '' })
        const tracker = trackEntryChanges(doc)
        let projection = deriveAndCompare(doc, tracker, EMPTY_PROJECTION)
        for (const step of steps) {
          if (step.kind === 'derive') projection = deriveAndCompare(doc, tracker, projection)
          else if (step.kind === 'steer')
            appendSteer(doc, { id: `s-${step.id}`, kind: 'stop', author: 'bob', createdAt: step.id })
          else {
            const reply = findMessage(doc, `r-${step.reply}`) as Y.Map<unknown>
            if (step.kind === 'text') appendText(reply, step.text)
            else setMessageStatus(reply, 'done')
          }
        }
        deriveAndCompare(doc, tracker, projection)
      }),
      { numRuns: 200, seed: testSeed(20_261_208) },
    )
  })

  it('derive what a full derivation derives, on the server replica of a conversation', () => {
    fc.assert(
      fc.property(fc.array(conversationStepArb, { minLength: 1, maxLength: 30 }), (steps) => {
        const replicas = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
        const server = replicas[0] as Y.Doc
        const tracker = trackEntryChanges(server)
        let projection = EMPTY_PROJECTION
        playConversation(replicas, steps, () => {
          projection = deriveAndCompare(server, tracker, projection)
        })
      }),
      { numRuns: 150, seed: testSeed(20_261_207) },
    )
  })

  it('names only the entries a change touched, and derives a streaming reply and a steer from them alone', () => {
    const doc = new Y.Doc()
    for (let index = 0; index < 50; index++)
      appendMessage(doc, { id: `m-${index}`, role: 'user', author: 'alice', status: 'done', text: `q ${index}` })
    appendMessage(doc, { id: 'r', role: 'assistant', author: 'agent', status: 'streaming', text: 'Hel' })
    const tracker = trackEntryChanges(doc)
    /** Takes the next derivation's entries and marks it done. */
    const take = (): EntryChanges | undefined => {
      const { changes, done } = tracker.take()
      done()
      return changes
    }
    expect(take()).toBeUndefined() // the first derivation reads all
    let projection = deriveSessionEvents(doc, EMPTY_PROJECTION).projection
    const reply = findMessage(doc, 'r') as Y.Map<unknown>
    appendText(reply, 'lo')
    let changed = take()
    expect([...(changed?.messages ?? [])]).toEqual([reply])
    const delta = deriveChangedEvents(doc, projection, changed as EntryChanges)
    expect(delta?.events).toEqual([{ type: 'message.delta', messageId: 'r', part: 0, partType: 'text', text: 'lo' }])
    projection = delta?.projection as SessionProjection
    setMessageStatus(reply, 'done')
    appendSteer(doc, { id: 's-1', kind: 'stop', author: 'bob', createdAt: 5 })
    changed = take()
    expect(changed?.messages.size).toBe(1)
    expect(changed?.steers.size).toBe(1)
    const derived = deriveChangedEvents(doc, projection, changed as EntryChanges)
    expect(derived?.events.map((event) => event.type)).toEqual(['message.done', 'steer'])
    expect(derived?.projection.steers).toEqual(['s-1'])
    // A new message needs the session order: the whole document.
    appendMessage(doc, { id: 'm-new', role: 'user', author: 'alice', status: 'done', text: 'more' })
    expect(deriveChangedEvents(doc, derived?.projection as SessionProjection, take() as EntryChanges)).toBeUndefined()
  })

  it('reads all first, again until a full derivation is done, and while two messages share an id', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'm-1', role: 'user', author: 'alice', status: 'done', text: 'q' })
    const tracker = trackEntryChanges(doc)
    const failedFull = tracker.take() // never done: its commit failed
    expect(failedFull.changes).toBeUndefined()
    const full = tracker.take()
    expect(full.changes).toBeUndefined()
    full.done()
    const none = tracker.take()
    expect(none.changes).toEqual({ messages: new Set(), steers: new Set() })
    none.done()
    appendMessage(doc, { id: 'm-1', role: 'user', author: 'mallory', status: 'done', text: 'same id' })
    expect(tracker.take().changes).toBeUndefined()
    getSessionRoots(doc).messages.delete(1, 1)
    const unique = tracker.take() // the repeated id is gone, but the full derivation before this one is not done
    expect(unique.changes).toBeUndefined()
    unique.done()
    const first = getSessionRoots(doc).messages.get(0) as Y.Map<unknown>
    first.set('id', 'm-2')
    const failed = tracker.take() // never done
    expect([...(failed.changes?.messages ?? [])]).toEqual([first])
    appendMessage(doc, { id: 'm-1', role: 'user', author: 'alice', status: 'done', text: 'unique again' })
    const next = tracker.take()
    expect(next.changes?.messages.size).toBe(2) // the failed derivation's entry, and the new one
    next.done()
    expect(tracker.take().changes?.messages.size).toBe(0)
    tracker.detach()
    appendText(findMessage(doc, 'm-2') as Y.Map<unknown>, ' after detach')
    expect(tracker.take().changes?.messages.size).toBe(0)
  })
})
