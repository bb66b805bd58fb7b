/**
 * A reload draws a cached session's transcript from its snapshot (demo/app/transcript-snapshot.ts) with the page's
 * inline script alone: the transcript is on screen, scrolled to its end, before the page's script has run at all.
 *
 * Flow (service workers blocked, so the test can hold back the page's script on the network; a short window, so the
 * reply overflows the list):
 * 1. The user asks a question and the agent streams a 300-token answer to `done`; once the list has been quiet for a
 *    moment the page keeps its snapshot in localStorage.
 * 2. The page's script (`app.js`) is refused from now on, and the user reloads: the question and the whole answer
 *    are shown, the list is at its end and inert (its controls have no handlers), and the status badge still reads
 *    `connecting` — nothing but the inline script ran.
 * 3. The script is allowed again and the page reloaded: the list drawn from the session takes the snapshot's place
 *    (the list is no longer inert) and reads the same, once.
 *
 * What this catches that unit tests can't: the built page's inline script in Chromium — its placement, the snapshot
 * kept across a real reload, the scroll to the end done inside the first frame's layout — and the hand-over to
 * the bundle.
 */
import { expectedText } from '../../shared/testing/token-stream.ts'
import { DEMO_STORAGE_KEYS } from '../../demo/app/demo-storage-keys.ts'
import {
  assistantMessages,
  distanceToBottom,
  expect,
  expectSynced,
  messageText,
  sendMessage,
  statusBadge,
  test,
  userMessages,
} from '../fixtures.ts'

test.use({ replyTokens: 300, serviceWorkers: 'block', viewport: { width: 900, height: 520 } })

test('a reload shows the transcript snapshot before the page script runs, then the page takes over', async ({
  sessionPage: page,
  sessionId,
  agent,
  replyTokens,
}) => {
  const question = 'Tell me something long.'
  await sendMessage(page, question)
  await expect(assistantMessages(page)).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  await expect(messageText(assistantMessages(page))).toHaveText(expectedText(replyTokens))
  const key = `${DEMO_STORAGE_KEYS.TRANSCRIPT_SNAPSHOT}${sessionId}`
  // Written once the list has been quiet for a second: on a loaded machine the run's last changes can come late.
  await expect
    .poll(async () => await page.evaluate((name) => localStorage.getItem(name) ?? '', key), { timeout: 30_000 })
    .toContain(expectedText(replyTokens).slice(-40))

  await page.route('**/app.js*', (route) => route.abort())
  await page.reload()
  const list = page.getByTestId('messages')
  await expect(messageText(userMessages(page))).toHaveText(question)
  await expect(messageText(assistantMessages(page))).toHaveText(expectedText(replyTokens))
  expect(await list.evaluate((element) => element.scrollHeight > element.clientHeight * 1.5)).toBe(true)
  expect(await distanceToBottom(list)).toBeLessThan(40)
  expect(await list.evaluate((element) => element.hasAttribute('inert'))).toBe(true)
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'connecting')

  await page.unroute('**/app.js*')
  await page.reload()
  await expectSynced(page)
  await expect(messageText(assistantMessages(page))).toHaveText(expectedText(replyTokens))
  await expect(userMessages(page)).toHaveCount(1)
  expect(await list.evaluate((element) => element.hasAttribute('inert'))).toBe(false)
  expect(agent.invocations).toBe(1)
})
