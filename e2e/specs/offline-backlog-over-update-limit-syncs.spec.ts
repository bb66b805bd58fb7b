/**
 * An offline backlog larger than the server's `maxUpdateBytes` (1 MiB) syncs after a reload: the SDK sends it in
 * pieces that fit, so nothing is refused and nothing is lost (docs/offline.md § Large backlogs).
 *
 * Flow: the user opens a session online (the service worker holds the app shell), goes offline
 * (`context.setOffline(true)`), sends twelve messages of 100 000 random letters (about 1.2 MB), reloads the page
 * offline, and goes back online. The server then holds all twelve, exactly, in order.
 *
 * What this catches that unit tests can't: the bundled browser SDK sending a real IndexedDB-restored backlog through
 * Chromium's WebSocket to the real server's size limit.
 */
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import { createSeededRandom, testSeed } from '../../shared/testing/seeded-random.ts'
import {
  expect,
  fetchTranscript,
  openSession,
  sendMessage,
  statusBadge,
  test,
  userMessages,
  waitForAppShell,
} from '../fixtures.ts'

const MESSAGES = 12
const CHARS = 100_000

test('an offline backlog over 1 MiB syncs after a reload, nothing refused or lost', async ({
  page,
  context,
  sessionId,
  request,
}) => {
  test.setTimeout(120_000) // twelve 100 000-character messages typed, stored in IndexedDB and synced on 2 cores
  const random = createSeededRandom(testSeed(17))
  const texts = Array.from({ length: MESSAGES }, () =>
    Array.from({ length: CHARS }, () => String.fromCharCode(random.int(97, 122))).join(''),
  )
  expect(MESSAGES * CHARS).toBeGreaterThan(DEFAULT_SESSION_LIMITS.maxUpdateBytes)
  await openSession(page, sessionId)
  await waitForAppShell(page)
  await context.setOffline(true)
  await expect(statusBadge(page)).toHaveAttribute('data-network', 'offline', { timeout: 3_000 })
  for (const text of texts) await sendMessage(page, text)
  await expect(userMessages(page)).toHaveCount(MESSAGES)
  await page.reload()
  await expect(userMessages(page)).toHaveCount(MESSAGES, { timeout: 20_000 })
  await context.setOffline(false)
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced', { timeout: 20_000 })
  await expect(page.getByTestId('pending-note')).toHaveCount(0, { timeout: 30_000 })
  const transcript = await fetchTranscript(request, sessionId)
  expect(
    transcript.messages.map((message) => message.text),
    `seed ${random.seed}`,
  ).toEqual(texts)
})
