/**
 * splitUpdate on real Yjs documents: an offline backlog cut into pieces that each fit, each integrating at once on a
 * replica that holds the pieces before it, and together giving exactly the backlog.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  appendMessage,
  appendSteer,
  appendText,
  initializeSession,
  readMessages,
  readSteering,
} from '../../shared/session/session-doc.ts'
import { createSeededRandom, type SeededRandom } from '../../shared/testing/seeded-random.ts'
import { splitUpdate } from './split-update.ts'

const KIB = 1024

/** A session as the server holds it, and a device's copy of it. */
function serverAndDevice(): { server: Y.Doc; device: Y.Doc } {
  const server = new Y.Doc()
  initializeSession(server, { title: 'backlog', createdAt: 0 })
  appendMessage(server, { id: 'm_first', role: 'user', author: 'alice', status: 'done', text: 'online', createdAt: 1 })
  const device = new Y.Doc()
  Y.applyUpdate(device, Y.encodeStateAsUpdate(server))
  return { server, device }
}

/** Applies `pieces` in order to a copy of `server`, checking each integrates at once; returns the copy. */
function applyPieces(server: Y.Doc, pieces: readonly Uint8Array[]): Y.Doc {
  const replica = new Y.Doc()
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(server))
  for (const piece of pieces) {
    Y.applyUpdate(replica, piece)
    expect(replica.store.pendingStructs).toBeNull()
    expect(replica.store.pendingDs).toBeNull()
  }
  return replica
}

const text = (random: SeededRandom, chars: number): string =>
  Array.from({ length: chars }, () => String.fromCharCode(random.int(97, 122))).join('')

describe('splitUpdate', () => {
  it('leaves an update that fits as it is', () => {
    const { server, device } = serverAndDevice()
    appendMessage(device, { id: 'm_small', role: 'user', author: 'alice', status: 'done', text: 'hi' })
    const update = Y.encodeStateAsUpdate(device, Y.encodeStateVector(server))
    expect(splitUpdate(update, 64 * KIB)).toEqual([update])
  })

  it('cuts an offline backlog into pieces that fit and together give the backlog', () => {
    const random = createSeededRandom(7)
    const { server, device } = serverAndDevice()
    for (let index = 0; index < 60; index++) {
      appendMessage(device, {
        id: `m_${index}`,
        role: 'user',
        author: 'alice',
        status: 'done',
        text: text(random, random.int(4_000, 16_000)),
      })
      if (index % 10 === 9)
        appendSteer(device, { id: `st_${index}`, kind: 'note', author: 'alice', text: `note ${index}` })
    }
    const update = Y.encodeStateAsUpdate(device, Y.encodeStateVector(server))
    expect(update.byteLength).toBeGreaterThan(512 * KIB)
    const pieces = splitUpdate(update, 64 * KIB)
    expect(pieces.length).toBeGreaterThan(8)
    for (const piece of pieces) expect(piece.byteLength).toBeLessThanOrEqual(64 * KIB)
    const replica = applyPieces(server, pieces)
    expect(readMessages(replica)).toEqual(readMessages(device))
    expect(readSteering(replica)).toEqual(readSteering(device))
    expect(Y.encodeStateVector(replica)).toEqual(Y.encodeStateVector(device))
  })

  it('orders the writes of several offline page loads so each piece refers only to what came before', () => {
    const random = createSeededRandom(11)
    const { server, device } = serverAndDevice()
    // Each reload writes under a new clientID, building on the entries of the loads before it.
    let load = device
    for (let reload = 0; reload < 4; reload++) {
      const next = new Y.Doc()
      Y.applyUpdate(next, Y.encodeStateAsUpdate(load))
      for (let index = 0; index < 6; index++) {
        const id = `m_${reload}_${index}`
        const message = appendMessage(next, { id, role: 'user', author: 'alice', status: 'done', text: '' })
        appendText(message, text(random, 3_000))
        appendText(message, text(random, 3_000))
      }
      load = next
    }
    const update = Y.encodeStateAsUpdate(load, Y.encodeStateVector(server))
    const pieces = splitUpdate(update, 16 * KIB)
    for (const piece of pieces) expect(piece.byteLength).toBeLessThanOrEqual(16 * KIB)
    const replica = applyPieces(server, pieces)
    expect(readMessages(replica).map((message) => message.text)).toEqual(readMessages(load).map((m) => m.text))
    expect(Y.encodeStateVector(replica)).toEqual(Y.encodeStateVector(load))
  })

  it('sends deletions in a last piece of their own', () => {
    const random = createSeededRandom(3)
    const { server, device } = serverAndDevice()
    for (let index = 0; index < 10; index++) {
      appendMessage(device, { id: `m_${index}`, role: 'user', author: 'a', status: 'done', text: text(random, 5_000) })
    }
    const notes = device.getMap<string>('context')
    notes.set('draft', 'first')
    notes.set('draft', 'second')
    const update = Y.encodeStateAsUpdate(device, Y.encodeStateVector(server))
    const pieces = splitUpdate(update, 8 * KIB)
    expect(Y.decodeUpdate(pieces.at(-1) as Uint8Array).structs).toEqual([])
    expect(Y.decodeUpdate(pieces.at(-1) as Uint8Array).ds.clients.size).toBe(1)
    const replica = applyPieces(server, pieces)
    expect(replica.getMap('context').toJSON()).toEqual({ draft: 'second' })
    expect(readMessages(replica)).toEqual(readMessages(device))
  })
})
