/**
 * Going offline and coming back each show on the badge within 3 s, and what the person writes offline — a message
 * and a stop of the streaming reply — is shown as not sent yet, survives closing the tab, and is delivered exactly
 * once, in order, when the page is opened again online.
 *
 * Flow (second test):
 * 1. The user asks a question; the agent is held mid-reply (the reply stays `streaming`). The service worker holds
 *    the app shell.
 * 2. The context goes offline (`context.setOffline(true)`); within 3 s the badge says offline. The user sends a
 *    follow-up and clicks Stop on the reply: the follow-up is marked "not sent yet", the reply "stop not sent yet",
 *    and the badge says what will be sent.
 * 3. The tab is closed while offline; the network comes back; a new tab opens the session.
 * 4. The server holds the follow-up once, after the question, and the stop once, aimed at the reply (GET
 *    /v1/sessions/:id); the new tab shows nothing pending.
 *
 * What this catches that unit tests can't: the browser's own offline signals, IndexedDB and localStorage across a
 * closed tab, and the real sync of a backlog written by a page that no longer exists.
 */
import {
  assistantMessages,
  expect,
  fetchTranscript,
  openSession,
  sendMessage,
  statusBadge,
  test,
  userMessages,
  waitForAppShell,
} from '../fixtures.ts'

test('the badge shows going offline and coming back within 3 s, and says what will be sent', async ({
  sessionPage: page,
  context,
}) => {
  await context.setOffline(true)
  await expect(statusBadge(page)).toHaveAttribute('data-network', 'offline', { timeout: 3_000 })
  await expect(statusBadge(page)).not.toHaveAttribute('data-status', 'synced', { timeout: 3_000 })
  await sendMessage(page, 'written in a tunnel')
  await expect(statusBadge(page)).toHaveText('offline: 1 message will be sent when you are back')
  await expect(userMessages(page)).toHaveAttribute('data-delivery', 'pending')
  await context.setOffline(false)
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced', { timeout: 3_000 })
  await expect(statusBadge(page)).toHaveAttribute('data-network', 'online', { timeout: 3_000 })
  await expect(userMessages(page)).not.toHaveAttribute('data-delivery', 'pending')
})

test('a message and a stop written offline survive a closed tab and are delivered once, in order', async ({
  page,
  context,
  sessionId,
  agent,
  request,
}) => {
  const hold = agent.pauseBefore(20)
  await openSession(page, sessionId)
  await waitForAppShell(page)
  await sendMessage(page, 'first question')
  await hold.reached
  await expect(assistantMessages(page)).toHaveAttribute('data-status', 'streaming')
  const replyId = await assistantMessages(page).getAttribute('data-message-id')

  await context.setOffline(true)
  await expect(statusBadge(page)).toHaveAttribute('data-network', 'offline', { timeout: 3_000 })
  await sendMessage(page, 'written offline')
  await page.getByTestId('stop-button').click()
  await expect(userMessages(page).nth(1)).toHaveAttribute('data-delivery', 'pending')
  await expect(assistantMessages(page)).toHaveAttribute('data-steer-pending', 'stop')
  await expect(statusBadge(page)).toHaveText('offline: 1 message and 1 steering request will be sent when you are back')
  await page.close()

  await context.setOffline(false)
  const reopened = await context.newPage()
  await openSession(reopened, sessionId)
  await expect(reopened.getByTestId('pending-note')).toHaveCount(0)
  await expect
    .poll(async () => (await fetchTranscript(request, sessionId)).steering?.length ?? 0, { timeout: 15_000 })
    .toBe(1)
  const transcript = await fetchTranscript(request, sessionId)
  expect(transcript.messages.filter((m) => m.role === 'user').map((m) => m.text)).toEqual([
    'first question',
    'written offline',
  ])
  expect(transcript.steering?.map(({ kind, target }) => ({ kind, target }))).toEqual([
    { kind: 'stop', target: replyId },
  ])
  hold.resume()
})
