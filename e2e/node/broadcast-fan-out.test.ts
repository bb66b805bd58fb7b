/**
 * Fan-out: an update an agent writes reaches every connection of the session as one encoded frame — the same bytes
 * handed to every socket — so broadcasting to K viewers costs one encode and K socket writes, not K encodes
 * (the Fan-out note of docs/benchmarks.md). The server's connections are watched where Hocuspocus hands them a frame.
 */
import { describe, expect } from 'vitest'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { test } from '../testing/fixtures.ts'
import { decodeServerFrame } from '../testing/raw-session-socket.ts'
import { watchSentFrames } from '../testing/watch-sent-frames.ts'

const VIEWERS = 12
const TOKENS = 20

/** True for a sync frame that carries an update (PROTOCOL.md §2.2): what a broadcast of an applied update is. */
function isUpdateFrame(frame: Uint8Array): boolean {
  const decoded = decodeServerFrame(frame)
  return decoded?.type === 'sync' && decoded.step === SYNC_MESSAGE_TYPE.UPDATE
}

describe('broadcast fan-out', () => {
  test('each update reaches every connection as one shared frame', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const viewers = Array.from({ length: VIEWERS }, (_, index) =>
      connectClient({ principalId: `viewer-${index}`, device: `viewer-${index}` }),
    )
    await Promise.all(viewers.map((viewer) => viewer.waitForSynced()))
    const agent = await connectAgent()
    const document = server.hocuspocus.documents.get(sessionId)
    expect(document?.getConnectionsCount()).toBe(VIEWERS + 1)
    /** Each update frame handed to a connection, and how many connections it was handed to. */
    const receivers = new Map<Uint8Array, number>()
    for (const connection of document?.getConnections() ?? [])
      watchSentFrames(connection, (frame) => {
        if (isUpdateFrame(frame)) receivers.set(frame, (receivers.get(frame) ?? 0) + 1)
      })
    const reply = agent.startReply()
    for (let index = 0; index < TOKENS; index++) {
      reply.append(`t${index} `)
      await agent.client.waitUntilDurable(5_000)
    }
    await reply.end()
    const text = Array.from({ length: TOKENS }, (_, index) => `t${index} `).join('')
    for (const viewer of viewers)
      await expect.poll(() => viewer.messages().find((message) => message.role === 'assistant')?.text).toBe(text)
    // One frame per update, each handed to all connections: the writer's own and every viewer's.
    expect(receivers.size).toBeGreaterThanOrEqual(TOKENS)
    expect(new Set(receivers.values())).toEqual(new Set([VIEWERS + 1]))
  })
})
