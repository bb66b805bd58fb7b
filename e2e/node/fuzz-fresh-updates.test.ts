/**
 * The fuzz's fresh updates (e2e/fuzz/next-fuzz-frame.ts), built on a worker's copy of the session from list tails
 * only, are what an honest user would send: a real server with auth accepts each one, a connection's updates continue
 * its clientID, and a copy that has fallen behind the session still appends validly.
 */
import { expect } from 'vitest'
import { createSeededRandom } from '../../shared/testing/seeded-random.ts'
import { createSessionFollower, type SessionFollower } from '../fuzz/session-follower.ts'
import { freshUserUpdateFrame, type FuzzWriter } from '../fuzz/next-fuzz-frame.ts'
import { storedTranscript } from '../testing/attack-kit.ts'
import { test } from '../testing/fixtures.ts'
import { connectRawSession, type RawSessionSocket } from '../testing/raw-session-socket.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'

/** Asks the server for what `follower` lacks and hands it the answer, as a fuzz worker's probe does. */
async function catchUp(raw: RawSessionSocket, follower: SessionFollower): Promise<void> {
  const before = raw.frames.filter((frame) => frame.type === 'sync' && frame.step === 1).length
  raw.sendSyncStep1(follower.stateVector())
  const answer = await raw.waitForFrame(
    'sync',
    5_000,
    (frame) =>
      frame.step === 1 &&
      raw.frames.filter((other) => other.type === 'sync' && other.step === 1).indexOf(frame) === before,
  )
  follower.receive(answer.payload)
  follower.catchUp()
}

/** Sends a raw frame and waits for its SyncStatus. */
async function sendAndAck(raw: RawSessionSocket, send: (raw: RawSessionSocket) => void): Promise<boolean> {
  const before = raw.frames.filter((frame) => frame.type === 'sync-status').length
  send(raw)
  await expect
    .poll(() => raw.frames.filter((frame) => frame.type === 'sync-status').length, { timeout: 5_000 })
    .toBe(before + 1)
  const status = raw.frames.filter((frame) => frame.type === 'sync-status').at(-1)
  return status?.type === 'sync-status' && status.applied
}

test('fresh updates built from list tails are accepted one after another, also on a copy that lags behind', async ({
  startServer,
  sessionId,
}) => {
  const server = await startServer(AUTH_ON)
  const token = tokenFor('fuzz-user', 'user', sessionId)
  const random = createSeededRandom(7)
  const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token })
  const follower = createSessionFollower()
  await catchUp(raw, follower)
  const writer: FuzzWriter = { clientId: 424_242, clock: 0 }
  const stale = createSessionFollower()
  for (let index = 0; index < 6; index++) {
    // After the first, every other update comes from a copy that stopped following: its list tail is an older entry.
    const copy = index % 2 === 1 ? stale : follower
    const { frame, clock } = freshUserUpdateFrame(random, copy, writer, sessionId, 'fuzz-user')
    expect(
      await sendAndAck(raw, (socket) => {
        socket.sendBytes(frame)
      }),
      `update ${index}`,
    ).toBe(true)
    writer.clock = clock
    await catchUp(raw, index === 0 ? stale : follower)
  }
  const transcript = (await storedTranscript(server, sessionId)) as { messages: unknown[]; steering: unknown[] }
  expect(transcript.messages.length + transcript.steering.length).toBe(6)
  follower.destroy()
  stale.destroy()
})
