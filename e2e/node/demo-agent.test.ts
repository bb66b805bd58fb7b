/**
 * The `npm start` demo agent, attached the way demo/main.ts attaches it, answers a user message once with the
 * deterministic demo answer; a second agent process attaching later does not answer it again.
 */
import { describe, expect } from 'vitest'
import { createDemoAgent } from '../../demo/demo-agent.ts'
import { test } from '../testing/fixtures.ts'

describe('demo agent', () => {
  test('answers each user message exactly once, also across an agent restart', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const lines: string[] = []
    const first = createDemoAgent({ url: server.websocketUrl, tokenIntervalMs: 0, log: (line) => lines.push(line) })
    const user = connectClient()
    await user.waitForSynced()
    await first.attach(sessionId)
    user.sendMessage('hello')
    await expect
      .poll(() => user.messages().find((message) => message.role === 'assistant')?.status, { timeout: 20_000 })
      .toBe('done')
    await first.close()
    const second = createDemoAgent({ url: server.websocketUrl, tokenIntervalMs: 0, log: (line) => lines.push(line) })
    await second.attach(sessionId)
    user.sendMessage('again')
    await expect
      .poll(
        () => user.messages().filter((message) => message.role === 'assistant' && message.status === 'done').length,
        { timeout: 20_000 },
      )
      .toBe(2)
    await second.close()
    const replies = user.messages().filter((message) => message.role === 'assistant')
    expect(replies).toHaveLength(2)
    expect(replies[0]?.text).toMatch(/^You said: "hello"\./)
    expect(replies[1]?.text).toMatch(/^You said: "again"\./)
    expect(lines.filter((line) => line.startsWith('demo-agent: answering'))).toHaveLength(2)
  })

  test('a redirect stops the answer and answers again with the new instruction', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const agent = createDemoAgent({ url: server.websocketUrl, tokenIntervalMs: 5, log: () => undefined })
    const user = connectClient()
    await user.waitForSynced()
    await agent.attach(sessionId)
    user.sendMessage('tell me everything')
    const replies = () => user.messages().filter((message) => message.role === 'assistant')
    await expect.poll(() => replies()[0]?.text.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(20)
    const first = replies()[0]
    user.steer({ kind: 'redirect', target: first?.id ?? '', text: 'just the summary' })
    await expect
      .poll(() => replies().map((message) => message.status), { timeout: 20_000 })
      .toEqual(['stopped', 'done'])
    expect(replies()[1]?.text).toMatch(/^You said: "\(redirected\) just the summary"\./)
    expect(replies()[1]?.replyTo).toBe(first?.replyTo)
    await agent.close()
  })
})
