/**
 * Every screen says what a reply answers and why it ended: a link to its question that jumps to it, "Stopped by
 * Bob, phone" / "Redirected by Alice, computer: …" from the steer that ended it, and the reason a reply failed.
 *
 * Flow (the e2e server without auth, the test's agent, a second agent that fails):
 * 1. Alice opens the session on her computer, Bob on his phone (a phone's user agent and screen); they save the
 *    names "Alice" and "Bob".
 * 2. Alice asks a first question; while the reply streams, Bob clicks its Stop button. Alice's screen says
 *    "Stopped by Bob, phone", Bob's "Stopped by you, phone".
 * 3. Alice asks a second question and redirects its reply from the steer form: Bob's screen says "Redirected by
 *    Alice, computer: “shorter please”".
 * 4. A second agent answers the first question with a reply whose token source throws: both screens show it
 *    `failed` with the reason.
 * 5. Each reply quotes its question; following that link on Alice's screen focuses the question and shows it.
 *
 * What this catches that unit tests can't: the steer's author and device written by one browser's SDK, carried
 * through the server to the other browser and matched there to the reply it ended, in the bundled page.
 */
import { devices, type Page } from '@playwright/test'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { assistantMessages, expect, openSession, sendMessage, test, userMessages } from '../fixtures.ts'

/** Saves a display name from the sidebar, opening it first on a narrow screen (and closing it after). */
const setName = async (page: Page, name: string): Promise<void> => {
  const toggle = page.getByTestId('sidebar-toggle')
  const narrow = await toggle.isVisible()
  if (narrow) await toggle.click()
  await page.getByTestId('name-input').fill(name)
  await page.getByTestId('name-save').click()
  if (narrow) await page.keyboard.press('Escape')
}

async function* failingTokens(): AsyncGenerator<string> {
  yield 'Let me check… '
  throw new Error('model provider unavailable')
}

test('replies link their question and say who stopped or redirected them, and why one failed', async ({
  page: alice,
  openDevice,
  sessionId,
  agent,
  baseURL,
}) => {
  // A redirect stops the reply only when the agent takes redirects.
  agent.session.onSteer(() => undefined)
  agent.pauseBefore(250)
  await openSession(alice, sessionId)
  const bob = await openDevice({ ...devices['Pixel 7'] })
  await setName(alice, 'Alice')
  await setName(bob, 'Bob')
  await expect(bob.getByTestId('person-line').first()).toHaveText('Bob (you): phone')

  await sendMessage(alice, 'First question: count slowly.')
  const firstReplyOnBob = assistantMessages(bob).first()
  await expect(firstReplyOnBob.locator('.message-text')).toContainText('t20 ')
  await firstReplyOnBob.getByTestId('stop-button').click()
  await expect(assistantMessages(alice).first()).toHaveAttribute('data-status', 'stopped')
  await expect(assistantMessages(alice).first().getByTestId('message-note')).toHaveText('Stopped by Bob, phone')
  await expect(firstReplyOnBob.getByTestId('message-note')).toHaveText('Stopped by you, phone')

  await sendMessage(alice, 'Second question: count again.')
  await expect(assistantMessages(alice)).toHaveCount(2)
  await expect(assistantMessages(alice).nth(1).locator('.message-text')).toContainText('t20 ')
  await alice.getByTestId('steer-input').fill('shorter please')
  await alice.getByTestId('steer-button').click()
  const secondReplyOnBob = assistantMessages(bob).nth(1)
  await expect(secondReplyOnBob).toHaveAttribute('data-status', 'stopped')
  await expect(secondReplyOnBob.getByTestId('message-note')).toHaveText(
    'Redirected by Alice, computer: “shorter please”',
  )

  const failing = await createAgentSession({
    url: `${(baseURL ?? '').replace(/^http/, 'ws')}${ROUTES.WEBSOCKET}`,
    sessionId,
    agentId: 'flaky-agent',
  })
  try {
    const questionId = (await userMessages(alice).first().getAttribute('data-message-id')) ?? ''
    // The writer ends the reply `failed` durably, then hands the model's error back to its caller.
    await expect(failing.startReply({ replyTo: questionId }).pipe(failingTokens())).rejects.toThrow(
      'model provider unavailable',
    )
    for (const screen of [alice, bob]) {
      const failed = screen.locator('[data-testid="message"][data-status="failed"]')
      await expect(failed.getByTestId('message-note')).toContainText('Failed: the agent hit an error')
      await expect(failed.getByTestId('reply-to')).toHaveText('↪ answers “First question: count slowly.”')
    }
  } finally {
    await failing.close()
  }

  const secondReply = assistantMessages(alice).filter({ hasText: 'Redirected' })
  await expect(secondReply.getByTestId('reply-to')).toHaveText('↪ answers “Second question: count again.”')
  await secondReply.getByTestId('reply-to').click()
  const secondQuestion = userMessages(alice).filter({ hasText: 'Second question' })
  await expect(secondQuestion).toBeFocused()
  await expect(secondQuestion).toBeInViewport()
})
