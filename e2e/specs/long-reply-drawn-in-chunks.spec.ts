/**
 * A long reply is drawn in chunks that the browser lays out only near the screen (render-message-text.ts,
 * `content-visibility: auto`), and the list still follows it, holds still when scrolled up and shows the exact text.
 *
 * Flow (a short window; a 4 000-token reply of about 26 000 characters, held before token 3 000):
 * 1. Held mid-stream: the text is in several chunks, the list is at its bottom, the chunks there are laid out and the
 *    first, thousands of pixels above, is skipped (Chromium's `contentvisibilityautostatechange` events say so).
 * 2. The reader scrolls up into the reply. The agent streams on to the end, adding chunks below: the scroll position
 *    and the chunk on screen stay exactly where they were, and the "new messages" button appears.
 * 3. The button brings the list to its bottom, on the reply's last token; the text is exactly the tokens sent.
 *
 * What this catches that unit tests can't: Chromium's real skipping of off-screen layout, chunk heights that are
 * estimates until laid out, and scroll anchoring, all while text streams in; a follower that gives up at the bottom
 * because a chunk came out taller than its estimate, or a chunking that loses or doubles characters, fails here.
 */
import type { Locator } from '@playwright/test'
import { expectedText, tokenAt } from '../../shared/testing/token-stream.ts'
import {
  assistantMessages,
  distanceToBottom,
  expect,
  messageText,
  sendMessage,
  test,
  waitForScrollToSettle,
} from '../fixtures.ts'

test.use({ replyTokens: 4000, tokenIntervalMs: 0, viewport: { width: 900, height: 520 } })

/** Name of the property where the page keeps each chunk's last `content-visibility: auto` state. */
const SKIPPED = 'lifelineTestSkipped'

/** Whether the browser skips the chunk's content (not laid out); undefined before its first state event. */
const skipped = (chunk: Locator): Promise<boolean | undefined> =>
  chunk.evaluate((node, name) => (node as unknown as Record<string, boolean | undefined>)[name], SKIPPED)

test('a long reply is laid out only near the screen, followed, still when scrolled up, and exact', async ({
  sessionPage: page,
  agent,
  replyTokens,
}) => {
  const list = page.getByTestId('messages')
  const button = page.getByTestId('new-messages-button')
  const text = messageText(assistantMessages(page))
  const chunks = text.locator('.text-chunk')
  const held = agent.pauseBefore(3000)
  await page.evaluate((name) => {
    document.addEventListener(
      'contentvisibilityautostatechange',
      (event) => {
        const { target, skipped } = event as Event & { readonly skipped: boolean }
        ;(target as unknown as Record<string, boolean>)[name] = skipped
      },
      true,
    )
  }, SKIPPED)

  await sendMessage(page, 'Count to four thousand, please.')
  await held.reached
  await expect(text).toContainText(tokenAt(2999))
  expect(await chunks.count()).toBeGreaterThan(3)
  await expect.poll(() => distanceToBottom(list)).toBeLessThan(40)
  await expect(button).toBeHidden()
  await expect.poll(() => skipped(chunks.nth(-2))).toBe(false)
  await expect.poll(() => skipped(chunks.first())).toBe(true)

  await list.hover()
  await page.mouse.wheel(0, -1200)
  await expect.poll(() => distanceToBottom(list)).toBeGreaterThan(800)
  await waitForScrollToSettle(list)
  const scrollTop = await list.evaluate((element) => element.scrollTop)
  const onScreen = await list.evaluate((element) => {
    const box = element.getBoundingClientRect()
    const chunk = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2)?.closest('.text-chunk')
    return chunk === null || chunk === undefined ? -1 : [...(chunk.parentElement?.children ?? [])].indexOf(chunk)
  })
  expect(onScreen).toBeGreaterThanOrEqual(0)
  const chunkTop = (await chunks.nth(onScreen).boundingBox())?.y

  held.resume()
  await expect(assistantMessages(page)).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  await expect(text).toContainText(tokenAt(replyTokens - 1))
  await expect(button).toBeVisible()
  expect(await list.evaluate((element) => element.scrollTop)).toBe(scrollTop)
  expect((await chunks.nth(onScreen).boundingBox())?.y).toBe(chunkTop)

  await button.click()
  await expect(button).toBeHidden()
  await expect.poll(() => distanceToBottom(list)).toBeLessThan(40)
  await expect.poll(() => skipped(chunks.nth(-2))).toBe(false)
  expect(await text.textContent()).toBe(expectedText(replyTokens))
})
