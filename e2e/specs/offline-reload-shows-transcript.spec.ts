/**
 * Reloading the page with the browser context offline still shows the session's transcript: the service worker
 * serves the app shell and the page reads its IndexedDB copy. Going back online reconciles it with the server without
 * duplicating anything.
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
 * The context is offline for real: the page load itself would fail without the service worker (the document request
 * gets `net::ERR_INTERNET_DISCONNECTED`), and so do the WebSocket and the HTTP API.
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
  statusBadge,
  test,
  userMessages,
  waitForAppShell,
} from '../fixtures.ts'

test.use({ replyTokens: 60 })

test('a reload while offline shows the transcript from the offline copy', async ({
  page,
  context,
  sessionId,
  agent,
  request,
  replyTokens,
}) => {
  await openSession(page, sessionId)
  await waitForAppShell(page)
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
