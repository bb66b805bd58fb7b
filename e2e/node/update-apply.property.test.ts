/**
 * Properties of the inspection and apply path (fast-check) against a real server over a real WebSocket, with auth
 * on and SQLite: an honest user update, mutated by arbitrary byte-level mutations (e2e/fuzz/frame-mutation.ts),
 * is either refused — and then the live session and its stored log are exactly as before — or accepted, and then
 * the live session equals a replay of its log. After all runs the session reloads identically after a restart.
 */
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendSteer, appendText, getSessionRoots } from '../../shared/session/session-doc.ts'
import { testSeed } from '../../shared/testing/seeded-random.ts'
import { applyMutations, MUTATION_KINDS, type FrameMutation } from '../fuzz/frame-mutation.ts'
import {
  liveFingerprint,
  sameFingerprint,
  storedFingerprint,
  type SessionFingerprint,
} from '../fuzz/session-fingerprint.ts'
import { awaitAnswer, forgeUpdate } from '../testing/attack-kit.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession, type RawSessionSocket } from '../testing/raw-session-socket.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'

const test = testWithStore('sqlite', AUTH_ON)

const mutationArb: fc.Arbitrary<FrameMutation> = fc.record({
  kind: fc.constantFrom(...MUTATION_KINDS),
  at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  value: fc.integer({ min: 0, max: 255 }),
})

/** Honest changes alice may make. */
const CHANGES: Record<string, (doc: Y.Doc, tag: string) => void> = {
  message: (doc, tag) => {
    appendMessage(doc, { id: `m_${tag}`, role: 'user', author: 'alice', status: 'done', text: `question ${tag}` })
  },
  steer: (doc, tag) => {
    appendSteer(doc, { id: `st_${tag}`, kind: 'note', author: 'alice', text: `note ${tag}` })
  },
  'edit-own': (doc, tag) => {
    const own = getSessionRoots(doc)
      .messages.toArray()
      .filter((message) => message.get('author') === 'alice')
    const message = own[own.length - 1]
    if (message !== undefined) appendText(message, ` more ${tag}`)
  },
  'delete-own': (doc) => {
    const own = getSessionRoots(doc)
      .messages.toArray()
      .find((message) => message.get('author') === 'alice')
    const text = (own?.get('parts') as Y.Array<Y.Map<unknown>> | undefined)?.get(0)?.get('text')
    if (text instanceof Y.Text && text.length > 2) text.delete(1, 1)
  },
}

type Outcome = 'accepted' | 'deferred' | 'refused'

/**
 * Sends the update `make` builds on a fresh connection of alice and checks the property: refused (or deferred)
 * leaves the live session exactly as before; either way the live session equals a replay of its log.
 */
async function sendAndCheck(
  server: SessionServer,
  sessionId: string,
  token: string,
  make: (raw: RawSessionSocket) => Promise<Uint8Array>,
): Promise<Outcome> {
  const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token })
  try {
    const update = await make(raw)
    const before = liveFingerprint(server, sessionId) as SessionFingerprint
    expect(sameFingerprint(before, await storedFingerprint(server, sessionId))).toBe(true)
    raw.sendUpdate(update)
    // Refused in-band (a notice, then SyncStatus(false)), or, for bytes that are no update at all, by closing.
    const outcome = await Promise.race([
      awaitAnswer(raw).then(
        ({ applied, notices }): Outcome => (applied ? 'accepted' : notices.length > 0 ? 'refused' : 'deferred'),
      ),
      raw.closed.then((): Outcome => 'refused'),
    ])
    const after = liveFingerprint(server, sessionId) as SessionFingerprint
    if (outcome !== 'accepted')
      expect(sameFingerprint(after, before), `a ${outcome} update changed the live session`).toBe(true)
    expect(
      sameFingerprint(after, await storedFingerprint(server, sessionId)),
      'the live session differs from its log',
    ).toBe(true)
    return outcome
  } finally {
    raw.close()
    await raw.closed
  }
}

describe('update inspection and apply (fast-check)', () => {
  test('a mutated update is applied whole or not at all, and the session always equals its log', async ({
    server,
    startServer,
    sessionId,
    connectClient,
  }) => {
    const token = tokenFor('alice', 'user', sessionId)
    const alice = connectClient({ principalId: 'alice', token })
    await alice.waitForSynced()
    alice.sendMessage('the first question')
    await alice.waitUntilDurable()
    const outcomes: Record<Outcome, number> = { accepted: 0, deferred: 0, refused: 0 }
    let run = 0
    const seed = testSeed(20_261_125)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(CHANGES)),
        fc.array(mutationArb, { maxLength: 3 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        async (change, mutations, clientId) => {
          const tag = `${++run}`
          const write = CHANGES[change] as (doc: Y.Doc, tag: string) => void
          outcomes[
            await sendAndCheck(server, sessionId, token, async (raw) =>
              applyMutations(
                await forgeUpdate(raw, clientId, (doc) => {
                  write(doc, tag)
                }),
                mutations,
              ),
            )
          ]++
        },
      ),
      { numRuns: 150, seed },
    )
    console.log(`seed ${seed}: ${JSON.stringify(outcomes)}`)
    expect(outcomes.accepted).toBeGreaterThan(0)
    expect(outcomes.refused).toBeGreaterThan(0)
    const last = liveFingerprint(server, sessionId) as SessionFingerprint
    alice.destroy()
    await server.close()
    const restarted = await startServer()
    expect(sameFingerprint(await storedFingerprint(restarted, sessionId), last)).toBe(true)
    // 150 generated runs, each a mutated update over a real WebSocket checked against the stored log, then a
    // restart: minutes on a shared 2-core machine.
  }, 180_000)

  test('random bytes sent as an update never change the session', async ({ server, sessionId, connectClient }) => {
    const token = tokenFor('alice', 'user', sessionId)
    const alice = connectClient({ principalId: 'alice', token })
    await alice.waitForSynced()
    alice.sendMessage('a question')
    await alice.waitUntilDurable()
    const before = liveFingerprint(server, sessionId) as SessionFingerprint
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 96 }), async (bytes) => {
        await sendAndCheck(server, sessionId, token, async () => bytes)
      }),
      { numRuns: 100, seed: testSeed(20_261_126) },
    )
    // Random bytes may decode as an empty update (accepted, a no-op), never as a change.
    expect(sameFingerprint(liveFingerprint(server, sessionId) as SessionFingerprint, before)).toBe(true)
    // 100 random byte strings, each sent over a real WebSocket and checked against the stored session: past the
    // 15 s default on a shared 2-core machine.
  }, 120_000)
})
