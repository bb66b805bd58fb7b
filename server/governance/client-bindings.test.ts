/**
 * ClientID bindings and attribution: first use binds, another principal is refused, the same principal takes a
 * clientID over from a live connection, and after a restart the document tells who wrote each clientID — the
 * server's own (and any clientID whose writes point at several owners) belongs to nobody.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  appendMessage,
  appendSteer,
  getSessionRoots,
  initializeSession,
  markSteerHandled,
  startRun,
} from '../../shared/session/session-doc.ts'
import { attributeClientId, SERVER_OWNER } from './attribute-client.ts'
import { createClientBindings } from './client-bindings.ts'

/** A session written by alice (1001), agent-1 (2001), the server and a run-lease change by the server. */
function writtenSession(): { doc: Y.Doc; serverId: number } {
  const doc = new Y.Doc()
  const serverId = doc.clientID
  initializeSession(doc, { title: 't', createdAt: 1 })
  const write = (clientId: number, change: (replica: Y.Doc) => void): void => {
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    replica.clientID = clientId
    replica.transact(() => {
      change(replica)
    })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(replica))
  }
  write(1001, (replica) => {
    appendMessage(replica, { id: 'm_q', role: 'user', author: 'alice', status: 'done', text: 'hi' })
    appendSteer(replica, { id: 'st', kind: 'note', author: 'alice' })
  })
  write(2001, (replica) => {
    startRun(replica, { id: 'r_1', agent: 'agent-1', messageId: 'm_a', startedAt: 1 })
    appendMessage(replica, { id: 'm_a', role: 'assistant', author: 'agent-1', status: 'streaming', text: 'yo' })
    markSteerHandled(getSessionRoots(replica).steering.get(0), 'agent-1', 2)
  })
  write(3001, (replica) => {
    getSessionRoots(replica).context.set('notes', 'only context')
  })
  // The run lease: the server marks agent-1's run interrupted with its own clientID.
  getSessionRoots(doc).runs.get('r_1')?.set('state', 'interrupted')
  return { doc, serverId }
}

describe('attributeClientId', () => {
  it('names the principal each clientID wrote for, from the document alone', () => {
    const { doc, serverId } = writtenSession()
    const reloaded = new Y.Doc()
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(doc))
    expect(attributeClientId(reloaded, 1001)).toEqual({ kind: 'owner', owner: 'alice' })
    expect(attributeClientId(reloaded, 2001)).toEqual({ kind: 'owner', owner: 'agent-1' })
    expect(attributeClientId(reloaded, serverId)).toEqual({ kind: 'contested' }) // meta (server) and agent-1's run
    expect(attributeClientId(reloaded, 3001)).toEqual({ kind: 'unknown' }) // only the context map
    expect(attributeClientId(reloaded, 4001)).toEqual({ kind: 'unknown' })
  })

  it('attributes a clientID that only initialised the session to the server', () => {
    const doc = new Y.Doc()
    initializeSession(doc, { title: 't', createdAt: 1 })
    expect(attributeClientId(doc, doc.clientID)).toEqual({ kind: 'owner', owner: SERVER_OWNER })
  })
})

describe('createClientBindings', () => {
  it('binds on first use and refuses other principals', () => {
    const { doc } = writtenSession()
    const live = new Set<object>()
    const bindings = createClientBindings({ doc, isLive: (holder) => live.has(holder) })
    const phone = {}
    expect(bindings.check(5001, 'bob')).toBe('free')
    expect(bindings.bind(5001, 'bob', phone)).toBeUndefined()
    live.add(phone)
    expect(bindings.check(5001, 'bob')).toBe('own')
    expect(bindings.check(5001, 'alice')).toBe('foreign')
    expect(() => bindings.bind(5001, 'alice', {})).toThrow(/invariant/)
    expect(bindings.countHeldBy(phone)).toBe(1)
    expect(bindings.countHeldBy(phone, [5001, 5002])).toBe(2)
  })

  it('lets a newer connection of the same principal take a clientID over from a live one', () => {
    const { doc } = writtenSession()
    const live = new Set<object>()
    const bindings = createClientBindings({ doc, isLive: (holder) => live.has(holder) })
    const old = {}
    const fresh = {}
    bindings.bind(5001, 'bob', old)
    live.add(old)
    expect(bindings.bind(5001, 'bob', fresh)).toBe(old)
    expect(bindings.countHeldBy(old)).toBe(0)
    live.delete(old)
    expect(bindings.bind(5001, 'bob', old)).toBeUndefined() // the superseded one is gone: nothing to close
  })

  it('forgets a released holder and keeps its clientIDs bound to the principal', () => {
    const { doc } = writtenSession()
    const bindings = createClientBindings({ doc, isLive: () => true })
    const closed = {}
    bindings.bind(5001, 'bob', closed)
    bindings.release(closed)
    expect(bindings.countHeldBy(closed)).toBe(0)
    expect(bindings.check(5001, 'bob')).toBe('own')
    expect(bindings.check(5001, 'alice')).toBe('foreign')
    // isLive says every holder is live: a released one is no longer the holder, so there is nothing to close
    expect(bindings.bind(5001, 'bob', {})).toBeUndefined()
  })

  it('after a restart, knows clientIDs from the document and reserves the server', () => {
    const { doc, serverId } = writtenSession()
    const restarted = new Y.Doc()
    Y.applyUpdate(restarted, Y.encodeStateAsUpdate(doc))
    const bindings = createClientBindings({ doc: restarted, isLive: () => true })
    bindings.bindServer(restarted.clientID)
    expect(bindings.check(2001, 'agent-1')).toBe('own')
    expect(bindings.check(2001, 'alice')).toBe('foreign')
    expect(bindings.check(1001, 'alice')).toBe('own')
    expect(bindings.check(serverId, 'agent-1')).toBe('foreign')
    expect(bindings.check(3001, 'agent-1')).toBe('foreign')
    expect(bindings.check(restarted.clientID, 'alice')).toBe('foreign')
  })
})
