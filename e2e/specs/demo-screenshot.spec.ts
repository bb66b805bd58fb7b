/**
 * The demo chat in a realistic state — a question and a streamed answer in progress — rendered in Chromium and
 * saved as a full-page screenshot (test-results/demo-chat.png, also attached to the report).
 *
 * Flow:
 * 1. Besides this test's session ("Rolling out Lifeline to the support team"), three sessions with realistic
 *    titles exist, so the sidebar looks like real use.
 * 2. The user opens the session and asks a question.
 * 3. The agent streams the demo's readable answer word by word and is held in the middle of it (the reply is
 *    still `streaming`; everything so far is durable).
 * 4. The key elements are visible: title, `synced` badge, the session highlighted in the sidebar, the
 *    question, the partial answer with its streaming status and Stop button, the composer and Send button.
 * 5. A full-page screenshot is taken (animations disabled, so the streaming cursor is steady) and attached;
 *    then the agent is released and the reply ends `done` with the whole answer.
 *
 * What this catches that unit tests can't: the real page as a user sees it — the esbuild bundle, the CSS, the
 * layout of a live streaming reply in Chromium — so a broken bundle, a hidden element or a layout regression
 * fails a visibility check or shows in the screenshot, which no DOM-free test can render.
 */
import { join } from 'node:path'
import { ROUTES } from '../../shared/protocol/routes.ts'
import {
  assistantMessages,
  expect,
  messageText,
  openSession,
  sendMessage,
  statusBadge,
  test,
  userMessages,
} from '../fixtures.ts'

const TITLE = 'Rolling out Lifeline to the support team'
const OTHER_SESSIONS = ['Q3 churn analysis', 'Bug triage: login loop on Safari', 'Draft: onboarding email sequence']
const QUESTION = 'If a support agent refreshes the page while you are answering, what happens to the reply?'

test.use({ agentAnswer: 'demo', sessionTitle: TITLE, viewport: { width: 1280, height: 800 } })

test('a question and a streaming answer render with every key element visible', async ({
  page,
  request,
  sessionId,
  agent,
}, testInfo) => {
  for (const title of OTHER_SESSIONS)
    expect((await request.post(ROUTES.SESSIONS, { data: { title } })).status()).toBe(201)
  await openSession(page, sessionId)
  const hold = agent.pauseBefore(104)

  await sendMessage(page, QUESTION)
  await hold.reached
  const question = userMessages(page)
  const reply = assistantMessages(page)
  await expect(reply).toHaveAttribute('data-status', 'streaming')
  await expect(messageText(reply)).toContainText(
    'Refresh this page now: the answer continues from exactly where it was.',
  )

  await expect(page.getByTestId('session-title')).toHaveText(TITLE)
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced')
  await expect(statusBadge(page)).toHaveText('synced')
  await expect(page.locator('.session-link[aria-current="page"]')).toHaveText(TITLE)
  for (const other of OTHER_SESSIONS) await expect(page.getByTestId('session-list')).toContainText(other)
  await expect(question).toBeVisible()
  await expect(messageText(question)).toHaveText(QUESTION)
  await expect(reply).toBeVisible()
  await expect(reply.locator('.message-meta')).toHaveText(/streaming/i)
  await expect(reply.getByTestId('stop-button')).toBeVisible()
  await expect(page.getByTestId('composer-input')).toBeVisible()
  await expect(page.getByTestId('send-button')).toBeVisible()

  const path = join(testInfo.project.outputDir, 'demo-chat.png')
  await page.screenshot({ path, fullPage: true, animations: 'disabled' })
  await testInfo.attach('demo-chat', { path, contentType: 'image/png' })

  hold.resume()
  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  await expect(messageText(reply)).toContainText('keeping the session alive around them is what Lifeline is for.')
  await expect(reply.getByTestId('stop-button')).toBeHidden()
  expect(agent.invocations).toBe(1)
})
