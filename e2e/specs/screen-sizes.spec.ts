/**
 * The chat works on any screen: at phone, tablet and desktop widths nothing scrolls sideways and the composer is on
 * screen; on a phone the session list hides behind a toggle; the header stays on one line at 1100 px.
 *
 * Flow (a long session title, a question and a finished reply from the test's agent):
 * 1. For 390, 768 and 1280 px wide windows: no horizontal scroll (the document is no wider than the window), the
 *    composer's field and Send button are inside the window, the question and reply are visible; a screenshot of
 *    each is attached (test-results/screen-<width>.png).
 * 2. At 390 px the sidebar is off screen; the ☰ toggle opens it (session list visible, `aria-expanded` true),
 *    Escape closes it and gives focus back to the toggle. At 768 and 1280 px the sidebar is always shown.
 * 3. At 1100 px the header's title, with a title too long for the line, keeps one line (ellipsis) and the status
 *    badge sits on the same line.
 *
 * What this catches that unit tests can't: the real CSS layout in Chromium at each width — a sidebar that eats a
 * phone's screen, a composer pushed below the fold, a long word or title that widens the page.
 */
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { assistantMessages, expect, openSession, sendMessage, test, userMessages } from '../fixtures.ts'

const LONG_TITLE =
  'Quarterly planning for the support rollout across every region, with the open questions from last week'

test.use({ replyTokens: 40, sessionTitle: LONG_TITLE })

/** True when the page is wider than its window (it would scroll sideways). */
const scrollsSideways = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)

/** True when the whole element is inside the window. */
const insideWindow = async (page: Page, testId: string): Promise<boolean> => {
  const box = await page.getByTestId(testId).boundingBox()
  const size = page.viewportSize()
  if (box === null || size === null) return false
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height
}

test('390, 768 and 1280 px: no sideways scroll, composer on screen, sidebar toggled on phones', async ({
  page,
  sessionId,
  agent,
}, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await openSession(page, sessionId)
  await sendMessage(page, `A long word that must wrap: ${'x'.repeat(120)}`)
  await expect(assistantMessages(page)).toHaveAttribute('data-status', 'done')
  expect(agent.invocations).toBe(1)

  for (const width of [390, 768, 1280]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 })
    await expect(userMessages(page)).toBeVisible()
    await expect(assistantMessages(page)).toBeVisible()
    expect(await scrollsSideways(page), `sideways scroll at ${width} px`).toBe(false)
    await expect(page.getByTestId('composer-input')).toBeVisible()
    expect(await insideWindow(page, 'composer-input'), `composer inside the window at ${width} px`).toBe(true)
    expect(await insideWindow(page, 'send-button'), `Send inside the window at ${width} px`).toBe(true)
    const path = join(testInfo.project.outputDir, `screen-${width}.png`)
    await page.screenshot({ path, animations: 'disabled' })
    await testInfo.attach(`screen-${width}`, { path, contentType: 'image/png' })

    const toggle = page.getByTestId('sidebar-toggle')
    const sessionList = page.getByTestId('session-list')
    if (width === 390) {
      await expect(sessionList).toBeHidden()
      await toggle.click()
      await expect(toggle).toHaveAttribute('aria-expanded', 'true')
      await expect(sessionList).toBeVisible()
      await expect(sessionList.locator('[aria-current="page"]')).toBeInViewport()
      expect(await scrollsSideways(page)).toBe(false)
      await page.keyboard.press('Escape')
      await expect(sessionList).toBeHidden()
      await expect(toggle).toBeFocused()
    } else {
      await expect(toggle).toBeHidden()
      await expect(sessionList).toBeVisible()
    }
  }

  await page.setViewportSize({ width: 1100, height: 800 })
  const title = page.getByTestId('session-title')
  await expect(title).toHaveText(LONG_TITLE)
  const titleBox = await title.boundingBox()
  const badgeBox = await page.getByTestId('status-badge').boundingBox()
  const lineHeight = await title.evaluate((element) => Number.parseFloat(getComputedStyle(element).lineHeight))
  expect(titleBox?.height ?? 0).toBeLessThanOrEqual(lineHeight + 1)
  expect(await title.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true) // cut with an ellipsis
  // Same line: the badge's vertical middle lies within the title's line.
  const badgeMiddle = (badgeBox?.y ?? 0) + (badgeBox?.height ?? 0) / 2
  expect(badgeMiddle).toBeGreaterThan(titleBox?.y ?? 0)
  expect(badgeMiddle).toBeLessThan((titleBox?.y ?? 0) + (titleBox?.height ?? 0))
  expect(await scrollsSideways(page)).toBe(false)
})
