/**
 * A message sent while offline is delivered to the server exactly once when the network comes back, and the
 * agent answers it once.
 *
 * Flow:
 * 1. The page's WebSocket to /v1/ws is routed through `page.routeWebSocket` as a plain pass-through
 *    (`connectToServer()`: the real connection is still the browser's own WebSocket to the real server).
 * 2. The user opens a fresh session; the badge reads `synced`.
 * 3. The network goes away: `context.setOffline(true)`, and the open WebSocket is closed (see below). The badge
 *    leaves `synced`, shows `offline`, then `connecting` while reconnect attempts fail with
 *    ERR_INTERNET_DISCONNECTED.
 * 4. The user types and sends a question. The page shows it; the server has no message and the agent was not
 *    invoked.
 * 5. The network comes back: `context.setOffline(false)`. The page reconnects by itself and the badge returns
 *    to `synced`.
 * 6. The server holds the question exactly once (GET /v1/sessions/:id, same message id as the page); the agent
 *    answers it exactly once; page and server agree on one question and one complete answer.
 *
 * Why the WebSocket is also closed by hand: Chromium's offline emulation (`setOffline`) fails new connections
 * and holds frames on an already open WebSocket, but does not close it (measured: the badge stays `synced`
 * for 15 s, and held frames are delivered ~100 ms after going back online). The client never learns it is
 * offline, and the spec would only test Chromium's buffer. A real network loss ends the TCP connection, so
 * step 3 closes the routed socket too (`WebSocketRoute.close()`, which closes the page side and the real
 * server-side socket), as the OS does when the network drops.
 *
 * What this catches that unit tests can't: the bundled page's offline path in a real browser — the provider's
 * reconnect loop against real connection failures, the message kept in the browser's Y.Doc while it cannot be
 * sent, and its re-send by state vector after reconnecting — checked end to end against the server's stored
 * transcript and a live agent, so a duplicate (a re-sent message stored twice, or a second model call) or a
 * loss (a message dropped with the failed socket) shows up as the server and agent see it.
 */
import type { WebSocketRoute } from '@playwright/test'
import {
  assistantMessages,
  expect,
  fetchTranscript,
  messageText,
  openSession,
  sendMessage,
  statusBadge,
  test,
  userMessages,
} from '../fixtures.ts'
import { expectedText } from '../../shared/testing/token-stream.ts'
import { CLOSE_CODES } from '../../shared/protocol/close-codes.ts'

test.use({ replyTokens: 100 })

test('a message sent offline reaches the server once and is answered once', async ({
  page,
  context,
  request,
  sessionId,
  agent,
  replyTokens,
}) => {
  const sockets = new Set<WebSocketRoute>()
  await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
    sockets.add(ws)
    ws.connectToServer()
  })
  await openSession(page, sessionId)
  // `offline` lasts only until the first reconnect attempt (~250 ms) turns it into `connecting`, too briefly for
  // polling: the page records every status the badge shows.
  const badgeHistory = await page.evaluateHandle(() => {
    const badge = document.querySelector('[data-testid="status-badge"]') as HTMLElement
    const seen: string[] = []
    new MutationObserver(() => {
      seen.push(badge.dataset.status ?? '')
    }).observe(badge, { attributes: true, attributeFilter: ['data-status'] })
    return seen
  })

  await context.setOffline(true)
  for (const ws of sockets) await ws.close({ code: CLOSE_CODES.GOING_AWAY, reason: 'network down' })
  await expect(statusBadge(page)).not.toHaveAttribute('data-status', 'synced')
  await expect(statusBadge(page)).toHaveAttribute('data-status', /^(offline|connecting)$/)
  await expect.poll(async () => await badgeHistory.jsonValue()).toContain('offline')

  const question = 'Sent from a train in a tunnel: what did I miss?'
  await sendMessage(page, question)
  await expect(userMessages(page)).toHaveCount(1)
  await expect(messageText(userMessages(page))).toHaveText(question)
  const messageId = await userMessages(page).getAttribute('data-message-id')
  expect((await fetchTranscript(request, sessionId)).messages).toEqual([])
  expect(agent.invocations).toBe(0)
  await expect(statusBadge(page)).not.toHaveAttribute('data-status', 'synced')

  await context.setOffline(false)
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced')

  const reply = assistantMessages(page)
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  await expect(messageText(reply)).toHaveText(expectedText(replyTokens))
  await expect(userMessages(page)).toHaveCount(1)
  await expect(reply).toHaveCount(1)

  const transcript = await fetchTranscript(request, sessionId)
  const userOnServer = transcript.messages.filter((message) => message.role === 'user')
  expect(userOnServer.map(({ id, text, status }) => ({ id, text, status }))).toEqual([
    { id: messageId, text: question, status: 'done' },
  ])
  const replies = transcript.messages.filter((message) => message.role === 'assistant')
  expect(replies.map(({ replyTo, status, text }) => ({ replyTo, status, text }))).toEqual([
    { replyTo: messageId, status: 'done', text: expectedText(replyTokens) },
  ])
  expect(agent.invocations).toBe(1)
  expect(agent.replies.map((r) => r.replyTo)).toEqual([messageId])
})
