/**
 * Session document accessors: message and run round trips, text-part splitting at MAX_TEXT_PART_CHARS, and a
 * seeded property test that peers exchanging updates in any order converge to the same transcript.
 */
import * as Y from 'yjs'
import { describe, expect, it, vi } from 'vitest'
import { createSeededRandom, testSeed, type SeededRandom } from '../testing/seeded-random.ts'
import {
  appendSteer,
  markSteerHandled,
  readSteer,
  appendToolCall,
  appendToolResult,
  appendMessage,
  appendText,
  endRun,
  findMessage,
  getSessionRoots,
  initializeSession,
  listMessages,
  readMessage,
  readMessages,
  readRuns,
  readTranscript,
  setMessageStatus,
  startRun,
} from './session-doc.ts'
import { MAX_TEXT_PART_CHARS, MESSAGE_STATUSES, SESSION_SCHEMA_VERSION, type PartView } from './session-schema.ts'

function textParts(message: Y.Map<unknown>): PartView[] {
  return [...readMessage(message).parts]
}

describe('appendMessage / readMessage', () => {
  it('round-trips every field of a message', () => {
    const doc = new Y.Doc()
    const map = appendMessage(doc, {
      id: 'm1',
      role: 'assistant',
      author: 'bot',
      status: 'streaming',
      createdAt: 1_234,
      device: 'laptop',
      replyTo: 'm0',
      runId: 'r1',
      text: 'hello',
    })
    expect(readMessage(map)).toEqual({
      id: 'm1',
      role: 'assistant',
      author: 'bot',
      status: 'streaming',
      createdAt: 1_234,
      device: 'laptop',
      replyTo: 'm0',
      runId: 'r1',
      text: 'hello',
      parts: [{ type: 'text', text: 'hello' }],
    })
  })

  it('leaves optional fields out of the view and adds no part for empty or missing text', () => {
    const doc = new Y.Doc()
    const view = readMessage(
      appendMessage(doc, { id: 'm1', role: 'user', author: 'alice', status: 'done', createdAt: 5, text: '' }),
    )
    expect(view).toEqual({ id: 'm1', role: 'user', author: 'alice', status: 'done', createdAt: 5, text: '', parts: [] })
    expect(Object.keys(view)).not.toContain('device')
    expect(Object.keys(view)).not.toContain('replyTo')
    expect(Object.keys(view)).not.toContain('runId')
    expect(
      readMessage(appendMessage(doc, { id: 'm2', role: 'user', author: 'alice', status: 'done', createdAt: 6 })).parts,
    ).toEqual([])
  })

  it('stamps createdAt with the current time when none is given', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(777_000)
      const doc = new Y.Doc()
      expect(readMessage(appendMessage(doc, { id: 'm', role: 'user', author: 'a', status: 'done' })).createdAt).toBe(
        777_000,
      )
    } finally {
      vi.useRealTimers()
    }
  })

  it('emits a message with its first text part as one update', () => {
    const doc = new Y.Doc()
    let updates = 0
    doc.on('update', () => {
      updates++
    })
    appendMessage(doc, { id: 'm', role: 'user', author: 'a', status: 'done', createdAt: 1, text: 'hi' })
    expect(updates).toBe(1)
  })

  it('keeps messages in append order and updates status in place', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'a', role: 'user', author: 'alice', status: 'done', createdAt: 1, text: 'q' })
    const reply = appendMessage(doc, { id: 'b', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 2 })
    appendText(reply, 'an')
    appendText(reply, 'swer')
    setMessageStatus(reply, 'done')
    expect(readMessages(doc).map((message) => [message.id, message.status, message.text])).toEqual([
      ['a', 'done', 'q'],
      ['b', 'done', 'answer'],
    ])
  })

  it('reads messages and the transcript in session order, each reply after its question, listMessages in document order', () => {
    const doc = new Y.Doc()
    for (const id of ['u1', 'u2']) appendMessage(doc, { id, role: 'user', author: id, status: 'done', createdAt: 1 })
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'done', replyTo: 'u1', createdAt: 2 })
    expect(readMessages(doc).map((message) => message.id)).toEqual(['u1', 'r1', 'u2'])
    expect(readTranscript('s', doc).messages.map((message) => message.id)).toEqual(['u1', 'r1', 'u2'])
    expect(listMessages(doc).map((message) => message.get('id'))).toEqual(['u1', 'u2', 'r1'])
  })

  it('falls back to safe values for unknown role and status', () => {
    const doc = new Y.Doc()
    const map = appendMessage(doc, { id: 'x', role: 'user', author: 'a', status: 'done', createdAt: 1 })
    map.set('role', 'wizard')
    map.set('status', 'pending')
    expect(readMessage(map)).toMatchObject({ role: 'system', status: 'done' })
  })

  it('excludes reasoning parts from the message text', () => {
    const doc = new Y.Doc()
    const reply = appendMessage(doc, { id: 'r', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    appendText(reply, 'let me think', 'reasoning')
    appendText(reply, 'The answer is 4.')
    const view = readMessage(reply)
    expect(view.parts).toEqual([
      { type: 'reasoning', text: 'let me think' },
      { type: 'text', text: 'The answer is 4.' },
    ])
    expect(view.text).toBe('The answer is 4.')
  })
})

describe('appendText', () => {
  it('fills a part up to exactly MAX_TEXT_PART_CHARS and opens a new part for the next character', () => {
    const doc = new Y.Doc()
    const message = appendMessage(doc, { id: 'm', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    appendText(message, 'a'.repeat(MAX_TEXT_PART_CHARS - 1))
    appendText(message, 'b')
    expect(textParts(message).map((part) => (part.type === 'text' ? part.text.length : -1))).toEqual([
      MAX_TEXT_PART_CHARS,
    ])
    appendText(message, 'c')
    expect(textParts(message)).toEqual([
      { type: 'text', text: `${'a'.repeat(MAX_TEXT_PART_CHARS - 1)}b` },
      { type: 'text', text: 'c' },
    ])
    expect(readMessage(message).text).toBe(`${'a'.repeat(MAX_TEXT_PART_CHARS - 1)}bc`)
  })

  it('moves a whole run to a new part when it would overflow the current one', () => {
    const doc = new Y.Doc()
    const message = appendMessage(doc, {
      id: 'm',
      role: 'assistant',
      author: 'bot',
      status: 'streaming',
      createdAt: 1,
      text: 'x'.repeat(MAX_TEXT_PART_CHARS - 2),
    })
    appendText(message, 'yyy')
    expect(textParts(message)).toEqual([
      { type: 'text', text: 'x'.repeat(MAX_TEXT_PART_CHARS - 2) },
      { type: 'text', text: 'yyy' },
    ])
  })

  it('splits a long seeded token stream only where the next token would not fit, and readers concatenate parts', () => {
    const random = createSeededRandom(testSeed(20_240_601))
    const doc = new Y.Doc()
    const message = appendMessage(doc, { id: 'm', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    const tokens: string[] = []
    let total = 0
    while (total < MAX_TEXT_PART_CHARS * 3.5) {
      const token = String.fromCharCode(97 + random.int(0, 25)).repeat(random.int(1, 40))
      tokens.push(token)
      total += token.length
      appendText(message, token)
    }
    const texts = textParts(message).map((part) => (part.type === 'text' ? part.text : ''))
    const context = `seed ${random.seed}`
    expect(readMessage(message).text, context).toBe(tokens.join(''))
    expect(texts.length, context).toBeGreaterThanOrEqual(4)
    // Replay the token boundaries: each part holds whole tokens, and closes only when the next token overflows it.
    let tokenIndex = 0
    texts.forEach((text, partIndex) => {
      expect(text.length, `${context}: part ${partIndex} too long`).toBeLessThanOrEqual(MAX_TEXT_PART_CHARS)
      let filled = 0
      while (filled < text.length) filled += tokens[tokenIndex++]?.length ?? Infinity
      expect(filled, `${context}: part ${partIndex} splits a token`).toBe(text.length)
      const next = tokens[tokenIndex]
      if (partIndex < texts.length - 1)
        expect(text.length + (next?.length ?? 0), `${context}: part ${partIndex} closed early`).toBeGreaterThan(
          MAX_TEXT_PART_CHARS,
        )
    })
    expect(tokenIndex, context).toBe(tokens.length)
  })

  it('opens a new part when the part type changes and never appends to an older part', () => {
    const doc = new Y.Doc()
    const message = appendMessage(doc, { id: 'm', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    appendText(message, 'one ')
    appendText(message, 'hmm', 'reasoning')
    appendText(message, ' still', 'reasoning')
    appendText(message, 'two')
    expect(textParts(message)).toEqual([
      { type: 'text', text: 'one ' },
      { type: 'reasoning', text: 'hmm still' },
      { type: 'text', text: 'two' },
    ])
  })
})

describe('getSessionRoots', () => {
  it('creates only the roots that are read, each the same object on every read', () => {
    const doc = new Y.Doc()
    const roots = getSessionRoots(doc)
    expect(roots.runs).toBe(doc.getMap('runs'))
    expect(getSessionRoots(doc).runs).toBe(roots.runs)
    expect([...doc.share.keys()]).toEqual(['runs'])
  })
})

describe('initializeSession / readTranscript', () => {
  it('writes meta once and reports it in the transcript', () => {
    const doc = new Y.Doc()
    expect(readTranscript('s1', doc)).toEqual({
      id: 's1',
      schema: undefined,
      title: '',
      createdAt: undefined,
      messages: [],
      runs: [],
      steering: [],
    })
    expect(initializeSession(doc, { title: 'Plans', createdAt: 10 })).toBe(true)
    expect(initializeSession(doc, { title: 'Other', createdAt: 20 })).toBe(false)
    appendMessage(doc, { id: 'm', role: 'user', author: 'alice', status: 'done', createdAt: 11, text: 'hi' })
    const transcript = readTranscript('s1', doc)
    expect(transcript).toMatchObject({
      id: 's1',
      schema: SESSION_SCHEMA_VERSION,
      title: 'Plans',
      createdAt: 10,
      runs: [],
    })
    expect(transcript.messages.map((message) => message.text)).toEqual(['hi'])
  })
})

describe('startRun / endRun', () => {
  it('records a running run and moves it to a final state', () => {
    const doc = new Y.Doc()
    startRun(doc, { id: 'r1', agent: 'bot', messageId: 'm2', startedAt: 100 })
    expect(readRuns(doc)).toEqual([
      { id: 'r1', agent: 'bot', messageId: 'm2', state: 'running', startedAt: 100, heartbeatAt: 100 },
    ])
    endRun(doc, 'r1', 'stopped', 250)
    expect(readRuns(doc)).toEqual([
      { id: 'r1', agent: 'bot', messageId: 'm2', state: 'stopped', startedAt: 100, heartbeatAt: 100, endedAt: 250 },
    ])
  })

  it('ignores endRun for an unknown run', () => {
    const doc = new Y.Doc()
    startRun(doc, { id: 'r1', agent: 'bot', messageId: 'm', startedAt: 1 })
    endRun(doc, 'nope', 'done', 2)
    expect(readRuns(doc).map((run) => run.id)).toEqual(['r1'])
    expect(getSessionRoots(doc).runs.has('nope')).toBe(false)
  })
})

describe('findMessage', () => {
  it('finds a message by id, the newest when ids repeat, and undefined when absent', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'a', role: 'user', author: 'alice', status: 'done', createdAt: 1, text: 'first' })
    appendMessage(doc, { id: 'b', role: 'user', author: 'alice', status: 'done', createdAt: 2, text: 'second' })
    appendMessage(doc, { id: 'a', role: 'user', author: 'alice', status: 'done', createdAt: 3, text: 'again' })
    const b = findMessage(doc, 'b')
    expect(b === undefined ? undefined : readMessage(b).text).toBe('second')
    const a = findMessage(doc, 'a')
    expect(a === undefined ? undefined : readMessage(a).text).toBe('again')
    expect(findMessage(doc, 'zzz')).toBeUndefined()
    expect(findMessage(new Y.Doc(), 'a')).toBeUndefined()
  })
})

describe('session document convergence (property)', () => {
  const envSeed = testSeed(-1)
  const seeds = envSeed >= 0 ? [envSeed] : [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]

  // The runs Y.Map iterates in arrival order; readRuns must not expose that order.
  it('lists runs in the same order on replicas with the same state', () => {
    const left = new Y.Doc()
    const right = new Y.Doc()
    startRun(left, { id: 'run-left', agent: 'a', messageId: 'm1', startedAt: 1 })
    startRun(right, { id: 'run-right', agent: 'b', messageId: 'm2', startedAt: 2 })
    Y.applyUpdate(left, Y.encodeStateAsUpdate(right))
    Y.applyUpdate(right, Y.encodeStateAsUpdate(left))
    expect(Y.encodeStateVector(left)).toEqual(Y.encodeStateVector(right))
    expect(readRuns(left).map((run) => run.id)).toEqual(readRuns(right).map((run) => run.id))
  })

  it.each(seeds)('peers exchanging updates in random order converge (seed %i)', (seed) => {
    const random = createSeededRandom(seed)
    const peers = Array.from({ length: 3 }, (_, index) => createPeer(index + 1))
    for (let step = 0; step < 200; step++) {
      const peer = pick(random, peers)
      if (random.next() < 0.4) deliverOne(random, peer)
      else editRandomly(random, peer, step)
    }
    for (const peer of peers) while (peer.inbox.length > 0) deliverOne(random, peer)

    const expected = readTranscript('s', peers[0]?.doc ?? new Y.Doc())
    expect(expected.messages.length, `seed ${seed}: no messages written`).toBeGreaterThan(0)
    for (const peer of peers) {
      const label = `seed ${seed}: peer ${peer.doc.clientID}`
      expect(peer.doc.store.pendingStructs, `${label} has pending structs`).toBeNull()
      expect(peer.doc.store.pendingDs, `${label} has a pending delete set`).toBeNull()
      expect(readTranscript('s', peer.doc), `${label} diverged`).toEqual(expected)
      expect(Y.encodeStateVector(peer.doc), `${label} state vector differs`).toEqual(
        Y.encodeStateVector(peers[0]?.doc ?? new Y.Doc()),
      )
    }

    function createPeer(clientID: number): Peer {
      const doc = new Y.Doc()
      doc.clientID = clientID
      const peer: Peer = { doc, inbox: [], counter: 0 }
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === REMOTE) return
        for (const other of peers) if (other !== peer) other.inbox.push(update)
      })
      return peer
    }
  })
})

interface Peer {
  readonly doc: Y.Doc
  /** Updates from other peers not applied yet; delivered in random order. */
  readonly inbox: Uint8Array[]
  counter: number
}

const REMOTE = Symbol('remote')

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  const item = items[random.int(0, items.length - 1)]
  if (item === undefined) throw new Error('pick from an empty list')
  return item
}

function deliverOne(random: SeededRandom, peer: Peer): void {
  if (peer.inbox.length === 0) return
  const [update] = peer.inbox.splice(random.int(0, peer.inbox.length - 1), 1)
  if (update !== undefined) Y.applyUpdate(peer.doc, update, REMOTE)
}

function editRandomly(random: SeededRandom, peer: Peer, step: number): void {
  const { doc } = peer
  const messages = getSessionRoots(doc).messages
  const roll = random.next()
  if (roll < 0.05) {
    initializeSession(doc, { title: `title-${doc.clientID}`, createdAt: step })
  } else if (roll < 0.3 || messages.length === 0) {
    const id = `m-${doc.clientID}-${peer.counter++}`
    appendMessage(doc, {
      id,
      role: pick(random, ['user', 'assistant'] as const),
      author: `p${doc.clientID}`,
      status: 'streaming',
      createdAt: step,
      text: random.next() < 0.5 ? `start ${id} ` : '',
    })
  } else if (roll < 0.75) {
    const target = messages.get(random.int(0, messages.length - 1))
    appendText(target, `w${step}.${doc.clientID} `.repeat(random.int(1, 3)), random.next() < 0.2 ? 'reasoning' : 'text')
  } else if (roll < 0.85) {
    setMessageStatus(messages.get(random.int(0, messages.length - 1)), pick(random, MESSAGE_STATUSES))
  } else if (roll < 0.95) {
    const target = messages.get(random.int(0, messages.length - 1))
    startRun(doc, {
      id: `run-${doc.clientID}-${peer.counter++}`,
      agent: `p${doc.clientID}`,
      messageId: String(target.get('id')),
      startedAt: step,
    })
  } else {
    const runIds = [...getSessionRoots(doc).runs.keys()]
    if (runIds.length > 0) endRun(doc, pick(random, runIds), 'done', step)
  }
}

describe('steering', () => {
  it('appends steers, reads them back and marks each handled once', () => {
    const doc = new Y.Doc()
    const steer = appendSteer(doc, { id: 'st1', kind: 'stop', author: 'alice', createdAt: 5, target: 'm1' })
    appendSteer(doc, { id: 'st2', kind: 'redirect', author: 'bob', createdAt: 6, text: 'shorter please' })
    expect(readTranscript('s', doc).steering).toEqual([
      { id: 'st1', kind: 'stop', author: 'alice', createdAt: 5, target: 'm1' },
      { id: 'st2', kind: 'redirect', author: 'bob', createdAt: 6, text: 'shorter please' },
    ])
    expect(markSteerHandled(steer, 'agent', 7)).toBe(true)
    expect(markSteerHandled(steer, 'other-agent', 8)).toBe(false)
    expect(readSteer(steer)).toMatchObject({ handledBy: 'agent', handledAt: 7 })
  })
})

describe('appendToolCall / appendToolResult', () => {
  it('stores tool calls and results as typed parts, in order, readable on another replica', () => {
    const doc = new Y.Doc()
    const message = appendMessage(doc, { id: 'm', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    appendText(message, 'thinking', 'reasoning')
    appendToolCall(message, { toolCallId: 'c1', toolName: 'search', input: { q: 'yjs', tags: ['crdt'] } })
    appendToolResult(message, { toolCallId: 'c1', output: { hits: [1, 2] } })
    appendToolCall(message, { toolCallId: 'c2', toolName: 'write', input: '{"pa', inputError: 'INVALID_JSON' })
    appendText(message, 'done')
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc))
    const expected: PartView[] = [
      { type: 'reasoning', text: 'thinking' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: { q: 'yjs', tags: ['crdt'] } },
      { type: 'tool-result', toolCallId: 'c1', output: { hits: [1, 2] } },
      { type: 'tool-call', toolCallId: 'c2', toolName: 'write', input: '{"pa', inputError: 'INVALID_JSON' },
      { type: 'text', text: 'done' },
    ]
    expect(readMessage(message).parts).toEqual(expected)
    expect(readMessages(replica)[0]?.parts).toEqual(expected)
    expect(readMessages(replica)[0]?.text).toBe('done')
  })

  it('stores a plain-JSON copy: later mutation of the input does not leak, undefined becomes null', () => {
    const doc = new Y.Doc()
    const message = appendMessage(doc, { id: 'm', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    const input = { q: 'a', when: new Date(0), drop: undefined }
    appendToolCall(message, { toolCallId: 'c1', toolName: 'f', input })
    appendToolResult(message, { toolCallId: 'c1', output: undefined })
    input.q = 'mutated'
    expect(readMessage(message).parts.slice(0, 2)).toEqual([
      { type: 'tool-call', toolCallId: 'c1', toolName: 'f', input: { q: 'a', when: '1970-01-01T00:00:00.000Z' } },
      { type: 'tool-result', toolCallId: 'c1', output: null },
    ])
    expect(() => {
      appendToolResult(message, { toolCallId: 'c2', output: 1n })
    }).toThrow(TypeError)
  })
})
