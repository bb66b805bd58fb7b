/**
 * An on-device agent answers offline and its reply reaches a second device once, after reconnecting.
 *
 * Flow:
 * 1. Device A (this test's browser context) and device B (a second context, another person) open one session; the
 *    server has no agent, so nothing else answers.
 * 2. Device A loses the network: `context.setOffline(true)`, and its open WebSocket is closed as a real network loss
 *    would (see offline-message-delivered-once.spec.ts for why Chromium's offline emulation alone does not).
 * 3. A asks a question and clicks "Answer on this device": the demo's on-device agent (lifeline/agent-browser) writes
 *    the local model's answer into A's local copy through `fromPromptApiStream`. A shows it complete, marked as
 *    answered on this device, while the server and device B have nothing.
 * 4. The network comes back. A syncs; B shows the question and the on-device reply exactly once, complete, and the
 *    server holds one reply, authored `<A's principal>/on-device`, answering A's question.
 *
 * What this catches that the Node tests can't: the bundled browser entry in a real page (no Node built-ins), the
 * reply kept in the page's replica and IndexedDB copy while the network is gone, and its single delivery by state
 * vector once it is back, seen by another browser.
 */
import type { WebSocketRoute } from '@playwright/test'
import { DEMO_STORAGE_KEYS } from '../../demo/app/demo-storage-keys.ts'
import { localAnswer } from '../../demo/app/local-language-model.ts'
import { CLOSE_CODES } from '../../shared/protocol/close-codes.ts'
import {
  assistantMessages,
  expect,
  expectSynced,
  fetchTranscript,
  messageText,
  openSession,
  sendMessage,
  statusBadge,
  test,
  userMessages,
} from '../fixtures.ts'

test('an on-device agent answers offline and its reply reaches a second device once, after reconnecting', async ({
  openDevice,
  page,
  context,
  request,
  sessionId,
}) => {
  const sockets = new Set<WebSocketRoute>()
  await page.routeWebSocket(/\/v1\/ws$/, (ws) => {
    sockets.add(ws)
    ws.connectToServer()
  })
  await openSession(page, sessionId)
  const deviceB = await openDevice()

  await context.setOffline(true)
  for (const ws of sockets) await ws.close({ code: CLOSE_CODES.GOING_AWAY, reason: 'network down' })
  await expect(statusBadge(page)).toHaveAttribute('data-status', /^(offline|connecting)$/)

  const question = 'No network on this train: can you still answer?'
  await sendMessage(page, question)
  await expect(userMessages(page)).toHaveCount(1)
  const questionId = await userMessages(page).getAttribute('data-message-id')
  const answerHere = page.getByTestId('answer-on-device')
  await expect(answerHere).toBeVisible()
  await answerHere.click()

  const reply = assistantMessages(page)
  await expect(reply).toHaveAttribute('data-status', 'done')
  await expect(messageText(reply)).toHaveText(localAnswer(question))
  await expect(reply.locator('.message-meta')).toContainText('on your device')
  await expect(answerHere).toBeHidden()
  await expect(statusBadge(page)).not.toHaveAttribute('data-status', 'synced')
  expect((await fetchTranscript(request, sessionId)).messages).toEqual([])
  await expect(userMessages(deviceB)).toHaveCount(0)
  await expect(assistantMessages(deviceB)).toHaveCount(0)

  await context.setOffline(false)
  await expectSynced(page)

  const replyOnB = assistantMessages(deviceB)
  await expect(replyOnB).toHaveAttribute('data-status', 'done')
  await expect(messageText(replyOnB)).toHaveText(localAnswer(question))
  await expect(userMessages(deviceB)).toHaveCount(1)
  await expect(replyOnB).toHaveCount(1)
  await expect(statusBadge(page)).toHaveAttribute('data-pending', '0')

  const transcript = await fetchTranscript(request, sessionId)
  const principalId = await page.evaluate((key) => localStorage.getItem(key), DEMO_STORAGE_KEYS.PRINCIPAL)
  expect(
    transcript.messages.map(({ role, author, replyTo, status, text }) => ({ role, author, replyTo, status, text })),
  ).toEqual([
    { role: 'user', author: principalId ?? '', replyTo: undefined, status: 'done', text: question },
    {
      role: 'assistant',
      author: `${principalId}/on-device`,
      replyTo: questionId,
      status: 'done',
      text: localAnswer(question),
    },
  ])
  // Still once on B after A has nothing left to send.
  await expect(replyOnB).toHaveCount(1)
  await expect(userMessages(deviceB)).toHaveCount(1)
})
