/**
 * While a reply streams, the page redraws that reply and leaves every earlier message's element alone: in a long
 * conversation a token then costs the drawing of one message, not of the whole transcript.
 *
 * Flow (the test's agent, 40-token replies):
 * 1. Two questions, each answered to the end: four messages on screen.
 * 2. A MutationObserver in the page watches those four elements (attributes, text, children).
 * 3. A third question is answered to the end: its reply streams 40 tokens into the list.
 * 4. The observer saw no change to the four earlier elements, while the new reply holds all its text.
 *
 * What this catches: a redraw that rewrites every message on every change (even with equal values, which the
 * observer records), the cost that grows with the length of the conversation.
 */
import { assistantMessages, expect, messageText, sendMessage, test, userMessages } from '../fixtures.ts'

test.use({ replyTokens: 40 })

/** The page global the observer counts in. */
const SEEN = '__earlierMessageMutations'

test('a streaming reply leaves the earlier messages untouched', async ({ sessionPage: page, agent }) => {
  for (const [index, question] of ['First question', 'Second question'].entries()) {
    await sendMessage(page, question)
    await expect(assistantMessages(page).nth(index)).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  }
  await expect(page.getByTestId('message')).toHaveCount(4)

  await page.evaluate((name) => {
    const seen: string[] = []
    Object.defineProperty(window, name, { value: seen })
    const observer = new MutationObserver((records) => {
      for (const record of records) {
        const element = record.target instanceof Element ? record.target : record.target.parentElement
        const message = element?.closest('[data-testid="message"]')?.getAttribute('data-message-id')
        seen.push(`${record.type} ${record.attributeName ?? ''} in ${message}`)
      }
    })
    for (const element of document.querySelectorAll('[data-testid="message"]'))
      observer.observe(element, { subtree: true, attributes: true, characterData: true, childList: true })
  }, SEEN)

  await sendMessage(page, 'Third question')
  const third = assistantMessages(page).nth(2)
  await expect(third).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  await expect(messageText(third)).toContainText('t39 ')
  await expect(userMessages(page)).toHaveCount(3)
  expect(agent.replies).toHaveLength(3)

  const seen = await page.evaluate((name) => (window as unknown as Record<string, string[]>)[name] ?? [], SEEN)
  expect(seen).toEqual([])
})
