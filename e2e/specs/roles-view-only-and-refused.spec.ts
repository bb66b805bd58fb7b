/**
 * Roles in the chat: an observer gets a read-only page, and a write the server refuses is shown on the message
 * with the reason and can be retried or discarded — never a permanent "failed".
 *
 * Flow (a server with auth and the demo page started by the test; an agent with its own token):
 * 1. Alice (user token) opens the session and asks a question; the agent answers.
 * 2. Olivia opens the same session with an observer token: "view only" is shown, there is no composer, no steer
 *    form, no name form and no Stop button, and she sees Alice's question and the reply.
 * 3. The server stops. Alice, offline, writes a 300-character message: her client, which last heard the default
 *    limits, keeps it. The server comes back with `maxUserTextChars: 200` and refuses the update that carries it.
 * 4. Alice's page shows that message as "not sent" with the reason (TEXT_TOO_LONG) and Retry / Discard; Retry says
 *    why it is still not sent. A short message afterwards is delivered and answered as usual.
 * 5. Discard removes the entry. The server never stored the long message; Olivia never saw it.
 *
 * What this catches that unit tests can't: the bundled page reading the role from a real token, and a refusal
 * decided by a real server reaching the person who wrote the message, in their browser, with a way out.
 */
import type { BrowserContext } from '@playwright/test'
import { createAgentSession, type AgentSession } from '../../client/agent/agent-session.ts'
import { ROUTES, sessionPath } from '../../shared/protocol/routes.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import { startDemoServer } from '../testing/start-demo-server.ts'
import { assistantMessages, expect, expectSynced, test, userMessages } from '../fixtures.ts'

const SESSION_ID = 'roles-in-the-chat'
const LONG_TEXT = `A long message: ${'lorem ipsum '.repeat(24)}`.trim()

async function* words(text: string): AsyncGenerator<string> {
  for (const word of text.split(/(?= )/)) yield word
}

test('an observer reads only; a refused message says why and can be discarded', async ({ browser }) => {
  test.setTimeout(90_000)
  const demo = await startDemoServer()
  const contexts: BrowserContext[] = []
  let agent: AgentSession | undefined
  try {
    const created = await fetch(`${demo.server.url}${ROUTES.SESSIONS}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.tokenFor('alice', 'user')}` },
      body: JSON.stringify({ id: SESSION_ID, title: 'Roles in the chat' }),
    })
    expect(created.status, await created.text()).toBe(201)
    const answering = await createAgentSession({
      url: demo.server.websocketUrl,
      sessionId: SESSION_ID,
      agentId: 'roles-agent',
      token: demo.tokenFor('roles-agent', 'agent'),
    })
    agent = answering
    answering.onUserMessage(async (message) => {
      await answering.startReply({ replyTo: message.id }).pipe(words(`You said ${message.text.length} characters.`))
    })

    const aliceContext = await browser.newContext()
    contexts.push(aliceContext)
    const alice = await aliceContext.newPage()
    await alice.goto(demo.pageUrl(SESSION_ID, 'alice', 'user'))
    await expectSynced(alice)
    await alice.getByTestId('composer-input').fill('Who can write here?')
    await alice.getByTestId('send-button').click()
    await expect(assistantMessages(alice)).toHaveAttribute('data-status', 'done')

    const oliviaContext = await browser.newContext()
    contexts.push(oliviaContext)
    const olivia = await oliviaContext.newPage()
    await olivia.goto(demo.pageUrl(SESSION_ID, 'olivia', 'observer'))
    await expectSynced(olivia)
    await expect(olivia.getByTestId('view-only-note')).toBeVisible()
    await expect(olivia.getByTestId('view-only-note')).toContainText('View only')
    await expect(olivia.getByTestId('composer')).toHaveCount(0)
    await expect(olivia.getByTestId('steer-form')).toHaveCount(0)
    await expect(olivia.getByTestId('name-form')).toBeHidden()
    await expect(userMessages(olivia)).toHaveText(/Who can write here\?/)
    await expect(assistantMessages(olivia)).toHaveAttribute('data-status', 'done')
    await expect(olivia.getByTestId('stop-button')).toHaveCount(0)

    await demo.server.close()
    await expect(alice.getByTestId('status-badge')).not.toHaveAttribute('data-status', 'synced')
    await alice.getByTestId('composer-input').fill(LONG_TEXT)
    await alice.getByTestId('send-button').click()
    await demo.restart({ maxUserTextChars: 200 })

    const refused = alice.getByTestId('refused-write')
    await expect(refused).toHaveCount(1, { timeout: 20_000 })
    await expect(refused.locator('.message-text')).toHaveText(LONG_TEXT)
    await expect(refused.getByTestId('refused-reason')).toContainText('TEXT_TOO_LONG')
    await expect(userMessages(alice)).toHaveCount(1)
    await refused.getByTestId('retry-button').click()
    await expect(refused.getByTestId('refused-reason')).toContainText('Still not sent')
    await expect(refused).toHaveCount(1)

    await expectSynced(alice)
    await alice.getByTestId('composer-input').fill('Short one.')
    await alice.getByTestId('send-button').click()
    await expect(assistantMessages(alice)).toHaveCount(2)
    await expect(assistantMessages(alice).nth(1)).toHaveAttribute('data-status', 'done')

    await refused.getByTestId('discard-button').click()
    await expect(refused).toHaveCount(0)
    await expect(alice.getByTestId('refused-list')).toBeHidden()

    const response = await fetch(`${demo.server.url}${sessionPath(SESSION_ID)}`, {
      headers: { authorization: `Bearer ${demo.tokenFor('olivia', 'observer')}` },
    })
    const stored = (await response.json()) as TranscriptView
    expect(stored.messages.filter((message) => message.role === 'user').map((message) => message.text)).toEqual([
      'Who can write here?',
      'Short one.',
    ])
    await expect(userMessages(olivia)).toHaveCount(2)
    await expect(olivia.getByText(LONG_TEXT)).toHaveCount(0)
  } finally {
    for (const context of contexts) await context.close()
    await agent?.close()
    await demo.close()
  }
})
