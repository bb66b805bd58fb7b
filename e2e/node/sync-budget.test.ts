/**
 * The outbound budget (PROTOCOL.md §10.4) over real WebSockets against a real server on SQLite: a connection that
 * keeps asking for the whole session, or a principal that keeps opening connections that do, is closed with
 * RATE_LIMITED after a close notice naming the `sync-bytes` limit, its scope and `retryAfterMs`; the answers it
 * got are charged exactly the bytes of their frames, the refused one its estimate, a little over its real size; other principals are not affected. With the default limits, normal use —
 * twenty tabs loading a 100k-token session at once while the agent streams, then all of them reloading — never meets
 * the budget. The limits' clock is injected and stands still, so what passes depends on the bursts alone.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { decodeCloseNotice, type CloseNotice } from '../../shared/protocol/close-notice.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { expectedText, tokenAt } from '../../shared/testing/token-stream.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { syncFrame } from '../testing/crafted-frames.ts'
import { connectRawSession, type RawSessionSocket } from '../testing/raw-session-socket.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'
import { closeFor } from '../testing/close-for.ts'

const events: SecurityEvent[] = []
const auth = {
  secret: TEST_AUTH_SECRET,
  onSecurityEvent: (event: SecurityEvent) => {
    events.push(event)
  },
}
/** The budgets' clock stands still: no bucket refills during a test, however long it runs. */
const limitsNow = (): number => 0
const testConnection = testWithStore('sqlite', {
  auth,
  limits: { syncByteBurst: 24_000, syncBytesPerSecond: 1_000 },
  limitsNow,
})
const testPrincipal = testWithStore('sqlite', {
  auth,
  limits: { principalSyncByteBurst: 24_000, principalSyncBytesPerSecond: 1_000 },
  limitsNow,
})
const testDefaults = testWithStore('sqlite', { auth, limitsNow })
/** A clock the test moves, for bursts smaller than one answer. */
let movedMs = 0
const testSmallBursts = testWithStore('sqlite', {
  auth,
  limits: {
    syncByteBurst: 2_000,
    syncBytesPerSecond: 1_000,
    principalSyncByteBurst: 2_000,
    principalSyncBytesPerSecond: 1_000,
  },
  limitsNow: () => movedMs,
})

const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc())

/** Writes a 5 000-character message as alice and waits until it is stored. */
async function writeSession(
  connectClient: (options: { principalId: string; token: string }) => SessionClient,
  sessionId: string,
): Promise<void> {
  const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
  await alice.waitForSynced()
  alice.sendMessage('x'.repeat(5_000))
  await alice.waitUntilDurable()
  alice.destroy()
}

const answers = (raw: RawSessionSocket): Uint8Array[] =>
  raw.frames.flatMap((frame) => (frame.type === 'sync' && frame.step === 1 ? [frame.payload] : []))

/** The close notice `raw` received before its RATE_LIMITED close. */
async function closeNotice(raw: RawSessionSocket): Promise<CloseNotice> {
  expect(await raw.closed).toEqual(closeFor('RATE_LIMITED'))
  const notices = raw.frames.flatMap((frame) =>
    frame.type === 'stateless' ? [decodeCloseNotice(frame.payload) ?? []].flat() : [],
  )
  expect(notices).toHaveLength(1)
  return notices[0] as CloseNotice
}

describe('sync answer budget', () => {
  testConnection(
    'a connection repeating sync step 1 is closed once its answers pass its budget',
    async ({ server, sessionId, connectClient }) => {
      await writeSession(connectClient, sessionId)
      const raw = await connectRawSession({
        url: server.websocketUrl,
        sessionId,
        token: tokenFor('bob', 'user', sessionId),
      })
      for (let ask = 0; ask < 10; ask++) raw.sendSyncStep1(EMPTY_STATE_VECTOR)
      const notice = await closeNotice(raw)
      const answered = answers(raw)
      // 24 000 bytes of burst pay for four answers of a little over 5 000 bytes; the fifth is refused.
      expect(answered).toHaveLength(4)
      const size = (answered[0] as Uint8Array).byteLength
      expect(answered.every((answer) => answer.byteLength === size)).toBe(true)
      expect(notice).toMatchObject({
        code: 'RATE_LIMITED',
        details: { limit: 'sync-bytes', scope: 'connection', perSecond: 1_000, burst: 24_000, sessionId },
      })
      expect(notice.details.bytes).toBeGreaterThanOrEqual(size)
      expect(notice.details.bytes).toBeLessThan(size + 1_024)
      // The fifth answer waits for what the four before it, each charged its two frames, left it short of, at 1 000
      // bytes a second.
      const ownStep1 = raw.frames.find((frame) => frame.type === 'sync' && frame.step === 0)
      const charged =
        syncFrame(sessionId, SYNC_MESSAGE_TYPE.STEP1, (ownStep1 as { payload: Uint8Array }).payload).byteLength +
        syncFrame(sessionId, SYNC_MESSAGE_TYPE.STEP2, answered[0] as Uint8Array).byteLength
      const bytes = notice.details.bytes as number
      expect(notice.details.retryAfterMs).toBe(4 * charged + bytes - 24_000)
      expect(
        events
          .filter((event) => event.sessionId === sessionId)
          .map((event) => [event.kind, event.principalId, event.error.details.limit]),
      ).toEqual([['limit-exceeded', 'bob', 'sync-bytes']])
    },
  )

  testPrincipal(
    'a principal opening connection after connection is refused at the first sync once its budget is spent; others are not',
    async ({ server, sessionId, connectClient }) => {
      await writeSession(connectClient, sessionId)
      const token = tokenFor('bob', 'user', sessionId)
      const opened: RawSessionSocket[] = []
      for (let attempt = 0; attempt < 10; attempt++) {
        const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token })
        opened.push(raw)
        if (
          await Promise.race([
            raw.closed.then(() => true),
            raw.waitForFrame('sync').then(
              () => false,
              () => true,
            ),
          ])
        )
          break
      }
      expect(opened).toHaveLength(5)
      const refused = opened.at(-1) as RawSessionSocket
      expect(answers(refused)).toEqual([])
      expect((await closeNotice(refused)).details).toMatchObject({
        limit: 'sync-bytes',
        scope: 'principal',
        perSecond: 1_000,
        burst: 24_000,
      })
      const carol = await connectRawSession({
        url: server.websocketUrl,
        sessionId,
        token: tokenFor('carol', 'user', sessionId),
      })
      expect((await carol.serverState()).byteLength).toBeGreaterThan(5_000)
    },
  )
})

describe('answers larger than a burst', () => {
  testSmallBursts(
    "a connection's first answer passes its own bucket but not a spent principal's; it passes once both are full",
    async ({ server, sessionId, connectClient }) => {
      await writeSession(connectClient, sessionId)
      const token = tokenFor('bob', 'user', sessionId)
      const first = await connectRawSession({ url: server.websocketUrl, sessionId, token })
      expect((await first.serverState()).byteLength).toBeGreaterThan(5_000)
      const second = await connectRawSession({ url: server.websocketUrl, sessionId, token })
      expect((await closeNotice(second)).details).toMatchObject({ limit: 'sync-bytes', scope: 'principal' })
      expect(answers(second)).toEqual([])
      movedMs += 2_000 // the principal's bucket is full again
      const third = await connectRawSession({ url: server.websocketUrl, sessionId, token })
      expect((await third.serverState()).byteLength).toBeGreaterThan(5_000)
    },
  )
})

describe('default budget', () => {
  testDefaults(
    'twenty tabs loading a 100k-token session while the agent streams, then reloading, never meet it',
    async ({ server, sessionId, connectClient, connectAgent }) => {
      const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
      await alice.waitForSynced()
      const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
      const tokens = async function* (count: number): AsyncGenerator<string> {
        for (let index = 0; index < count; index++) yield tokenAt(index)
      }
      expect(await agent.startReply({ replyTo: alice.sendMessage('a long one please') }).pipe(tokens(100_000))).toBe(
        'done',
      )
      const errors: string[] = []
      const openTabs = async (): Promise<SessionClient[]> => {
        const tabs = Array.from({ length: 20 }, () =>
          connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) }),
        )
        for (const tab of tabs)
          tab.on('error', (error) => {
            errors.push(error.code)
          })
        await Promise.all(tabs.map((tab) => tab.waitForSynced(30_000)))
        return tabs
      }
      // The agent streams a second reply while the tabs load, and every tab writes and waits until it is durable.
      const streaming = agent.startReply({ replyTo: alice.sendMessage('and another') }).pipe(tokens(20_000))
      const tabs = await openTabs()
      for (const tab of tabs) tab.sendMessage('from a tab')
      await Promise.all(tabs.map((tab) => tab.waitUntilDurable(30_000)))
      expect(await streaming).toBe('done')
      for (const tab of tabs) tab.destroy()
      const reloaded = await openTabs()
      // Two questions, twenty tab messages, two replies; the first reply is the 100k tokens (about 0.7 MB).
      expect(reloaded.map((tab) => tab.messages().length)).toEqual(reloaded.map(() => 24))
      expect(reloaded[0]?.messages().find((message) => message.role === 'assistant')?.text).toBe(expectedText(100_000))
      expect(errors).toEqual([])
      expect(events.filter((event) => event.sessionId === sessionId)).toEqual([])
      expect(server.hocuspocus.getDocumentsCount()).toBe(1)
    },
    120_000,
  )
})
