/**
 * The `npm start` demo agent, attached the way demo/main.ts attaches it, answers a user message once with the
 * deterministic demo answer; a second agent process attaching later does not answer it again.
 */
import { describe, expect } from 'vitest'
import { createDemoAgent } from '../../demo/demo-agent.ts'
import { test } from '../testing/fixtures.ts'

describe('demo agent', () => {
  test('answers each user message exactly once, also across an agent restart', async ({ server, sessionId, connectClient }) => {
    const lines: string[] = []
    const first = createDemoAgent({ url: server.websocketUrl, tokenIntervalMs: 0, log: (line) => lines.push(line) })
    const user = connectClient()
    await user.waitForSynced()
    await first.attach(sessionId)
    user.sendMessage('hello')
    await expect.poll(() => user.messages().find((message) => message.role === 'assistant')?.status, { timeout: 20_000 }).toBe('done')
    await first.close()
    const second = createDemoAgent({ url: server.websocketUrl, tokenIntervalMs: 0, log: (line) => lines.push(line) })
    await second.attach(sessionId)
    user.sendMessage('again')
    await expect.poll(() => user.messages().filter((message) => message.role === 'assistant' && message.status === 'done').length, { timeout: 20_000 }).toBe(2)
    await second.close()
    const replies = user.messages().filter((message) => message.role === 'assistant')
    expect(replies).toHaveLength(2)
    expect(replies[0]?.text).toMatch(/^You said: "hello"\./)
    expect(replies[1]?.text).toMatch(/^You said: "again"\./)
    expect(lines.filter((line) => line.startsWith('demo-agent: answering'))).toHaveLength(2)
  })
})
