/**
 * The sidebar lists people, not tabs: each person once, with a display name they set and their devices
 * ("Alice (you): computer, phone"), agents marked; a person's own messages say "You".
 *
 * Flow (the e2e server without auth, the test's agent):
 * 1. Alice opens the session on a computer (default context) and on a phone (a second page with a phone's user
 *    agent, sharing her storage, so the same principal); Bob opens it from his own computer (a third context).
 * 2. Alice saves her name "Alice" and Bob "Bob" in the "Your name" form.
 * 3. Alice's sidebar: "Alice (you): computer, phone" first, then "Bob: computer", then the agent, marked `agent`.
 *    Bob's sidebar: "Bob (you): computer", "Alice: computer, phone"; Alice's phone lists itself first ("phone,
 *    computer"), and shows her stored name in its form.
 * 4. Alice asks a question: her screen labels it "You · computer", Bob's "Alice · computer".
 * 5. An empty name is refused with the SDK's reason next to the field, and the stored name stays.
 *
 * What this catches that unit tests can't: the bundled page grouping real presence from three browsers by
 * principal, names travelling through the session document to every screen, and the page's own labels.
 */
import { devices } from '@playwright/test'
import { AGENT_ID, expect, openSession, sendMessage, test, userMessages } from '../fixtures.ts'

test.use({ replyTokens: 20 })

const personLines = (page: import('@playwright/test').Page) => page.getByTestId('person-line')

test('presence groups devices under named people, marks the agent and says "you"', async ({
  page: aliceComputer,
  context: aliceContext,
  openDevice,
  sessionId,
  agent,
}) => {
  expect(agent.session).toBeDefined()
  await openSession(aliceComputer, sessionId)
  // Same storage (same principal), a phone's user agent: the page names this device "phone".
  const phone = await openDevice({ ...devices['Pixel 7'], storageState: await aliceContext.storageState() })
  const bob = await openDevice()

  await aliceComputer.getByTestId('name-input').fill('Alice')
  await aliceComputer.getByTestId('name-save').click()
  await bob.getByTestId('name-input').fill('Bob')
  await bob.getByTestId('name-input').press('Enter')

  await expect(personLines(aliceComputer)).toHaveText(['Alice (you): computer, phone', 'Bob: computer', AGENT_ID])
  await expect(aliceComputer.locator('[data-testid="person"][data-agent="true"]')).toContainText('agent')
  await expect(personLines(bob)).toHaveText(['Bob (you): computer', 'Alice: computer, phone', AGENT_ID])
  // Each screen lists its own device first.
  await expect(personLines(phone)).toHaveText(['Alice (you): phone, computer', 'Bob: computer', AGENT_ID])
  await expect(phone.getByTestId('name-input')).toHaveValue('Alice')

  await sendMessage(aliceComputer, 'Who is here?')
  await expect(userMessages(aliceComputer).locator('.message-meta')).toHaveText('You · computer')
  await expect(userMessages(bob).locator('.message-meta')).toHaveText('Alice · computer')
  await expect(userMessages(phone).locator('.message-meta')).toHaveText('You · computer')

  await bob.getByTestId('name-input').fill('   ')
  await bob.getByTestId('name-save').click()
  await expect(bob.getByTestId('name-error')).toContainText('display name')
  await expect(personLines(aliceComputer)).toContainText(['Bob: computer'])

  await phone.context().close()
  await bob.context().close()
  await expect(personLines(aliceComputer)).toHaveText(['Alice (you): computer', AGENT_ID])
})
