/**
 * Reloading the page while offline still shows the session's transcript (from the page's IndexedDB copy), and
 * going back online reconciles it with the server without duplicating anything.
 *
 * Flow:
 * 1. The user opens a fresh session online, asks a question, and the agent streams a 60-token answer to `done`.
 *    The test waits until the page's IndexedDB copy has committed every write (a read transaction queued after
 *    them).
 * 2. The network goes away (`context.setOffline(true)`) and the user reloads the page.
 * 3. The reloaded page shows the question and the complete answer (`done`, exact text) although neither the
 *    WebSocket nor the HTTP API can be reached; the badge is not `synced`.
 * 4. The network comes back; the same page reconnects, the badge reads `synced`, and the page still shows exactly
 *    one question and one answer, identical to the server's transcript; the agent was invoked once.
 *
 * Two stand-ins, because the demo page has no service worker:
 * - The app shell (`/`, `/app.js`, `/app.css`) is recorded on the first load and served from that copy with
 *   `page.route` afterwards — what a service worker's cache would do. Without it no page can reload offline at
 *   all (`net::ERR_INTERNET_DISCONNECTED` for the document). Everything else — WebSocket, /v1/sessions — goes to
 *   the real network, so offline it really fails.
 * - A document fulfilled by Playwright has no IP address, so Chromium's Local Network Access checks treat it as
 *   public and block its WebSocket to 127.0.0.1 (`ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS`). The context is
 *   granted the `local-network-access` permission, which a user of a loopback deployment would grant at the
 *   prompt; a real deployment's public origin never hits this check.
 *
 * What this catches that unit tests can't: the browser-only persistence path — y-indexeddb in real Chromium
 * writing the session during a live stream, a real page reload reading it back with the network down, the page
 * surviving its failed HTTP and WebSocket requests, and the merge of the offline copy with the server's state
 * on reconnect (a copy that is stale, empty, or re-sent as new messages fails here).
 */
import { offlineDatabaseName } from '../../client/browser/browser-session-client.ts'
import { expectedText } from '../../shared/testing/token-stream.ts'
import {
  assistantMessages,
  expect,
  fetchTranscript,
  messageText,
  offlineCopyUpdateCount,
  openSession,
  sendMessage,
  serveAppShellFromCache,
  statusBadge,
  test,
  userMessages,
} from '../fixtures.ts'

test.use({ replyTokens: 60, permissions: ['local-network-access'] })

test('a reload while offline shows the transcript from the offline copy', async ({
  page,
  context,
  sessionId,
  agent,
  request,
  replyTokens,
}) => {
  await serveAppShellFromCache(page)
  await openSession(page, sessionId)
  const question = 'Summarise this for the flight, I will be offline.'
  await sendMessage(page, question)
  await expect(assistantMessages(page)).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  await expect(messageText(assistantMessages(page))).toHaveText(expectedText(replyTokens))
  await expect(statusBadge(page)).toHaveText('synced')
  expect(await offlineCopyUpdateCount(page, offlineDatabaseName(sessionId))).toBeGreaterThan(0)

  await context.setOffline(true)
  await page.reload()

  await expect(messageText(userMessages(page))).toHaveText(question)
  await expect(assistantMessages(page)).toHaveAttribute('data-status', 'done')
  await expect(messageText(assistantMessages(page))).toHaveText(expectedText(replyTokens))
  expect(await messageText(assistantMessages(page)).textContent()).toBe(expectedText(replyTokens))
  await expect(statusBadge(page)).not.toHaveAttribute('data-status', 'synced')

  await context.setOffline(false)
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced', { timeout: 15_000 })
  await expect(userMessages(page)).toHaveCount(1)
  await expect(assistantMessages(page)).toHaveCount(1)
  await expect(messageText(assistantMessages(page))).toHaveText(expectedText(replyTokens))
  const transcript = await fetchTranscript(request, sessionId)
  expect(transcript.messages.map(({ role, status, text }) => ({ role, status, text }))).toEqual([
    { role: 'user', status: 'done', text: question },
    { role: 'assistant', status: 'done', text: expectedText(replyTokens) },
  ])
  expect(agent.invocations).toBe(1)
})
