/**
 * A writer's own frames after an accepted update (server/extensions/hold-writer-frames.ts): applying the update sends
 * it to every connection of the session, the writer's first, then the writer's SyncStatus. The writer's two frames
 * are held in its socket's buffer and leave together once the broadcast is done, while a viewer's copy is written at
 * once; the writer still gets the update before its SyncStatus, and the viewer and the log hold every message. Each
 * frame Hocuspocus hands a connection is watched with the socket's `bufferedAmount` right after: 0 once written to
 * the operating system, more while held.
 */
import { describe, expect } from 'vitest'
import type WebSocket from 'ws'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { getSessionRoots, readMessage } from '../../shared/session/session-doc.ts'
import { test } from '../testing/fixtures.ts'
import { decodeServerFrame } from '../testing/raw-session-socket.ts'
import { watchSentFrames } from '../testing/watch-sent-frames.ts'

const MESSAGES = 5

/** One frame handed to a connection: whose, what, and whether it was still buffered right after. */
interface SentFrame {
  readonly to: 'writer' | 'viewer'
  readonly kind: 'update' | 'sync-status' | 'other'
  readonly held: boolean
}

function kindOf(frame: Uint8Array): SentFrame['kind'] {
  const decoded = decodeServerFrame(frame)
  if (decoded?.type === 'sync-status') return 'sync-status'
  if (decoded?.type === 'sync' && decoded.step === SYNC_MESSAGE_TYPE.UPDATE) return 'update'
  return 'other'
}

describe('a writer’s frames after an accepted update', () => {
  test('are held and written together after the broadcast; the viewer’s copy is written at once', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const writer = connectClient()
    await writer.waitForSynced()
    const viewer = connectClient({ principalId: 'viewer', device: 'viewer' })
    await viewer.waitForSynced()
    const document = server.hocuspocus.documents.get(sessionId)
    const [writerConnection, viewerConnection] = document?.getConnections() ?? []
    const sent: SentFrame[] = []
    for (const [to, connection] of [
      ['writer', writerConnection],
      ['viewer', viewerConnection],
    ] as const) {
      if (connection === undefined) throw new Error(`no ${to} connection`)
      watchSentFrames(connection, (frame) => {
        sent.push({ to, kind: kindOf(frame), held: (connection.webSocket as WebSocket).bufferedAmount > 0 })
      })
    }
    const texts = Array.from({ length: MESSAGES }, (_, index) => `message ${index}`)
    for (const text of texts) {
      const before = sent.length
      writer.sendMessage(text)
      await writer.waitUntilDurable(5_000)
      // From the writer's copy of its update on: sync statuses of either client's first sync may come before it.
      const news = sent.slice(before).filter((frame) => frame.kind !== 'other')
      const frames = news.slice(news.findIndex((frame) => frame.to === 'writer' && frame.kind === 'update'))
      expect(frames).toEqual([
        { to: 'writer', kind: 'update', held: true },
        { to: 'viewer', kind: 'update', held: false },
        { to: 'writer', kind: 'sync-status', held: true },
      ])
    }
    await expect.poll(() => viewer.messages().map((message) => message.text)).toEqual(texts)
    const { doc: stored } = applyStoredSession(sessionId, await server.updateLog.load(sessionId))
    expect(getSessionRoots(stored).messages.map((message) => readMessage(message).text)).toEqual(texts)
  })
})
