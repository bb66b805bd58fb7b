/**
 * The page's offline copy stores the updates it receives from the server in batches, not one IndexedDB write each,
 * and loses none of them: a reload right after the burst, with the network gone, shows every message
 * (docs/offline.md § What is written when).
 *
 * Flow:
 * 1. The page opens a fresh session online; the test counts the updates in its IndexedDB copy.
 * 2. Another person (a Node client) sends `BURST` messages, each its own update; the server broadcasts each, and the
 *    page shows them all.
 * 3. At once — no wait for the copy — the network goes away and the page is reloaded: it shows all `BURST` messages,
 *    read from the copy.
 * 4. The copy holds fewer than half as many new updates as the page received (one per message before batching, plus
 *    the one the reloaded page writes when it opens the copy).
 *
 * What this catches that unit tests can't: the batching inside y-indexeddb's real store in Chromium (a batch written
 * as one update that a later page load reads), the received updates told apart from local ones by their origin, and
 * the batch written when the page is left (a reload within the batch's wait would otherwise lose the last messages
 * from the offline copy).
 */
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { offlineDatabaseName } from '../../client/browser/browser-session-client.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import {
  expect,
  messageText,
  offlineCopyUpdateCount,
  openSession,
  statusBadge,
  test,
  userMessages,
  waitForAppShell,
} from '../fixtures.ts'

/** Messages the other person sends in one burst, each its own update. */
const BURST = 60

test('a burst of received messages is stored in a few writes and shown after an offline reload', async ({
  page,
  context,
  baseURL,
  sessionId,
}) => {
  await openSession(page, sessionId)
  await waitForAppShell(page)
  const databaseName = offlineDatabaseName(sessionId)
  const before = await offlineCopyUpdateCount(page, databaseName)

  const other = createSessionClient({
    url: `${(baseURL ?? '').replace(/^http/, 'ws')}${ROUTES.WEBSOCKET}`,
    sessionId,
    principalId: 'bob',
    WebSocket: NodeWebSocket,
  })
  try {
    await other.waitForSynced()
    for (let index = 0; index < BURST; index++) other.sendMessage(`burst message ${index}`)
    await other.waitUntilDurable()
  } finally {
    other.destroy()
  }
  await expect(userMessages(page)).toHaveCount(BURST)

  await context.setOffline(true)
  await page.reload()
  await expect(userMessages(page)).toHaveCount(BURST)
  await expect(messageText(userMessages(page).last())).toHaveText(`burst message ${BURST - 1}`)
  await expect(statusBadge(page)).not.toHaveAttribute('data-status', 'synced')

  const written = (await offlineCopyUpdateCount(page, databaseName)) - before
  expect(written).toBeGreaterThan(0)
  expect(written).toBeLessThan(BURST / 2)
})
