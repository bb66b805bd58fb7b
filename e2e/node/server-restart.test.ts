/**
 * The server stops mid-stream (sockets cut while agent updates are in flight) and starts
 * again on the same port and SQLite file. Everything the server had acknowledged must be in storage before the
 * restart (checked against both what the agent saw acknowledged and what the server had applied, which it acks
 * synchronously), and the finished reply must be exactly the agent's text.
 */
import { describe, expect } from 'vitest'
import { readTranscript } from '../../shared/session/session-doc.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { STORE_KINDS, type TestStore } from '../testing/test-store.ts'

const assistantText = (client: SessionClient): string =>
  client.messages().find((message) => message.role === 'assistant')?.text ?? ''

async function storedAssistantText(store: TestStore, sessionId: string): Promise<string> {
  const log = await store.open()
  const { doc } = applyStoredSession(sessionId, await log.load(sessionId))
  await log.close()
  return readTranscript(sessionId, doc).messages.find((message) => message.role === 'assistant')?.text ?? ''
}

describe.each(STORE_KINDS)('server restart on %s', (kind) => {
  const test = testWithStore(kind)
  test('loses nothing the server acknowledged and the reply completes exactly once', async ({
    server,
    startServer,
    store,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const tokenCount = 3_000
    const user = connectClient()
    await user.waitForSynced()
    const agent = await connectAgent({ maxBufferChars: 40, maxBusyBufferChars: 40 })
    let acknowledged = ''
    agent.client.on('durable', () => {
      acknowledged = assistantText(agent.client)
    })
    const restarts: Array<{ acknowledged: string; applied: string; stored: string }> = []
    let streamed: Promise<unknown> | undefined
    const cutsAt = [1_000, 2_000]
    agent.onUserMessage((message) => {
      const reply = agent.startReply({ replyTo: message.id })
      streamed = reply.pipe(
        numberedTokens(tokenCount, async (index) => {
          const nextCut = cutsAt[restarts.length]
          if (nextCut === undefined || index < nextCut) return
          reply.flush()
          if (agent.client.unsyncedChanges === 0) return // cut only while an update is in flight
          const running = restarts.length === 0 ? server : current
          // The server acks each update synchronously right after applying it: applied text = acknowledged text.
          const live = running.hocuspocus.documents.get(sessionId)
          const applied =
            live === undefined
              ? ''
              : (readTranscript(sessionId, live).messages.find((entry) => entry.role === 'assistant')?.text ?? '')
          await running.close()
          restarts.push({ acknowledged, applied, stored: await storedAssistantText(store, sessionId) })
          current = await startServer({ port: server.port })
        }),
      )
    })
    let current = server
    user.sendMessage('go')
    await expect.poll(() => streamed, { timeout: 5_000 }).toBeDefined()
    await expect(streamed).resolves.toBe('done')
    expect(restarts).toHaveLength(2)
    for (const { acknowledged: acked, applied, stored } of restarts) {
      expect(applied.length).toBeGreaterThan(0)
      expect(stored.startsWith(applied)).toBe(true)
      expect(stored.startsWith(acked)).toBe(true)
    }
    await expect
      .poll(() => user.messages().find((message) => message.role === 'assistant')?.status, { timeout: 15_000 })
      .toBe('done')
    expect(assistantText(user)).toBe(expectedText(tokenCount))
    const transcript = (await (await fetch(`${current.url}/v1/sessions/${sessionId}`)).json()) as {
      messages: Array<{ text: string }>
    }
    expect(transcript.messages.map((message) => message.text)).toEqual(['go', expectedText(tokenCount)])
    // A server stopped and started again mid-stream, then the reply finished: this has run past the 15 s default on
    // a shared 2-core machine.
  }, 30_000)
})
