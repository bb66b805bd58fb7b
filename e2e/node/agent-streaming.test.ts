/**
 * An agent streams thousands of tokens through a real server on a real SQLite file while
 * viewers drop, rejoin and arrive late, and while the server restarts. Every viewer must end with exactly the
 * agent's text: no duplicated token, no gap. Tokens are numbered, so either would show in the text.
 */
import { describe, expect } from 'vitest'
import { createSeededRandom, testSeed } from '../../shared/testing/seeded-random.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { test } from '../testing/fixtures.ts'

const replyText = (client: SessionClient): string | undefined =>
  client.messages().find((message) => message.role === 'assistant')?.text
const replyStatus = (client: SessionClient): string | undefined =>
  client.messages().find((message) => message.role === 'assistant')?.status

describe('agent streaming', () => {
  test('a viewer that drops and rejoins 5 times ends with exactly the agent text', async ({
    connectClient,
    connectAgent,
  }) => {
    const seed = testSeed(20261125)
    const random = createSeededRandom(seed)
    // Five drops, each at a random token of its own fifth of the stream, each for 20–100 tokens.
    const tokenCount = 2_000
    const cuts = Array.from({ length: 5 }, (_, index) => {
      const start = random.int(index * 360 + 20, index * 360 + 240)
      return { drop: start, rejoin: start + random.int(20, 100) }
    })
    const user = connectClient({ principalId: 'user-1' })
    const viewer = connectClient({ principalId: 'user-1', device: 'viewer' })
    await Promise.all([user.waitForSynced(), viewer.waitForSynced()])
    const agent = await connectAgent({ maxBufferChars: 48, maxBusyBufferChars: 48 })
    const statuses: string[] = []
    viewer.on('status', (status) => statuses.push(status))
    let streamed: Promise<unknown> | undefined
    agent.onUserMessage((message) => {
      streamed = agent.startReply({ replyTo: message.id }).pipe(
        numberedTokens(tokenCount, (index) => {
          for (const cut of cuts) {
            if (index === cut.drop) viewer.disconnect()
            if (index === cut.rejoin) viewer.connect()
          }
        }),
      )
    })
    user.sendMessage('write 2000 tokens')
    await expect.poll(() => streamed, { timeout: 5_000 }).toBeDefined()
    await expect(streamed).resolves.toBe('done')
    await expect.poll(() => replyStatus(viewer), { timeout: 15_000, message: `seed ${seed}` }).toBe('done')
    expect(replyText(viewer), `seed ${seed}`).toBe(expectedText(tokenCount))
    expect(
      statuses.filter((status) => status === 'offline'),
      `seed ${seed}`,
    ).toHaveLength(5)
    // Five reconnects (each a new WebSocket, handshake and sync) during a stream: this has run past the 15 s default
    // on a shared 2-core machine.
  }, 30_000)

  test('a viewer joining mid-stream sees every earlier token, then the live ones', async ({
    connectClient,
    connectAgent,
  }) => {
    const tokenCount = 1_500
    const user = connectClient()
    await user.waitForSynced()
    const agent = await connectAgent({ maxBufferChars: 64, maxBusyBufferChars: 64 })
    let lateViewer: SessionClient | undefined
    let textAtJoin: string | undefined
    let streamed: Promise<unknown> | undefined
    agent.onUserMessage((message) => {
      streamed = agent.startReply({ replyTo: message.id }).pipe(
        numberedTokens(tokenCount, async (index) => {
          if (index !== 750) return
          const joined = connectClient({ device: 'late' })
          lateViewer = joined
          await joined.waitForSynced()
          textAtJoin = replyText(joined)
        }),
      )
    })
    user.sendMessage('go')
    await expect.poll(() => streamed, { timeout: 5_000 }).toBeDefined()
    await expect(streamed).resolves.toBe('done')
    expect(textAtJoin?.length ?? 0).toBeGreaterThan(0)
    expect(expectedText(tokenCount).startsWith(textAtJoin ?? '-')).toBe(true)
    expect(textAtJoin?.length).toBeLessThan(expectedText(tokenCount).length)
    const late = lateViewer
    if (late === undefined) throw new Error('the late viewer never joined')
    await expect.poll(() => replyStatus(late), { timeout: 10_000 }).toBe('done')
    expect(replyText(late)).toBe(expectedText(tokenCount))
    // Each token takes a turn of the event loop that the server, the agent and both clients share: at the start of a
    // full run on a 2-core machine, this has run past the 15 s default.
  }, 30_000)

  test('two devices of one user converge on the same transcript, equal to the stored one', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const phone = connectClient({ device: 'phone' })
    const laptop = connectClient({ device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const agent = await connectAgent()
    const replies: Array<Promise<unknown>> = []
    agent.onUserMessage((message) => {
      replies.push(agent.startReply({ replyTo: message.id }).pipe(numberedTokens(200)))
    })
    phone.sendMessage('from the phone')
    laptop.sendMessage('from the laptop')
    await expect.poll(() => replies.length, { timeout: 5_000 }).toBe(2)
    await Promise.all(replies)
    await Promise.all([phone.waitUntilDurable(), laptop.waitUntilDurable()])
    const done = (client: SessionClient): number =>
      client.messages().filter((message) => message.status === 'done').length
    await expect.poll(() => [done(phone), done(laptop)], { timeout: 10_000 }).toEqual([4, 4])
    expect(laptop.messages()).toEqual(phone.messages())
    const stored = (await (await fetch(`${server.url}/v1/sessions/${sessionId}`)).json()) as { messages: unknown }
    expect(stored.messages).toEqual(phone.messages())
    expect(
      phone
        .messages()
        .filter((message) => message.role === 'assistant')
        .map((message) => message.text),
    ).toEqual([expectedText(200), expectedText(200)])
  })
})
