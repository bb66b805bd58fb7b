/**
 * An outage does not demote the transport: a browser that went offline is back on a WebSocket soon after the network
 * returns, and remembers no HTTP fallback (PROTOCOL.md §7.1, docs/offline.md § Transport after an outage).
 *
 * Flow:
 * 1. The page syncs over a WebSocket.
 * 2. The context goes offline: the client drops its connection, its next WebSocket fails, and it tries the HTTP
 *    fallback, whose request fails too (the test waits for that failed request).
 * 3. The context comes back online: within 3 s the badge is synced on `websocket`, and localStorage holds no
 *    remembered fallback, so a reload starts on a WebSocket as well.
 *
 * A second test starts on a fallback remembered before the outage: once online it is forgotten and the page is on a
 * WebSocket again within 3 s, not after the next upgrade probe (30 s).
 *
 * What this catches that unit tests can't: Chromium's own failures while offline (a WebSocket error and a failed
 * fetch) reaching the bundled transport selection, and its `online` event.
 */
import { expect, expectSynced, openSession, statusBadge, test } from '../fixtures.ts'

test('offline then online: back on a WebSocket within 3 s, no fallback remembered', async ({
  sessionPage: page,
  context,
}) => {
  await expect(statusBadge(page)).toHaveAttribute('data-transport', 'websocket')
  const fallbackFailed = page.waitForEvent('requestfailed', (failed) => failed.url().includes('/v1/http/'))
  await context.setOffline(true)
  await expect(statusBadge(page)).toHaveAttribute('data-network', 'offline', { timeout: 3_000 })
  await fallbackFailed
  await context.setOffline(false)
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced', { timeout: 3_000 })
  await expect(statusBadge(page)).toHaveAttribute('data-transport', 'websocket')
  const remembered = await page.evaluate(() =>
    Object.keys(localStorage).filter((key) => key.startsWith('lifeline.transport:')),
  )
  expect(remembered).toEqual([])
  await page.reload()
  await expectSynced(page)
  await expect(statusBadge(page)).toHaveAttribute('data-transport', 'websocket')
})

test('a fallback remembered before the outage is tried again as a WebSocket once online', async ({
  page,
  sessionId,
  context,
}) => {
  // As a page before the outage may have left it (PROTOCOL.md §7.1: remembered per origin for 10 minutes).
  await page.addInitScript(() => {
    localStorage.setItem(
      `lifeline.transport:${location.host}`,
      JSON.stringify({ mode: 'sse', until: Date.now() + 10 * 60_000 }),
    )
  })
  await openSession(page, sessionId)
  await expect(statusBadge(page)).toHaveAttribute('data-transport', 'sse')
  await context.setOffline(true)
  await expect(statusBadge(page)).toHaveAttribute('data-network', 'offline', { timeout: 3_000 })
  await context.setOffline(false)
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced', { timeout: 3_000 })
  await expect(statusBadge(page)).toHaveAttribute('data-transport', 'websocket', { timeout: 3_000 })
})
