/**
 * Property (fast-check): any Y.Doc built from random writes into the session roots (shared/testing/random-session-writes.ts)
 * never makes a reader throw, read directly or loaded from its encoded state. Every view is plain JSON, and the messages the
 * views show plus those findQuarantined lists are exactly the entries of `messages`.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { testSeed } from '../testing/seeded-random.ts'
import { findQuarantined } from './find-quarantined.ts'
import { applySessionWrite, sessionWriteArb } from '../testing/random-session-writes.ts'
import {
  findMessage,
  getSessionRoots,
  listMessages,
  listRuns,
  readMessages,
  readRuns,
  readSteering,
  readTranscript,
} from './session-doc.ts'
import { SESSION_ROOTS } from './session-schema.ts'

/** Runs every reader on `doc` and checks what they show against findQuarantined. */
function readEverything(doc: Y.Doc): void {
  const transcript = readTranscript('s', doc)
  expect(JSON.parse(JSON.stringify(transcript))).toEqual(transcript)
  expect(readMessages(doc)).toEqual(transcript.messages)
  expect(readRuns(doc)).toEqual(transcript.runs)
  expect(readSteering(doc)).toEqual(transcript.steering)
  const quarantined = findQuarantined(doc)
  const messageCount = getSessionRoots(doc).messages.length
  const quarantinedMessages = quarantined
    .filter((entry) => entry.root === SESSION_ROOTS.MESSAGES)
    .map((entry) => entry.index)
  expect(listMessages(doc).length + quarantinedMessages.length).toBe(messageCount)
  expect(transcript.steering.length + quarantined.filter((entry) => entry.root === SESSION_ROOTS.STEERING).length).toBe(
    getSessionRoots(doc).steering.length,
  )
  expect(listRuns(doc).length + quarantined.filter((entry) => entry.root === SESSION_ROOTS.RUNS).length).toBe(
    getSessionRoots(doc).runs.size,
  )
  for (const message of transcript.messages) expect(findMessage(doc, message.id)).toBeDefined()
}

describe('session readers over random documents', () => {
  it('never throw, and show exactly the entries that are not quarantined', () => {
    fc.assert(
      fc.property(fc.array(sessionWriteArb, { minLength: 1, maxLength: 40 }), (writes) => {
        const doc = new Y.Doc()
        for (const write of writes) {
          applySessionWrite(doc, write)
          readEverything(doc)
        }
        const loaded = new Y.Doc()
        Y.applyUpdate(loaded, Y.encodeStateAsUpdate(doc))
        readEverything(loaded)
        expect(findQuarantined(loaded)).toEqual(findQuarantined(doc))
      }),
      { numRuns: 300, seed: testSeed(20_261_201) },
    )
  })

  it.each(Object.values(SESSION_ROOTS))(
    'reads a document whose %s root holds keyed entries where a list is expected, or the reverse',
    (root) => {
      const writer = new Y.Doc()
      const list = root === SESSION_ROOTS.MESSAGES || root === SESSION_ROOTS.STEERING
      if (list) writer.getMap<unknown>(root).set('k', 'keyed entry in a list root')
      else writer.getArray<unknown>(root).push(['list entry in a map root'])
      const doc = new Y.Doc()
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer))
      readEverything(doc)
      expect(findQuarantined(doc)).toEqual([])
    },
  )
})
