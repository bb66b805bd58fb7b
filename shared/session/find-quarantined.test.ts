/**
 * Quarantine in the readers: a document loaded with entries of every odd shape (as a bug, an older version or a
 * hand-made update would store them) reads without throwing; every view shows exactly the entries that fit, and
 * findQuarantined lists the others with where they are and why.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { yMapOf } from '../testing/y-map-of.ts'
import { findQuarantined } from './find-quarantined.ts'
import {
  appendMessage,
  appendSteer,
  findMessage,
  getSessionRoots,
  initializeSession,
  listMessages,
  listRuns,
  readMessages,
  readRuns,
  readSteering,
  readTranscript,
  startRun,
} from './session-doc.ts'

/** A session with good entries and, written by another replica, entries of every odd shape; read as loaded. */
function loadOddSession(): Y.Doc {
  const writer = new Y.Doc()
  initializeSession(writer, { title: 'Odd', createdAt: 1 })
  appendMessage(writer, { id: 'm_good', role: 'user', author: 'alice', status: 'done', text: 'hello', createdAt: 2 })
  appendSteer(writer, { id: 's_good', kind: 'note', author: 'alice', text: 'psst', createdAt: 3 })
  startRun(writer, { id: 'run_good', agent: 'bot', messageId: 'm_reply', startedAt: 4 })
  appendMessage(writer, {
    id: 'm_reply',
    role: 'assistant',
    author: 'bot',
    status: 'streaming',
    runId: 'run_good',
    text: 'hi',
    createdAt: 5,
  })
  const { messages, steering, runs, meta } = getSessionRoots(writer)
  const oddMessages = messages as Y.Array<unknown>
  writer.transact(() => {
    oddMessages.push(['a string', 42, new Y.Text('text'), new Y.Array()])
    const partList = new Y.Array<unknown>()
    partList.push(['not a map'])
    oddMessages.push([
      yMapOf({ id: 'm_parts', role: 'user', author: 'mallory', parts: 'not a list' }),
      yMapOf({ id: 'm_part', role: 'user', author: 'mallory', parts: partList }),
    ])
    ;(steering as Y.Array<unknown>).push([7])
    ;(runs as Y.Map<unknown>).set('run_string', 'running')
    meta.set('title', new Y.Map())
  })
  // A later write that breaks an entry that fitted.
  const good = findMessage(writer, 'm_good')
  good?.set('status', 'archived')
  const reader = new Y.Doc()
  Y.applyUpdate(reader, Y.encodeStateAsUpdate(writer))
  return reader
}

describe('readers over quarantined entries (PROTOCOL.md §1.3)', () => {
  it('show only the entries that fit and never throw', () => {
    const doc = loadOddSession()
    expect(readMessages(doc).map((message) => [message.id, message.text])).toEqual([['m_reply', 'hi']])
    expect(listMessages(doc).map((message) => message.get('id'))).toEqual(['m_reply'])
    expect(readSteering(doc).map((steer) => steer.id)).toEqual(['s_good'])
    expect(readRuns(doc).map((run) => run.id)).toEqual(['run_good'])
    expect(listRuns(doc).map(([id]) => id)).toEqual(['run_good'])
    expect(findMessage(doc, 'm_good')).toBeUndefined()
    expect(findMessage(doc, 'm_parts')).toBeUndefined()
    expect(findMessage(doc, 'm_reply')?.get('author')).toBe('bot')
    const transcript = readTranscript('s', doc)
    expect(transcript).toMatchObject({ id: 's', schema: 1, title: '', createdAt: 1 })
    expect(transcript.messages.map((message) => message.id)).toEqual(['m_reply'])
    expect(() => JSON.stringify(transcript)).not.toThrow()
  })

  it('findQuarantined lists each misfit with its root, place, id, path and reason', () => {
    expect(findQuarantined(loadOddSession())).toEqual([
      { root: 'meta', key: 'title', path: [], reason: 'must be a string' },
      {
        root: 'messages',
        index: 0,
        id: 'm_good',
        path: ['status'],
        reason: expect.stringMatching(/^status must be one of/) as unknown,
      },
      { root: 'messages', index: 2, path: [], reason: 'a message must be a Y.Map' },
      { root: 'messages', index: 3, path: [], reason: 'a message must be a Y.Map' },
      { root: 'messages', index: 4, path: [], reason: 'a message must be a Y.Map' },
      { root: 'messages', index: 5, path: [], reason: 'a message must be a Y.Map' },
      { root: 'messages', index: 6, id: 'm_parts', path: ['parts'], reason: 'parts must be a Y.Array' },
      { root: 'messages', index: 7, id: 'm_part', path: ['parts', 0], reason: 'a part must be a Y.Map' },
      { root: 'steering', index: 1, path: [], reason: 'a steer must be a Y.Map' },
      { root: 'runs', key: 'run_string', path: [], reason: 'a run must be a Y.Map' },
    ])
  })

  it('finds nothing in a session written by the SDKs', () => {
    const doc = new Y.Doc()
    initializeSession(doc, { title: 'Fine', createdAt: 1 })
    appendMessage(doc, { id: 'm1', role: 'user', author: 'alice', status: 'done', text: 'hi' })
    appendSteer(doc, { id: 's1', kind: 'stop', author: 'alice', target: 'm1' })
    startRun(doc, { id: 'r1', agent: 'bot', messageId: 'm1', startedAt: 2 })
    expect(findQuarantined(doc)).toEqual([])
  })

  it('creates no root the document lacks', () => {
    const doc = new Y.Doc()
    initializeSession(doc, { title: 'Meta only', createdAt: 1 })
    expect(findQuarantined(doc)).toEqual([])
    expect([...doc.share.keys()]).toEqual(['meta'])
  })
})
