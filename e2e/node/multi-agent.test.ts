/**
 * Several agents in one session, no orchestrator in the path: two agents stream separate replies at the same
 * time, one hands work to the other through the shared `context` map, and every replica (both agents, a viewer,
 * storage) converges on the same transcript.
 */
import { describe, expect } from 'vitest'
import { getSessionRoots } from '../../shared/session/session-doc.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { test } from '../testing/fixtures.ts'

describe('multi-agent sessions', () => {
  test('two agents stream concurrently, hand off through context, and all replicas converge', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const viewer = connectClient()
    await viewer.waitForSynced()
    const researcher = await connectAgent({ agentId: 'researcher' })
    const writer = await connectAgent({ agentId: 'writer' })
    const handedOff = new Promise<string>((resolve) => {
      const context = getSessionRoots(writer.client.doc).context
      const check = (): void => {
        const findings = context.get('findings')
        if (typeof findings === 'string') resolve(findings)
      }
      context.observe(check)
      check()
    })
    const first = researcher.startReply().pipe(
      numberedTokens(1_500, (index) => {
        if (index === 500) getSessionRoots(researcher.client.doc).context.set('findings', 'three sources agree')
      }),
    )
    const second = handedOff.then(async (findings) => {
      const reply = writer.startReply()
      reply.append(`Based on: ${findings}. `)
      return await reply.pipe(numberedTokens(1_500))
    })
    await expect(Promise.all([first, second])).resolves.toEqual(['done', 'done'])
    const replies = (messages: ReturnType<typeof viewer.messages>) =>
      messages.map((message) => `${message.author}:${message.status}:${message.text.length}`)
    const expected = [
      `researcher:done:${expectedText(1_500).length}`,
      `writer:done:${'Based on: three sources agree. '.length + expectedText(1_500).length}`,
    ]
    await expect.poll(() => replies(viewer.messages()), { timeout: 10_000 }).toEqual(expected)
    await Promise.all([researcher.client.waitUntilDurable(), writer.client.waitUntilDurable()])
    await expect.poll(() => replies(researcher.client.messages()), { timeout: 10_000 }).toEqual(expected)
    await expect.poll(() => replies(writer.client.messages()), { timeout: 10_000 }).toEqual(expected)
    expect(researcher.client.messages()).toEqual(viewer.messages())
    expect(writer.client.messages()).toEqual(viewer.messages())
    const stored = (await (await fetch(`${server.url}/v1/sessions/${sessionId}`)).json()) as { messages: unknown }
    expect(stored.messages).toEqual(viewer.messages())
    expect(getSessionRoots(viewer.doc).context.get('findings')).toBe('three sources agree')
    // Two agents streaming whole replies into one session, then a hand-off: this has run past the 15 s default on a
    // shared 2-core machine.
  }, 30_000)
})
