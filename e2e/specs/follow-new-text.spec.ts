/**
 * The chat follows a streaming reply while the reader is at the bottom; once they scroll up nothing moves under
 * them and a "new messages" button offers the way back down.
 *
 * Flow (a short window, so a reply soon overflows; the test's agent, held at chosen tokens):
 * 1. A question and a 600-token reply, held before token 200: the list overflows and is scrolled to its bottom.
 * 2. The reader scrolls up with the mouse wheel. The agent streams on to token 400: the scroll position and the
 *    question's place on screen stay exactly as they were, and the "new messages" button appears.
 * 3. The button brings the list to its bottom and disappears; from there the list follows again to the end of the
 *    reply.
 *
 * What this catches that unit tests can't: real layout and scrolling in Chromium while text streams in through the
 * bundled page; a list that jumps to the bottom on every token, or stays behind while at the bottom, fails here.
 */
import {
  assistantMessages,
  distanceToBottom,
  expect,
  sendMessage,
  test,
  userMessages,
  waitForScrollToSettle,
} from '../fixtures.ts'

test.use({ replyTokens: 600, viewport: { width: 900, height: 520 } })

test('follows at the bottom; scrolled up, nothing jumps and a button leads back', async ({
  sessionPage: page,
  agent,
}) => {
  const list = page.getByTestId('messages')
  const button = page.getByTestId('new-messages-button')
  const first = agent.pauseBefore(200)
  const second = agent.pauseBefore(400)

  await sendMessage(page, 'Count to six hundred, please.')
  await first.reached
  await expect(assistantMessages(page).locator('.message-text')).toContainText('t199 ')
  expect(await list.evaluate((element) => element.scrollHeight > element.clientHeight * 1.5)).toBe(true)
  await expect.poll(() => distanceToBottom(list)).toBeLessThan(40)
  await expect(button).toBeHidden()

  await list.hover()
  await page.mouse.wheel(0, -400)
  await expect.poll(() => distanceToBottom(list)).toBeGreaterThan(200)
  await waitForScrollToSettle(list)
  const scrollTop = await list.evaluate((element) => element.scrollTop)
  const questionTop = (await userMessages(page).boundingBox())?.y

  first.resume()
  await second.reached
  await expect(assistantMessages(page).locator('.message-text')).toContainText('t399 ')
  await expect(button).toBeVisible()
  expect(await list.evaluate((element) => element.scrollTop)).toBe(scrollTop)
  expect((await userMessages(page).boundingBox())?.y).toBe(questionTop)

  await button.click()
  await expect(button).toBeHidden()
  await expect.poll(() => distanceToBottom(list)).toBeLessThan(40)

  second.resume()
  await expect(assistantMessages(page)).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  await expect(assistantMessages(page).locator('.message-text')).toContainText('t599 ')
  await expect.poll(() => distanceToBottom(list)).toBeLessThan(40)
  await expect(button).toBeHidden()
})
