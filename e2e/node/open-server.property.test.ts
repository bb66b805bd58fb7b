/**
 * Property (fast-check) of an open server (no auth, PROTOCOL.md §8.3) over a real WebSocket and SQLite: valid
 * updates of a live conversation (the SDKs' own writes), mixed with random Yjs operations on any part of the
 * document with values of any type (strings where maps belong, maps where text belongs, deletes of anything,
 * writes to server-only roots) and sometimes with byte-level mutations on top, never leave the server unable to
 * serve the transcript. After every update `GET /v1/sessions/:id` answers 200, the live document keeps the shape of
 * the session schema (no entry that readers would quarantine, PROTOCOL.md §1.3) and equals a replay of its log; after
 * all runs the session reloads and answers the same after a restart.
 */
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import {
  MESSAGE_ROLES,
  MESSAGE_STATUSES,
  PART_TYPES,
  RUN_STATES,
  SESSION_ROOTS,
  STEER_KINDS,
} from '../../shared/session/session-schema.ts'
import { findQuarantined } from '../../shared/session/find-quarantined.ts'
import { appendMessage, appendSteer, appendText, getSessionRoots } from '../../shared/session/session-doc.ts'
import { testSeed } from '../../shared/testing/seeded-random.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { applyMutations, MUTATION_KINDS, type FrameMutation } from '../fuzz/frame-mutation.ts'
import {
  liveFingerprint,
  sameFingerprint,
  storedFingerprint,
  type SessionFingerprint,
} from '../fuzz/session-fingerprint.ts'
import { awaitAnswer, forgeUpdate } from '../testing/attack-kit.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { fetchTranscript } from '../testing/test-tokens.ts'

const test = testWithStore('sqlite')

/** Keys the session schema knows, and one it does not. */
const KEYS = [
  'id',
  'role',
  'author',
  'status',
  'parts',
  'type',
  'text',
  'kind',
  'agent',
  'state',
  'createdAt',
  'handledBy',
  'title',
  'extra',
] as const

/** A value a mutation writes: plain values of every type, shared types (empty or filled) and binary. */
type Value =
  | { readonly plain: unknown }
  | { readonly type: 'map' | 'empty-map' | 'array' | 'text' }
  | { readonly binary: number }

/** One random Yjs operation, its target picked among the document's shared types by index. */
interface Operation {
  readonly target: number
  readonly op: 'set' | 'delete-key' | 'push' | 'insert' | 'delete-range' | 'insert-text' | 'format'
  readonly key: (typeof KEYS)[number]
  readonly index: number
  readonly value: Value
}

/** A change the SDKs make, so the session grows and random operations meet more of its shapes. */
interface HonestChange {
  readonly honest: 'message' | 'steer' | 'text' | 'context'
  readonly text: string
}

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.record({
    plain: fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(...MESSAGE_STATUSES, ...STEER_KINDS, ...PART_TYPES, ...MESSAGE_ROLES),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2, noNullPrototype: true }),
    ),
  }),
  fc.record({ type: fc.constantFrom('map' as const, 'empty-map' as const, 'array' as const, 'text' as const) }),
  fc.record({ binary: fc.integer({ min: 0, max: 8 }) }),
)

const operationArb: fc.Arbitrary<Operation> = fc.record({
  target: fc.nat({ max: 63 }),
  op: fc.constantFrom('set', 'delete-key', 'push', 'insert', 'delete-range', 'insert-text', 'format'),
  key: fc.constantFrom(...KEYS),
  index: fc.nat({ max: 4 }),
  value: valueArb,
})

const honestArb: fc.Arbitrary<HonestChange> = fc.record({
  honest: fc.constantFrom('message' as const, 'steer' as const, 'text' as const, 'context' as const),
  text: fc.string({ minLength: 1, maxLength: 12 }),
})

const mutationArb: fc.Arbitrary<FrameMutation> = fc.record({
  kind: fc.constantFrom(...MUTATION_KINDS),
  at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  value: fc.integer({ min: 0, max: 255 }),
})

/** Every shared type of `doc`: the session roots, other roots the document knows, and everything nested in them. */
function sharedTypes(doc: Y.Doc): Array<Y.AbstractType<unknown>> {
  const { meta, messages, steering, runs, context } = getSessionRoots(doc)
  const found: Array<Y.AbstractType<unknown>> = []
  const visit = (type: Y.AbstractType<unknown>): void => {
    found.push(type)
    const children = type instanceof Y.Map ? [...type.values()] : type instanceof Y.Array ? type.toArray() : []
    for (const child of children) if (child instanceof Y.AbstractType) visit(child)
  }
  const roots = [
    messages,
    steering,
    runs,
    context,
    meta,
    doc.getMap(SESSION_ROOTS.HTTP_PRODUCERS),
    doc.getArray('elsewhere'),
  ]
  for (const root of roots) visit(root as unknown as Y.AbstractType<unknown>)
  return found
}

function materialize(value: Value): unknown {
  if ('plain' in value) return value.plain
  if ('binary' in value) return new Uint8Array(value.binary)
  if (value.type === 'map')
    return new Y.Map<unknown>([
      ['id', 'm_new'],
      ['role', 'user'],
      ['author', 'x'],
      ['type', 'text'],
    ])
  if (value.type === 'empty-map') return new Y.Map<unknown>()
  return value.type === 'array' ? new Y.Array() : new Y.Text('t')
}

/** Applies `change` to `doc` as the SDKs would. */
function applyHonest(doc: Y.Doc, change: HonestChange, tag: string): void {
  const { messages, context } = getSessionRoots(doc)
  const last: unknown = messages.length > 0 ? messages.get(messages.length - 1) : undefined
  if (change.honest === 'message')
    appendMessage(doc, { id: `m_${tag}`, role: 'user', author: 'prop', status: 'done', text: change.text })
  else if (change.honest === 'steer')
    appendSteer(doc, { id: `st_${tag}`, kind: 'note', author: 'prop', text: change.text })
  else if (change.honest === 'text' && last instanceof Y.Map && last.get('parts') instanceof Y.Array)
    appendText(last, change.text)
  else context.set(tag, change.text)
}

/** Applies `operation` to `doc`, if its target type supports it. */
function apply(doc: Y.Doc, operation: Operation): void {
  const types = sharedTypes(doc)
  const type = types[operation.target % types.length] as Y.AbstractType<unknown>
  const value = materialize(operation.value)
  if (type instanceof Y.Map) {
    if (operation.op === 'delete-key') type.delete(operation.key)
    else type.set(operation.key, value)
  } else if (type instanceof Y.Array) {
    const index = Math.min(operation.index, type.length)
    if (operation.op === 'delete-range')
      type.delete(Math.min(index, Math.max(0, type.length - 1)), type.length === 0 ? 0 : 1)
    else if (operation.op === 'insert') type.insert(index, [value])
    else type.push([value])
  } else if (type instanceof Y.Text) {
    const index = Math.min(operation.index, type.length)
    if (operation.op === 'delete-range')
      type.delete(Math.min(index, Math.max(0, type.length - 1)), type.length === 0 ? 0 : 1)
    else if (operation.op === 'format') type.format(0, type.length, { bold: true })
    else if (value instanceof Y.AbstractType || 'type' in operation.value) type.insertEmbed(index, { embedded: true })
    else type.insert(index, String(value))
  }
}

/** Problems that would break a reader of the session: shapes the schema (shared/session/session-schema.ts) rules out. */
function shapeProblems(doc: Y.Doc): string[] {
  const { messages, steering, runs } = getSessionRoots(doc)
  const problems: string[] = []
  const oneOf = (allowed: readonly string[], value: unknown, what: string): void => {
    if (value !== undefined && !allowed.includes(value as string)) problems.push(`${what} ${String(value)}`)
  }
  messages.toArray().forEach((message: unknown, index) => {
    if (!(message instanceof Y.Map)) {
      problems.push(`message ${index} is not a map`)
      return
    }
    oneOf(MESSAGE_ROLES, message.get('role'), 'message role')
    oneOf(MESSAGE_STATUSES, message.get('status'), 'message status')
    const parts: unknown = message.get('parts')
    if (parts === undefined) return
    if (!(parts instanceof Y.Array)) {
      problems.push(`parts of message ${index} is not a list`)
      return
    }
    for (const part of parts.toArray() as unknown[]) {
      if (!(part instanceof Y.Map)) {
        problems.push(`a part of message ${index} is not a map`)
        continue
      }
      oneOf(PART_TYPES, part.get('type'), 'part type')
      const text: unknown = part.get('text')
      if (text !== undefined && !(text instanceof Y.Text)) problems.push(`a text of message ${index} is not a Y.Text`)
    }
  })
  steering.toArray().forEach((steer: unknown, index) => {
    if (!(steer instanceof Y.Map)) {
      problems.push(`steer ${index} is not a map`)
      return
    }
    oneOf(STEER_KINDS, steer.get('kind'), 'steer kind')
  })
  runs.forEach((run: unknown, id) => {
    if (!(run instanceof Y.Map)) {
      problems.push(`run ${id} is not a map`)
      return
    }
    oneOf(RUN_STATES, run.get('state'), 'run state')
  })
  return problems
}

/** Expects the server to serve the transcript and hold a session of schema shape that equals its log. */
async function expectServed(server: SessionServer, sessionId: string, label: string): Promise<void> {
  const { status } = await fetchTranscript(server.url, sessionId, undefined)
  expect(status, label).toBe(200)
  const live = server.hocuspocus.documents.get(sessionId)
  expect(live, label).toBeDefined()
  expect(shapeProblems(live as Y.Doc), label).toEqual([])
  expect(findQuarantined(live as Y.Doc), `${label}: entries readers would skip`).toEqual([])
  expect(
    sameFingerprint(
      liveFingerprint(server, sessionId) as SessionFingerprint,
      await storedFingerprint(server, sessionId),
    ),
    `${label}: the live session differs from its log`,
  ).toBe(true)
}

describe('an open server under random mutations of valid updates (fast-check)', () => {
  test('always serves the transcript, keeps the schema shape and equals its log, also after a restart', async ({
    server,
    startServer,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced()
    const agent = await connectAgent()
    agent.onUserMessage(async (message) => {
      const reply = agent.startReply({ replyTo: message.id })
      reply.appendPart({ type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: { q: message.text } })
      await reply.pipe(
        (async function* () {
          yield 'an answer'
        })(),
      )
    })
    alice.sendMessage('a question')
    alice.steer({ kind: 'note', text: 'a note' })
    await expect
      .poll(() => alice.messages().find((message) => message.role === 'assistant')?.status, { timeout: 5_000 })
      .toBe('done')
    await alice.waitUntilDurable()
    const outcomes = { accepted: 0, refused: 0 }
    let run = 0
    const seed = testSeed(20_261_127)
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ arbitrary: honestArb, weight: 2 }, { arbitrary: operationArb, weight: 3 }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.option(fc.array(mutationArb, { minLength: 1, maxLength: 2 }), { freq: 4 }),
        async (changes, mutations) => {
          const label = `run ${++run}: ${JSON.stringify(changes)} ${JSON.stringify(mutations)}`
          const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: '' })
          try {
            const update = await forgeUpdate(raw, 800_000 + run, (doc) => {
              changes.forEach((change, index) => {
                if ('honest' in change) applyHonest(doc, change, `${run}_${index}`)
                else apply(doc, change)
              })
            })
            raw.sendUpdate(mutations === null ? update : applyMutations(update, mutations))
            const answer = await Promise.race([awaitAnswer(raw), raw.closed.then(() => undefined)])
            if (answer?.applied === true) outcomes.accepted++
            else outcomes.refused++
            await expectServed(server, sessionId, label)
          } finally {
            raw.close()
            await raw.closed
          }
        },
      ),
      { numRuns: 300, seed },
    )
    console.log(`seed ${seed}: ${JSON.stringify(outcomes)}`)
    expect(outcomes.accepted).toBeGreaterThan(0)
    expect(outcomes.refused).toBeGreaterThan(0)
    const before = await fetchTranscript(server.url, sessionId, undefined)
    alice.destroy()
    agent.client.destroy()
    await server.close()
    const restarted = await startServer()
    expect(await fetchTranscript(restarted.url, sessionId, undefined)).toEqual(before)
    // 300 generated runs, each a mutated update over a real WebSocket checked against the stored log, then a
    // restart: minutes on a shared 2-core machine.
  }, 180_000)
})
