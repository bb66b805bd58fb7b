/**
 * Bad frames (PROTOCOL.md §2.5) over real WebSockets and the real HTTP fallback against a real server on SQLite,
 * with and without auth: bytes without a readable header close the connection with BAD_FRAME at once (never
 * Hocuspocus' "Unauthorized"); truncated, malformed and unknown frames are dropped and counted, and the one after
 * BAD_FRAME_BUDGET closes the connection; nothing of them reaches the log. A frame over `maxFrameBytes` closes the
 * socket with reason MESSAGE_TOO_LARGE; a fallback upload over it answers 413 MESSAGE_TOO_LARGE and closes
 * the connection the same way.
 */
import { describe, expect } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import type { SessionServer, SessionServerOptions } from '../../server/session-server.ts'
import { BAD_FRAME_BUDGET } from '../../shared/protocol/bad-frame-reasons.ts'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { authFrame, badFramesWithHeader, GARBAGE_FRAME, probeFrame } from '../testing/crafted-frames.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { openRawFallback } from '../testing/raw-fallback-connection.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { metricValue } from '../testing/scrape-metrics.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'
import { closeFor } from '../testing/close-for.ts'

const events: SecurityEvent[] = []
const auth = {
  secret: TEST_AUTH_SECRET,
  onSecurityEvent: (event: SecurityEvent) => {
    events.push(event)
  },
}
const MAX_FRAME_BYTES = 64 * 1024

interface Setup {
  readonly name: string
  readonly options: Partial<SessionServerOptions>
  readonly token: (sessionId: string) => string
  /** Token for GET /metrics. */
  readonly metricsToken: string | undefined
}

const SETUPS: readonly Setup[] = [
  { name: 'without auth', options: {}, token: () => '', metricsToken: undefined },
  {
    name: 'with auth',
    options: { auth },
    token: (sessionId) => tokenFor('alice', 'user', sessionId),
    metricsToken: tokenFor('prometheus', 'observer', '*'),
  },
]

/** Opens a WebSocket and resolves with it once open, and with its close code and reason once closed. */
async function openSocket(url: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url)
  ws.on('error', () => undefined) // reason: failures surface as the close event
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
    })
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve()
    })
    ws.once('close', () => {
      reject(new Error('socket closed before opening'))
    })
  })
  return { ws, closed }
}

/** The state vector of the session as stored (snapshot and log). */
async function storedStateVector(server: SessionServer, sessionId: string): Promise<Uint8Array> {
  const { doc } = applyStoredSession(sessionId, await server.updateLog.load(sessionId))
  const vector = Y.encodeStateVector(doc)
  doc.destroy()
  return vector
}

const badFrameCount = (server: SessionServer, setup: Setup, reason: string): Promise<number | undefined> =>
  metricValue(server.url, setup.metricsToken, 'lifeline_bad_frames_total', { reason })

describe.each(SETUPS)('bad frames $name', (setup) => {
  const test = testWithStore('sqlite', setup.options)

  test('bytes without a readable header close the connection with 4400 BAD_FRAME, before and after authentication', async ({
    server,
    sessionId,
  }) => {
    const anonymous = await openSocket(server.websocketUrl)
    anonymous.ws.send(GARBAGE_FRAME)
    expect(await anonymous.closed).toEqual(closeFor('BAD_FRAME'))

    const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: setup.token(sessionId) })
    await raw.serverState()
    raw.sendBytes(GARBAGE_FRAME)
    expect(await raw.closed).toEqual(closeFor('BAD_FRAME'))
    await expect.poll(() => badFrameCount(server, setup, 'NO_HEADER'), { timeout: 5_000 }).toBe(2)
  })

  test('a frame naming an invalid session id closes the connection with INVALID_SESSION_ID and creates no session', async ({
    server,
  }) => {
    for (const sessionId of ['bad id!', 'x'.repeat(129)]) {
      const socket = await openSocket(server.websocketUrl)
      socket.ws.send(authFrame(sessionId, setup.token('*')))
      socket.ws.send(probeFrame(sessionId))
      expect(await socket.closed).toEqual(closeFor('INVALID_SESSION_ID'))
      expect(await server.updateLog.getSession(sessionId)).toBeUndefined()
    }
    expect(await badFrameCount(server, setup, 'INVALID_SESSION_ID')).toBe(2)
  })

  test(`truncated, malformed and unknown frames are dropped and counted; the one after ${BAD_FRAME_BUDGET} closes with BAD_FRAME`, async ({
    server,
    sessionId,
  }) => {
    const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: setup.token(sessionId) })
    await raw.serverState()
    const stored = await storedStateVector(server, sessionId)
    const bad = badFramesWithHeader(sessionId)
    raw.sendBytes(bad.TRUNCATED)
    raw.sendBytes(bad.MALFORMED)
    // Still served: a probe sent after the dropped frames is answered.
    const answers = (): number =>
      raw.frames.filter((frame) => frame.type === 'sync' && frame.step === SYNC_MESSAGE_TYPE.STEP2).length
    const before = answers()
    raw.sendSyncStep1(new Uint8Array([0]))
    await expect.poll(answers, { timeout: 5_000 }).toBe(before + 1)
    raw.sendBytes(bad.UNKNOWN_TYPE)
    expect(await raw.closed).toEqual(closeFor('BAD_FRAME'))
    for (const reason of ['TRUNCATED', 'MALFORMED', 'UNKNOWN_TYPE']) {
      await expect.poll(() => badFrameCount(server, setup, reason), { timeout: 5_000 }).toBe(1)
    }
    expect(await storedStateVector(server, sessionId)).toEqual(stored)
    if (setup.options.auth !== undefined) {
      expect(
        events
          .filter((event) => event.sessionId === sessionId)
          .map((event) => [event.kind, event.error.details.reason, event.error.details.closed]),
      ).toEqual([
        ['bad-frame', 'TRUNCATED', false],
        ['bad-frame', 'MALFORMED', false],
        ['bad-frame', 'UNKNOWN_TYPE', true],
      ])
    }
  })

  test('the HTTP fallback answers bad frames as the WebSocket does', async ({ server, sessionId }) => {
    const raw = await openRawFallback(server.url)
    expect((await raw.send([authFrame(sessionId, setup.token(sessionId)), probeFrame(sessionId)])).status).toBe(200)
    await expect.poll(() => raw.frames.length, { timeout: 5_000 }).toBeGreaterThan(1)
    const bad = badFramesWithHeader(sessionId)
    expect((await raw.send([bad.TRUNCATED])).status).toBe(200)
    expect((await raw.send([GARBAGE_FRAME])).status).toBe(200)
    expect(await raw.closed).toEqual(closeFor('BAD_FRAME'))
    expect(await badFrameCount(server, setup, 'TRUNCATED')).toBe(1)
    expect(await badFrameCount(server, setup, 'NO_HEADER')).toBe(1)
  })
})

describe('frames over the frame cap', () => {
  const test = testWithStore('sqlite', { auth, maxFrameBytes: MAX_FRAME_BYTES })

  test('a WebSocket frame over maxFrameBytes closes the socket with 1009 and reason MESSAGE_TOO_LARGE', async ({
    server,
    sessionId,
  }) => {
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('bob', 'user', sessionId),
    })
    await raw.serverState()
    raw.sendBytes(new Uint8Array(MAX_FRAME_BYTES + 1))
    expect(await raw.closed).toEqual(closeFor('MESSAGE_TOO_LARGE'))
    expect(
      events
        .filter((event) => event.error.code === 'MESSAGE_TOO_LARGE')
        .map((event) => [event.kind, event.error.details]),
    ).toContainEqual(['limit-exceeded', { maxFrameBytes: MAX_FRAME_BYTES }])
  })

  test('a fallback upload over maxFrameBytes answers 413 MESSAGE_TOO_LARGE and closes the connection with it', async ({
    server,
    sessionId,
  }) => {
    const raw = await openRawFallback(server.url)
    expect(
      (await raw.send([authFrame(sessionId, tokenFor('carol', 'user', sessionId)), probeFrame(sessionId)])).status,
    ).toBe(200)
    await expect.poll(() => raw.frames.length, { timeout: 5_000 }).toBeGreaterThan(1)
    const tooLarge = await raw.send([new Uint8Array(MAX_FRAME_BYTES)]) // the length prefix makes the body one frame cap and more
    expect(tooLarge.status).toBe(413)
    expect(await tooLarge.json()).toMatchObject({
      error: { code: 'MESSAGE_TOO_LARGE', details: { maxBytes: MAX_FRAME_BYTES } },
    })
    expect(await raw.closed).toEqual(closeFor('MESSAGE_TOO_LARGE'))
  })
})
