/**
 * Chromium behind a corporate forward proxy (Debian's squid) that never lets a WebSocket through still streams a
 * full answer, over the HTTP fallback.
 *
 * Flow:
 * 1. Start squid as a forward proxy (CONNECT only to 443, WebSocket Upgrade dropped) and open a browser context
 *    that uses it (Playwright's `proxy` option, which also proxies loopback).
 * 2. Open the session: the page's WebSocket attempt fails through squid, the client falls back, the badge reads
 *    `synced` with transport `sse` (or `long-poll`).
 * 3. Ask a question: the test's agent (connected directly) streams 300 numbered tokens.
 * 4. The page shows exactly `t0 … t299`, status `done`; the server holds the same, and the agent ran once.
 *
 * What this catches that unit tests can't: a real browser's WebSocket and fetch stacks going through a real
 * proxy — the browser's own proxy handling, squid's treatment of Upgrade and of streaming responses, and the
 * bundled transport selection running in the page — none of which a Node client on loopback exercises.
 */
import { startProxy } from '../proxies/start-proxy.ts'
import {
  assistantMessages,
  expect,
  expectSynced,
  fetchTranscript,
  messageText,
  sendMessage,
  statusBadge,
  test,
} from '../fixtures.ts'
import { expectedText } from '../../shared/testing/token-stream.ts'

test('a browser behind a WebSocket-blocking proxy streams a full answer over HTTP', async ({
  browser,
  baseURL,
  agent,
  sessionId,
  request,
  replyTokens,
}) => {
  const proxy = await startProxy('squid-forward', Number(new URL(baseURL ?? '').port))
  const context = await browser.newContext({
    proxy: { server: proxy.url },
    ...(baseURL === undefined ? {} : { baseURL }),
  })
  try {
    const page = await context.newPage()
    await page.goto(`/?session=${encodeURIComponent(sessionId)}`)
    await expectSynced(page)
    await expect(statusBadge(page)).toHaveAttribute('data-transport', /^(sse|long-poll)$/)
    await sendMessage(page, 'Answer through the proxy, please.')
    const reply = assistantMessages(page)
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
    await expect(messageText(reply)).toHaveText(expectedText(replyTokens))
    const transcript = await fetchTranscript(request, sessionId)
    expect(transcript.messages.map((message) => message.text)).toEqual([
      'Answer through the proxy, please.',
      expectedText(replyTokens),
    ])
    expect(agent.invocations).toBe(1)
  } finally {
    await context.close()
    await proxy.stop()
  }
})
