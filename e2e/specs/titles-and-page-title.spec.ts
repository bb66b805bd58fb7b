/**
 * Titles: a session created without a title is named by its first message, its owner can rename it, the browser
 * tab shows the session and how many messages arrived while it was hidden, and the icon is served.
 *
 * Flow (the e2e server without auth, where anyone may rename; an agent in the test's process):
 * 1. A session is created with no title and opened: the header says "New session", never the raw id.
 * 2. The user asks a question: the header, the sidebar link, the tab title and the server's session list all take
 *    the question's words as the title.
 * 3. The tab is hidden (`visibilityState` reported hidden, `visibilitychange` fired); an agent joins and its reply
 *    arrives: the tab title starts with "(1)". Shown again, the count is gone.
 * 4. Rename: the Rename button opens a form; the new title is saved on the server and shown everywhere.
 * 5. `/favicon.ico` and the linked `icon.svg` answer 200 with an SVG icon.
 *
 * What this catches that unit tests can't: the bundled page's title logic against the real PATCH route and the
 * session document, in Chromium.
 */
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { assistantMessages, expect, fetchTranscript, openSession, sendMessage, test } from '../fixtures.ts'

async function* words(text: string): AsyncGenerator<string> {
  for (const word of text.split(/(?= )/)) yield word
}

test('a new session is named by its first message, can be renamed, and the tab counts unread messages', async ({
  page,
  request,
  baseURL,
}) => {
  const created = await request.post(ROUTES.SESSIONS, { data: {} })
  expect(created.status()).toBe(201)
  const { id } = (await created.json()) as { id: string }
  await openSession(page, id)
  await expect(page.getByTestId('session-title')).toHaveText('New session')

  await sendMessage(page, 'Plan a weekend in Lisbon in May')
  await expect(page.getByTestId('session-title')).toHaveText('Plan a weekend in Lisbon in May')
  await expect(page.locator('.session-link[aria-current="page"]')).toHaveText('Plan a weekend in Lisbon in May')
  await expect(page).toHaveTitle('Plan a weekend in Lisbon in May — Lifeline')
  await expect
    .poll(async () => {
      const listed = (await (await request.get(ROUTES.SESSIONS)).json()) as {
        sessions: Array<{ id: string; title: string }>
      }
      return listed.sessions.find((session) => session.id === id)?.title
    })
    .toBe('Plan a weekend in Lisbon in May')

  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
    document.dispatchEvent(new Event('visibilitychange'))
  })
  // The agent joins while the tab is hidden and answers the question it finds.
  const agent = await createAgentSession({
    url: `${(baseURL ?? '').replace(/^http/, 'ws')}${ROUTES.WEBSOCKET}`,
    sessionId: id,
    agentId: 'title-agent',
  })
  agent.onUserMessage(async (message) => {
    await agent.startReply({ replyTo: message.id }).pipe(words('Lisbon in May is lovely.'))
  })
  await expect(assistantMessages(page)).toHaveAttribute('data-status', 'done')
  await agent.close()
  await expect(page).toHaveTitle('(1) Plan a weekend in Lisbon in May — Lifeline')
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' })
    document.dispatchEvent(new Event('visibilitychange'))
  })
  await expect(page).toHaveTitle('Plan a weekend in Lisbon in May — Lifeline')

  await page.getByTestId('rename-button').click()
  await expect(page.getByTestId('rename-input')).toBeFocused()
  await page.getByTestId('rename-input').fill('Lisbon, May weekend')
  await page.getByTestId('rename-input').press('Enter')
  await expect(page.getByTestId('session-title')).toHaveText('Lisbon, May weekend')
  await expect(page.locator('.session-link[aria-current="page"]')).toHaveText('Lisbon, May weekend')
  await expect(page).toHaveTitle('Lisbon, May weekend — Lifeline')
  expect((await fetchTranscript(request, id)).title).toBe('Lisbon, May weekend')

  for (const path of ['/favicon.ico', '/icon.svg']) {
    const icon = await request.get(path)
    expect(icon.status()).toBe(200)
    expect(icon.headers()['content-type']).toBe('image/svg+xml')
  }
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', 'icon.svg')
})
