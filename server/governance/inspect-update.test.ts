/**
 * inspectUpdate with hand-built Yjs updates: peers are real Y.Docs with chosen clientIDs that sync with a "server"
 * document; every honest flow of the SDKs is accepted and every rule of PROTOCOL.md §8.4 refuses its violation
 * with the expected reason. On an open server (no principal) the identity and role rules are off and the schema,
 * append-only and set-once rules still refuse.
 */
import * as encoding from 'lib0/encoding'
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import {
  appendMessage,
  appendSteer,
  appendText,
  appendToolCall,
  appendToolResult,
  endRun,
  getSessionRoots,
  initializeSession,
  markSteerHandled,
  setMessageStatus,
  startRun,
} from '../../shared/session/session-doc.ts'
import { ANONYMOUS_PRINCIPAL } from '../auth/connection-principal.ts'
import { createClientBindings, type ClientBindings } from './client-bindings.ts'
import { inspectUpdate, type Inspection } from './inspect-update.ts'

interface Peer {
  readonly doc: Y.Doc
  /** Undefined on an open server. */
  readonly principal: { id: string; role: PrincipalRole; onDeviceAgent?: boolean } | undefined
  readonly holder: object
}

let live: Y.Doc
let bindings: ClientBindings

/** A peer with `clientId`, holding the server's current state. */
function peer(id: string, role: PrincipalRole, clientId: number): Peer {
  return { ...openPeer(clientId), principal: { id, role } }
}

/** A peer of an open server: no principal. */
function openPeer(clientId: number): Peer {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(live))
  doc.clientID = clientId // after loading: Yjs picks a new clientID when a remote update advances its own
  return { doc, principal: undefined, holder: {} }
}

/** The update `change` makes on the peer's document. */
function edit(from: Peer, change: (doc: Y.Doc) => void): Uint8Array {
  const updates: Uint8Array[] = []
  const capture = (update: Uint8Array): void => {
    updates.push(update)
  }
  from.doc.on('update', capture)
  from.doc.transact(() => {
    change(from.doc)
  })
  from.doc.off('update', capture)
  return updates.length === 0 ? Y.encodeStateAsUpdate(new Y.Doc()) : Y.mergeUpdates(updates)
}

function inspect(from: Peer, update: Uint8Array, held?: ReadonlyMap<number, number>): Inspection {
  return inspectUpdate({
    doc: live,
    update,
    principal: from.principal,
    bindings,
    holder: from.holder,
    ...(held === undefined ? {} : { held }),
  })
}

/** Inspects, and when accepted applies the update to the server and binds its clientIDs, like the extension. */
function send(from: Peer, change: (doc: Y.Doc) => void): Inspection {
  const update = edit(from, change)
  const result = inspect(from, update)
  if (result.verdict === 'accept') {
    Y.applyUpdate(live, update)
    for (const clientId of result.clientIds)
      bindings.bind(clientId, from.principal?.id ?? ANONYMOUS_PRINCIPAL, from.holder)
  }
  return result
}

function reason(result: Inspection): string {
  return result.verdict === 'reject' ? result.rejection.reason : result.verdict
}

const assistant = (doc: Y.Doc): Y.Map<unknown> =>
  getSessionRoots(doc)
    .messages.toArray()
    .find((message) => message.get('role') === 'assistant') as Y.Map<unknown>
const userMessage = (doc: Y.Doc): Y.Map<unknown> => getSessionRoots(doc).messages.get(0)
const textOf = (message: Y.Map<unknown>): Y.Text =>
  (message.get('parts') as Y.Array<Y.Map<unknown>>).get(0).get('text') as Y.Text

let alice: Peer
let agent: Peer

beforeEach(() => {
  live = new Y.Doc()
  initializeSession(live, { title: 'unit', createdAt: 1 })
  bindings = createClientBindings({ doc: live, isLive: () => true })
  bindings.bindServer(live.clientID)
  alice = peer('alice', 'user', 1001)
  agent = peer('agent-1', 'agent', 2001)
  expect(
    reason(
      send(alice, (doc) => {
        appendMessage(doc, { id: 'm_q', role: 'user', author: 'alice', status: 'done', text: 'question' })
      }),
    ),
  ).toBe('accept')
  Y.applyUpdate(agent.doc, Y.encodeStateAsUpdate(live))
  expect(
    reason(
      send(agent, (doc) => {
        startRun(doc, { id: 'r_1', agent: 'agent-1', messageId: 'm_a', startedAt: 2 })
        appendMessage(doc, {
          id: 'm_a',
          role: 'assistant',
          author: 'agent-1',
          status: 'streaming',
          runId: 'r_1',
          replyTo: 'm_q',
          text: 'Hello',
        })
      }),
    ),
  ).toBe('accept')
  Y.applyUpdate(alice.doc, Y.encodeStateAsUpdate(live))
})

describe('on-device agents (PROTOCOL.md §8.4)', () => {
  let nextClientId = 1100
  /** A fresh peer of alice, with the onDeviceAgent claim unless `claim` is false. */
  const granted = (claim = true): Peer => ({
    ...peer('alice', 'user', nextClientId++),
    principal: { id: 'alice', role: 'user', onDeviceAgent: claim },
  })
  /** Updates that open a reply and its run, as `author`. */
  const openReply = (author: string, id: string) => (doc: Y.Doc) => {
    startRun(doc, { id: `r_${id}`, agent: author, messageId: id, startedAt: 9 })
    appendMessage(doc, { id, role: 'assistant', author, status: 'streaming', runId: `r_${id}`, replyTo: 'm_q' })
  }

  it('a granted user writes, continues and ends a reply as <sub>/on-device', () => {
    const peer = granted()
    expect(reason(send(peer, openReply('alice/on-device', 'm_d')))).toBe('accept')
    const reply = (doc: Y.Doc) =>
      getSessionRoots(doc)
        .messages.toArray()
        .find((message) => message.get('id') === 'm_d') as Y.Map<unknown>
    expect(
      reason(
        send(peer, (doc) => {
          appendText(reply(doc), 'Local answer')
          setMessageStatus(reply(doc), 'done')
          endRun(doc, 'r_m_d', 'done', 10)
        }),
      ),
    ).toBe('accept')
  })

  it.each([
    ['a reply as itself', 'alice'],
    ['a reply as the server agent', 'agent-1'],
    ['a reply as another person device', 'bob/on-device'],
  ])('a granted user may not write %s', (_label, author) => {
    expect(reason(send(granted(), openReply(author, 'm_x')))).toBe('FORBIDDEN_PARENT')
  })

  it('a granted user may not write inside the server agent reply or run', () => {
    expect(reason(send(granted(), (doc) => appendText(assistant(doc), ' forged')))).toBe('FORBIDDEN_PARENT')
    expect(reason(send(granted(), (doc) => endRun(doc, 'r_1', 'failed', 7)))).toBe('FORBIDDEN_PARENT')
  })

  it('without the claim a reply or a run is refused with AGENT_REPLY_FORBIDDEN', () => {
    const refused = send(granted(false), openReply('alice/on-device', 'm_y'))
    expect(refused.verdict === 'reject' ? refused.rejection.code : refused.verdict).toBe('AGENT_REPLY_FORBIDDEN')
    const run = send(granted(false), (doc) =>
      startRun(doc, { id: 'r_z', agent: 'alice/on-device', messageId: 'm_z', startedAt: 9 }),
    )
    expect(run.verdict === 'reject' ? run.rejection.code : run.verdict).toBe('AGENT_REPLY_FORBIDDEN')
  })
})

describe('honest flows are accepted', () => {
  it('agent token runs, heartbeats (replacing the old value), status and run end', () => {
    for (let index = 0; index < 5; index++)
      expect(
        reason(
          send(agent, (doc) => {
            appendText(assistant(doc), ` t${index}`)
          }),
        ),
      ).toBe('accept')
    expect(
      reason(
        send(agent, (doc) => {
          getSessionRoots(doc).runs.get('r_1')?.set('heartbeatAt', 3)
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(agent, (doc) => {
          getSessionRoots(doc).runs.get('r_1')?.set('heartbeatAt', 4)
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(agent, (doc) => {
          setMessageStatus(assistant(doc), 'done')
          endRun(doc, 'r_1', 'done', 5)
        }),
      ),
    ).toBe('accept')
    expect(textOf(assistant(live)).toString()).toBe('Hello t0 t1 t2 t3 t4')
  })

  it('tool call and result parts, reasoning, a tool message and the context map, by the agent', () => {
    expect(
      reason(
        send(agent, (doc) => {
          appendToolCall(assistant(doc), { toolCallId: 'c1', toolName: 'search', input: { q: 'yjs' } })
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(agent, (doc) => {
          appendToolResult(assistant(doc), { toolCallId: 'c1', output: [{ hit: 1 }] })
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(agent, (doc) => {
          appendText(assistant(doc), 'thinking…', 'reasoning')
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(agent, (doc) => {
          appendMessage(doc, { id: 'm_t', role: 'tool', author: 'agent-1', status: 'done', text: '{}' })
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(agent, (doc) => {
          getSessionRoots(doc).context.set('memory', { facts: 1 })
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(agent, (doc) => {
          getSessionRoots(doc).context.delete('memory')
        }),
      ),
    ).toBe('accept')
  })

  it('a user steer, handled by the agent', () => {
    expect(
      reason(
        send(alice, (doc) => {
          appendSteer(doc, { id: 'st_1', kind: 'stop', author: 'alice', target: 'm_a' })
        }),
      ),
    ).toBe('accept')
    Y.applyUpdate(agent.doc, Y.encodeStateAsUpdate(live))
    expect(
      reason(
        send(agent, (doc) => {
          markSteerHandled(getSessionRoots(doc).steering.get(0), 'agent-1', 9)
        }),
      ),
    ).toBe('accept')
  })

  it('a user edits its own message, but not its identity', () => {
    expect(
      reason(
        send(alice, (doc) => {
          textOf(userMessage(doc)).insert(8, '?')
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(alice, (doc) => {
          textOf(userMessage(doc)).delete(0, 1)
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(peer('alice', 'user', 1003), (doc) => {
          userMessage(doc).set('author', 'bob')
        }),
      ),
    ).toBe('FORBIDDEN_PARENT')
  })

  it('a restarted agent (new clientID, same principal) resumes its interrupted reply', () => {
    const restarted = peer('agent-1', 'agent', 2002)
    expect(
      reason(
        send(restarted, (doc) => {
          startRun(doc, { id: 'r_2', agent: 'agent-1', messageId: 'm_a', startedAt: 6 })
          assistant(doc).set('runId', 'r_2')
          setMessageStatus(assistant(doc), 'streaming')
          appendText(assistant(doc), ' resumed')
        }),
      ),
    ).toBe('accept')
  })

  it('a viewer resync (sync step 2 with the full delete set) and pure duplicates change nothing', () => {
    send(agent, (doc) => {
      getSessionRoots(doc).runs.get('r_1')?.set('heartbeatAt', 3)
    })
    const viewer = peer('bob', 'user', 1002)
    const resync = Y.encodeStateAsUpdate(viewer.doc, Y.encodeStateVector(live))
    expect(Y.decodeUpdate(resync).ds.clients.size).toBeGreaterThan(0)
    expect(inspect(viewer, resync)).toEqual({
      verdict: 'accept',
      clientIds: [],
      clocks: new Map(),
      changes: false,
      summary: {},
      decoded: expect.anything(),
    })
    expect(inspect(peer('auditor', 'observer', 1004), Y.encodeStateAsUpdate(live))).toMatchObject({
      verdict: 'accept',
      changes: false,
    })
  })
})

describe('violations are refused with their reason', () => {
  const cases: Array<[string, () => Inspection, string]> = [
    [
      'user writes under the agent clientID',
      () =>
        send(peer('alice', 'user', 2001), (doc) => {
          getSessionRoots(doc).context.set('x', 1)
        }),
      'FOREIGN_CLIENT_ID',
    ],
    [
      'user writes under the server clientID',
      () =>
        send(peer('alice', 'user', live.clientID), (doc) => {
          appendMessage(doc, { id: 'm', role: 'user', author: 'alice', status: 'done' })
        }),
      'FOREIGN_CLIENT_ID',
    ],
    [
      'user appends to agent text',
      () =>
        send(alice, (doc) => {
          appendText(assistant(doc), ' forged')
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user deletes agent text',
      () =>
        send(alice, (doc) => {
          textOf(assistant(doc)).delete(0, 2)
        }),
      'FORBIDDEN_DELETE',
    ],
    [
      'user sets the agent reply status',
      () =>
        send(alice, (doc) => {
          setMessageStatus(assistant(doc), 'stopped')
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user ends the run',
      () =>
        send(alice, (doc) => {
          endRun(doc, 'r_1', 'failed', 7)
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user posts a message as bob',
      () =>
        send(alice, (doc) => {
          appendMessage(doc, { id: 'm', role: 'user', author: 'bob', status: 'done' })
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user posts an assistant message',
      () =>
        send(alice, (doc) => {
          appendMessage(doc, { id: 'm', role: 'assistant', author: 'alice', status: 'done' })
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user posts a message without an id',
      () =>
        send(alice, (doc) => {
          const map = new Y.Map()
          getSessionRoots(doc).messages.push([map])
          map.set('role', 'user')
          map.set('author', 'alice')
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user inserts a message before the others',
      () =>
        send(alice, (doc) => {
          const map = new Y.Map()
          getSessionRoots(doc).messages.insert(0, [map])
          map.set('id', 'm')
          map.set('role', 'user')
          map.set('author', 'alice')
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user puts a text at the top of messages',
      () =>
        send(alice, (doc) => {
          getSessionRoots(doc).messages.push([new Y.Text('x') as unknown as Y.Map<unknown>])
        }),
      'SCHEMA_MISMATCH',
    ],
    [
      'user posts a steer pre-marked handled',
      () =>
        send(alice, (doc) => {
          markSteerHandled(appendSteer(doc, { id: 'st', kind: 'stop', author: 'alice' }), 'agent-1', 1)
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user posts an unknown steer kind',
      () =>
        send(alice, (doc) => {
          appendSteer(doc, { id: 'st', kind: 'nuke' as 'stop', author: 'alice' })
        }),
      'SCHEMA_MISMATCH',
    ],
    [
      'user writes the context',
      () =>
        send(alice, (doc) => {
          getSessionRoots(doc).context.set('x', 1)
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user writes meta',
      () =>
        send(alice, (doc) => {
          getSessionRoots(doc).meta.set('title', 'x')
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'user creates a root of its own',
      () =>
        send(alice, (doc) => {
          doc.getArray('other').push([1])
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'agent writes into a user message',
      () =>
        send(agent, (doc) => {
          appendText(userMessage(doc), ' (agent)')
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'agent deletes user text',
      () =>
        send(agent, (doc) => {
          textOf(userMessage(doc)).delete(0, 1)
        }),
      'FORBIDDEN_DELETE',
    ],
    [
      'agent posts a user message',
      () =>
        send(agent, (doc) => {
          appendMessage(doc, { id: 'm', role: 'user', author: 'agent-1', status: 'done' })
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'agent posts a steer',
      () =>
        send(agent, (doc) => {
          appendSteer(doc, { id: 'st', kind: 'note', author: 'agent-1' })
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'agent starts a run for another agent',
      () =>
        send(agent, (doc) => {
          startRun(doc, { id: 'r_9', agent: 'agent-2', messageId: 'm_a', startedAt: 1 })
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'agent replaces an existing run',
      () =>
        send(agent, (doc) => {
          startRun(doc, { id: 'r_1', agent: 'agent-1', messageId: 'm_a', startedAt: 1 })
        }),
      'FORBIDDEN_DELETE',
    ],
    [
      'agent changes the agent of its run',
      () =>
        send(agent, (doc) => {
          getSessionRoots(doc).runs.get('r_1')?.set('agent', 'agent-2')
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'agent deletes a message',
      () =>
        send(agent, (doc) => {
          getSessionRoots(doc).messages.delete(1, 1)
        }),
      'FORBIDDEN_DELETE',
    ],
    [
      'another agent writes into this agent reply',
      () =>
        send(peer('agent-2', 'agent', 2003), (doc) => {
          appendText(assistant(doc), ' hijack')
        }),
      'FORBIDDEN_PARENT',
    ],
    [
      'another agent deletes this agent run field',
      () =>
        send(peer('agent-2', 'agent', 2004), (doc) => {
          getSessionRoots(doc).runs.get('r_1')?.delete('heartbeatAt')
        }),
      'FORBIDDEN_DELETE',
    ],
    [
      'user posts a message whose parts is text',
      () =>
        send(alice, (doc) => {
          const map = new Y.Map<unknown>()
          getSessionRoots(doc).messages.push([map])
          map.set('id', 'm')
          map.set('role', 'user')
          map.set('author', 'alice')
          map.set('parts', new Y.Text('x'))
        }),
      'SCHEMA_MISMATCH',
    ],
    [
      'user sets its own message status to an unknown value',
      () =>
        send(alice, (doc) => {
          userMessage(doc).set('status', 'exploded')
        }),
      'SCHEMA_MISMATCH',
    ],
    [
      'user makes a text part hold a string',
      () =>
        send(alice, (doc) => {
          ;(userMessage(doc).get('parts') as Y.Array<Y.Map<unknown>>).get(0).set('text', 'flat')
        }),
      'SCHEMA_MISMATCH',
    ],
    [
      'user nests a map in a steer',
      () =>
        send(alice, (doc) => {
          appendSteer(doc, { id: 'st', kind: 'note', author: 'alice' }).set('extra', new Y.Map())
        }),
      'SCHEMA_MISMATCH',
    ],
    [
      'agent sets its run state to an unknown value',
      () =>
        send(agent, (doc) => {
          getSessionRoots(doc).runs.get('r_1')?.set('state', 'paused')
        }),
      'SCHEMA_MISMATCH',
    ],
    [
      'observer posts a message',
      () =>
        send(peer('auditor', 'observer', 1005), (doc) => {
          appendMessage(doc, { id: 'm', role: 'user', author: 'auditor', status: 'done' })
        }),
      'ROLE_READ_ONLY',
    ],
    [
      'observer deletes text',
      () =>
        send(peer('auditor', 'observer', 1006), (doc) => {
          textOf(userMessage(doc)).delete(0, 1)
        }),
      'ROLE_READ_ONLY',
    ],
  ]

  it.each(cases)('%s → %s', (_label, run, expected) => {
    const before = Y.encodeStateAsUpdate(live)
    expect(reason(run())).toBe(expected)
    expect(Y.encodeStateAsUpdate(live)).toEqual(before)
  })

  it('a delete of clocks the agent has not written yet (pending delete)', () => {
    const encoder = encoding.createEncoder()
    for (const value of [0, 1, 2001, 1, Y.getState(live.store, 2001), 1000]) encoding.writeVarUint(encoder, value)
    expect(reason(inspect(alice, encoding.toUint8Array(encoder)))).toBe('FORBIDDEN_DELETE')
  })
})

describe('clocks and clientIDs', () => {
  it('defers a gap in the sender own clientID and refuses one in an unknown clientID', () => {
    const first = edit(alice, (doc) => {
      appendMessage(doc, { id: 'm_2', role: 'user', author: 'alice', status: 'done', text: 'lost' })
    })
    const second = edit(alice, (doc) => {
      appendMessage(doc, { id: 'm_3', role: 'user', author: 'alice', status: 'done', text: 'arrives first' })
    })
    expect(inspect(alice, second)).toMatchObject({ verdict: 'defer', clientId: 1001 })
    expect(reason(inspect(alice, Y.mergeUpdates([first, second])))).toBe('accept')
    const stranger = peer('carol', 'user', 3001)
    edit(stranger, (doc) => {
      appendSteer(doc, { id: 'st_lost', kind: 'note', author: 'carol' })
    })
    const gapped = edit(stranger, (doc) => {
      appendSteer(doc, { id: 'st', kind: 'note', author: 'carol' })
    })
    expect(reason(inspect(stranger, gapped))).toBe('CLOCK_GAP')
  })

  it('reads a struct that repeats the start the session has without it', () => {
    const state = Y.getState(live.store, 1001)
    expect(inspect(alice, gcUpdate(1001, state - 1, 5))).toMatchObject({
      verdict: 'accept',
      clocks: new Map([[1001, state]]),
    })
    expect(reason(inspect(alice, gcUpdate(1001, state, 5)))).toBe('accept')
    expect(reason(inspect(alice, gcUpdate(1001, 0, state)))).toBe('accept') // a pure duplicate
    expect(reason(inspect(alice, gcUpdate(1001, state + 1, 5)))).toBe('defer') // past the clock: a gap, as before
  })

  it('accepts a sync step 2 that repeats the start of tokens the agent sent after the state vector it answers', () => {
    const answered = Y.encodeStateVector(live) // the state vector the server sent on connect
    const append = (text: string) =>
      edit(agent, (doc) => {
        textOf(assistant(doc)).insert(textOf(assistant(doc)).length, text)
      })
    const token = append(' one')
    append(' two')
    expect(reason(inspect(agent, token))).toBe('accept')
    Y.applyUpdate(live, token) // the first token reached the session before the sync step 2
    // Yjs merged both tokens into one struct: the sync step 2 begins below the session's clock for the agent.
    const stepTwo = Y.encodeStateAsUpdate(agent.doc, answered)
    expect(reason(inspect(agent, stepTwo))).toBe('accept')
    Y.applyUpdate(live, stepTwo)
    expect(textOf(assistant(live)).toString()).toBe('Hello one two')
  })

  it('refuses a struct that repeats the session in one list and claims another', () => {
    const forger = peer('agent-1', 'agent', 2001) // the agent's clientID, at the session's clock for it
    const token = edit(agent, (doc) => {
      textOf(assistant(doc)).insert(textOf(assistant(doc)).length, ' one')
    })
    Y.applyUpdate(live, token)
    // The same clocks again and more, but in the user's message: Yjs would put the new part there after the
    // assistant's text.
    const forged = edit(forger, (doc) => {
      textOf(userMessage(doc)).insert(textOf(userMessage(doc)).length, ' one two')
    })
    expect(reason(inspect(forger, forged))).toBe('MALFORMED')
    expect(textOf(userMessage(live)).toString()).toBe('question')
  })

  it('refuses a struct whose neighbours are in different lists, and undecodable bytes', () => {
    expect(reason(inspect(alice, new Uint8Array([1, 1, 0xe9, 0x07, 0, 0xc8, 0xd1, 0x0f])))).toBe('MALFORMED')
    const left = textOf(userMessage(live))._start as Y.Item
    const right = textOf(assistant(live))._start as Y.Item
    const forged = new Y.Item(
      Y.createID(1001, Y.getState(live.store, 1001)),
      null,
      left.id,
      null,
      right.id,
      null,
      null,
      new Y.ContentString('x'),
    )
    const encoder = new Y.UpdateEncoderV1()
    encoding.writeVarUint(encoder.restEncoder, 1)
    encoding.writeVarUint(encoder.restEncoder, 1)
    encoder.writeClient(1001)
    encoding.writeVarUint(encoder.restEncoder, forged.id.clock)
    forged.write(encoder, 0)
    encoding.writeVarUint(encoder.restEncoder, 0)
    expect(reason(inspect(alice, encoder.toUint8Array()))).toBe('MALFORMED')
  })

  it('refuses a reference to content the session does not have', () => {
    const elsewhere = new Y.Doc()
    elsewhere.clientID = 9001
    Y.applyUpdate(elsewhere, Y.encodeStateAsUpdate(live))
    elsewhere.getMap('context').set('seed', 1)
    const missing = Y.encodeStateAsUpdate(elsewhere, Y.encodeStateVector(live))
    const dependent = new Y.Doc()
    dependent.clientID = 2001
    Y.applyUpdate(dependent, Y.encodeStateAsUpdate(elsewhere))
    const before = Y.encodeStateVector(dependent)
    dependent.getMap('context').set('seed', 2)
    const update = Y.encodeStateAsUpdate(dependent, before)
    expect(missing.byteLength).toBeGreaterThan(0)
    expect(reason(inspect(agent, update))).toBe('MISSING_DEPENDENCY')
  })

  it('limits the clientIDs of one connection', () => {
    const many = peer('alice', 'user', 5000)
    for (let offset = 0; offset < 40; offset++) {
      many.doc.clientID = 5000 + offset
      const result = send(many, (doc) => {
        appendMessage(doc, { id: `m_${offset}`, role: 'user', author: 'alice', status: 'done' })
      })
      if (offset < 32) expect(reason(result)).toBe('accept')
      else {
        expect(reason(result)).toBe('TOO_MANY_CLIENT_IDS')
        break
      }
    }
  })
})

describe('an open server: no principal', () => {
  let anyone: Peer
  beforeEach(() => {
    // The clientIDs alice and agent-1 wrote with are attributed from the document, as after a restart.
    bindings = createClientBindings({ doc: live, isLive: () => true, openPrincipal: ANONYMOUS_PRINCIPAL })
    bindings.bindServer(live.clientID)
    anyone = openPeer(4001)
  })

  it("accepts any author, role or agent name, and writes into anyone's entries", () => {
    expect(
      reason(
        send(anyone, (doc) => {
          appendMessage(doc, { id: 'm_x', role: 'assistant', author: 'whoever', status: 'streaming', text: 'hi' })
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(anyone, (doc) => {
          appendText(assistant(doc), ' more')
          setMessageStatus(assistant(doc), 'done')
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(anyone, (doc) => {
          textOf(userMessage(doc)).delete(0, 1)
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(anyone, (doc) => {
          startRun(doc, { id: 'r_x', agent: 'someone', messageId: 'm_x', startedAt: 3 })
          endRun(doc, 'r_1', 'done', 4)
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(anyone, (doc) => {
          markSteerHandled(appendSteer(doc, { id: 'st_x', kind: 'note', author: 'carol' }), 'bot', 5)
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(anyone, (doc) => {
          getSessionRoots(doc).context.set('notes', 'free-form')
        }),
      ),
    ).toBe('accept')
    expect(textOf(assistant(live)).toString()).toBe('Hello more')
  })

  it('lets a client continue its own clientID after a restart, not the server one', () => {
    expect(
      reason(
        send(openPeer(1001), (doc) => {
          appendText(userMessage(doc), ' again')
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(openPeer(live.clientID), (doc) => {
          appendSteer(doc, { id: 'st_s', kind: 'note', author: 'x' })
        }),
      ),
    ).toBe('FOREIGN_CLIENT_ID')
  })

  it.each<[string, (doc: Y.Doc) => void, string]>([
    [
      'a string into messages',
      (doc) => {
        getSessionRoots(doc).messages.push(['boom' as unknown as Y.Map<unknown>])
      },
      'SCHEMA_MISMATCH',
    ],
    [
      'a message that is a text',
      (doc) => {
        getSessionRoots(doc).messages.push([new Y.Text('x') as unknown as Y.Map<unknown>])
      },
      'SCHEMA_MISMATCH',
    ],
    [
      'parts that are not a list',
      (doc) => {
        userMessage(doc).set('parts', 'flat')
      },
      'SCHEMA_MISMATCH',
    ],
    [
      'a part that is not a map',
      (doc) => {
        ;(userMessage(doc).get('parts') as Y.Array<unknown>).push([1])
      },
      'SCHEMA_MISMATCH',
    ],
    [
      'a text part holding a string',
      (doc) => {
        ;(userMessage(doc).get('parts') as Y.Array<Y.Map<unknown>>).get(0).set('text', 'flat')
      },
      'SCHEMA_MISMATCH',
    ],
    [
      'an unknown message status',
      (doc) => {
        assistant(doc).set('status', 'exploded')
      },
      'SCHEMA_MISMATCH',
    ],
    [
      'an unknown steer kind',
      (doc) => {
        appendSteer(doc, { id: 'st', kind: 'nuke' as 'stop', author: 'x' })
      },
      'SCHEMA_MISMATCH',
    ],
    [
      'a run that is not a map',
      (doc) => {
        ;(getSessionRoots(doc).runs as Y.Map<unknown>).set('r_2', 'running')
      },
      'SCHEMA_MISMATCH',
    ],
    [
      "deleting someone's message",
      (doc) => {
        getSessionRoots(doc).messages.delete(0, 1)
      },
      'FORBIDDEN_DELETE',
    ],
    [
      'replacing a run',
      (doc) => {
        startRun(doc, { id: 'r_1', agent: 'agent-1', messageId: 'm_a', startedAt: 1 })
      },
      'FORBIDDEN_DELETE',
    ],
    [
      'deleting a message field',
      (doc) => {
        userMessage(doc).delete('author')
      },
      'FORBIDDEN_DELETE',
    ],
    [
      'changing a message author',
      (doc) => {
        userMessage(doc).set('author', 'mallory')
      },
      'FORBIDDEN_PARENT',
    ],
    [
      'changing the agent of a run',
      (doc) => {
        getSessionRoots(doc).runs.get('r_1')?.set('agent', 'mallory')
      },
      'FORBIDDEN_PARENT',
    ],
    [
      'inserting a message before the others',
      (doc) => {
        const map = new Y.Map()
        getSessionRoots(doc).messages.insert(0, [map])
        map.set('id', 'm')
        map.set('role', 'user')
        map.set('author', 'x')
      },
      'FORBIDDEN_PARENT',
    ],
    [
      'writing meta',
      (doc) => {
        getSessionRoots(doc).meta.set('title', 'pwned')
      },
      'FORBIDDEN_PARENT',
    ],
    [
      'writing the producers of HTTP appends',
      (doc) => {
        doc.getMap('httpProducers').set('p', 1)
      },
      'FORBIDDEN_PARENT',
    ],
    [
      'creating a root of its own',
      (doc) => {
        doc.getArray('other').push([1])
      },
      'FORBIDDEN_PARENT',
    ],
  ])('%s → %s', (_label, change, expected) => {
    const before = Y.encodeStateAsUpdate(live)
    expect(reason(send(anyone, change))).toBe(expected)
    expect(Y.encodeStateAsUpdate(live)).toEqual(before)
  })

  it('limits the clientIDs of one connection', () => {
    const many = openPeer(6000)
    for (let offset = 0; offset <= 32; offset++) {
      many.doc.clientID = 6000 + offset
      const result = send(many, (doc) => {
        getSessionRoots(doc).context.set(`k${offset}`, offset)
      })
      expect(reason(result)).toBe(offset < 32 ? 'accept' : 'TOO_MANY_CLIENT_IDS')
    }
  })

  it('refuses changing a steer other than by its handled mark', () => {
    expect(
      reason(
        send(anyone, (doc) => {
          appendSteer(doc, { id: 'st_p', kind: 'note', author: 'x', text: 'first' })
        }),
      ),
    ).toBe('accept')
    expect(
      reason(
        send(openPeer(4002), (doc) => {
          getSessionRoots(doc).steering.get(0).set('text', 'edited')
        }),
      ),
    ).toBe('FORBIDDEN_PARENT')
  })

  it('after a refusal, defers what repeats or follows the refused structs instead of refusing it again', () => {
    const refused = edit(anyone, (doc) => {
      getSessionRoots(doc).meta.set('title', 'pwned')
    })
    const next = edit(anyone, (doc) => {
      appendMessage(doc, { id: 'm_n', role: 'user', author: 'x', status: 'done' })
    })
    const verdict = inspect(anyone, refused)
    expect(verdict).toMatchObject({
      verdict: 'reject',
      rejection: { reason: 'FORBIDDEN_PARENT', clocks: new Map([[4001, 0]]) },
    })
    const held = verdict.verdict === 'reject' ? verdict.rejection.clocks : new Map<number, number>()
    expect(reason(inspect(anyone, next))).toBe('CLOCK_GAP')
    expect(inspect(anyone, next, held)).toMatchObject({ verdict: 'defer', clientId: 4001 })
    // The same structs again, alone or with what followed them (a sync step 2 after an update frame).
    expect(inspect(anyone, refused, held)).toMatchObject({ verdict: 'defer', clientId: 4001 })
    expect(inspect(anyone, Y.mergeUpdates([refused, next]), held)).toMatchObject({ verdict: 'defer', clientId: 4001 })
    // Another clientID is inspected as usual.
    expect(
      reason(
        send(openPeer(4002), (doc) => {
          getSessionRoots(doc).messages.push(['boom' as unknown as Y.Map<unknown>])
        }),
      ),
    ).toBe('SCHEMA_MISMATCH')
  })
})

/** A v1 update of one GC struct. */
function gcUpdate(client: number, clock: number, length: number): Uint8Array {
  const encoder = encoding.createEncoder()
  for (const value of [1, 1, client, clock]) encoding.writeVarUint(encoder, value)
  encoding.writeUint8(encoder, 0)
  encoding.writeVarUint(encoder, length)
  encoding.writeVarUint(encoder, 0)
  return encoding.toUint8Array(encoder)
}
