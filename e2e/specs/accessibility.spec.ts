/**
 * The chat is accessible: axe-core (the real package, through @axe-core/playwright) finds no serious or critical
 * violation of WCAG 2.1 A/AA — contrast included — on a live session at desktop and phone widths, streaming text is
 * inside a polite live region, and a keyboard alone can ask, stop a reply and jump to the question it answers.
 *
 * Flow (the test's agent, held mid-reply):
 * 1. Keyboard only: Tab reaches the "skip to the composer" link first; Enter moves focus to the composer; typing a
 *    question and Enter sends it.
 * 2. While the reply streams (held before token 120): its text sits inside an `aria-live="polite"` region; axe finds
 *    no serious or critical violation at 1280 px.
 * 3. Shift+Tab from the composer reaches the reply's Stop button; Enter stops the reply. Shift+Tab reaches the
 *    reply's link to its question; Enter focuses the question.
 * 4. At 390 px, with the sidebar closed and then opened with the keyboard, axe again finds nothing serious.
 *
 * What this catches that unit tests can't: the rendered page in Chromium as assistive technology and a keyboard
 * meet it — computed colours, focus order, names of controls, roles of live regions.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import type { ImpactValue } from 'axe-core'
import { assistantMessages, expect, test, userMessages } from '../fixtures.ts'

test.use({ viewport: { width: 1280, height: 800 } })

/** The impacts this spec does not accept. */
const BLOCKING: readonly ImpactValue[] = ['serious', 'critical']

/** Violations axe rates serious or critical, as "rule: target" lines (empty when there are none). */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return results.violations
    .filter((violation) => violation.impact != null && BLOCKING.includes(violation.impact))
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')}`))
}

/** Presses `key` until `testId` has focus, at most `limit` times; fails when it never does. */
async function pressUntilFocused(page: Page, key: string, testId: string, limit = 25): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    if (await page.evaluate((id) => document.activeElement?.getAttribute('data-testid') === id, testId)) return
    await page.keyboard.press(key)
  }
  throw new Error(`${testId} never got the focus by ${key}`)
}

test('axe finds nothing serious, streaming text is polite-live, and the keyboard alone can do everything', async ({
  sessionPage: page,
  agent,
}) => {
  const hold = agent.pauseBefore(120)

  await page.keyboard.press('Tab')
  await expect(page.locator('.skip-link')).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('composer-input')).toBeFocused()
  await page.keyboard.type('Explain durable sessions, slowly.')
  await page.keyboard.press('Enter')
  await expect(userMessages(page)).toHaveCount(1)

  await hold.reached
  const reply = assistantMessages(page)
  await expect(reply.locator('.message-text')).toContainText('t119 ')
  await expect(reply).toHaveAttribute('data-status', 'streaming')
  expect(
    await reply
      .locator('.message-text')
      .evaluate((element) => element.closest('[aria-live="polite"]')?.getAttribute('data-testid')),
  ).toBe('messages')
  expect(await seriousViolations(page)).toEqual([])

  await page.getByTestId('composer-input').focus()
  await pressUntilFocused(page, 'Shift+Tab', 'stop-button')
  await page.keyboard.press('Enter')
  await expect(reply).toHaveAttribute('data-status', 'stopped')
  await expect(reply.getByTestId('message-note')).toHaveText('Stopped by you, computer')
  await page.getByTestId('composer-input').focus()
  await pressUntilFocused(page, 'Shift+Tab', 'reply-to')
  await page.keyboard.press('Enter')
  await expect(userMessages(page)).toBeFocused()
  expect(await seriousViolations(page)).toEqual([])

  await page.setViewportSize({ width: 390, height: 844 })
  expect(await seriousViolations(page)).toEqual([])
  await page.getByTestId('sidebar-toggle').focus()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('session-list')).toBeVisible()
  expect(await seriousViolations(page)).toEqual([])
  hold.resume()
})
