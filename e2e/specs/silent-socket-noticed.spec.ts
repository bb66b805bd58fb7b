/**
 * A connection that goes silent without closing is noticed: the badge says offline, though the browser never reports
 * the network gone (docs/offline.md § Honest status). The client's heartbeat asks the server for an answer after 1 s
 * of silence and gives the connection up when none comes within 1.5 s; after slow answers it waits longer (three
 * times the last answer time), which a loaded machine gives, so the bounds below are generous. The heartbeat's
 * timing itself is tested on an injected clock (client/core/heartbeat.test.ts).
 *
 * Flow:
 * 1. The page is opened through a TCP relay the test starts (e2e/testing/start-pausable-relay.ts) and syncs over a
 *    WebSocket.
 * 2. The relay pauses: it keeps every byte but forwards none and closes nothing, so no close, error or `offline`
 *    event reaches the page. The badge says offline.
 * 3. The person writes a message, marked "not sent yet".
 * 4. The relay resumes: the badge is online and synced again, and the server holds the message once.
 *
 * What this catches that unit tests can't: Chromium's own WebSocket over a stalled TCP connection, where only the
 * client's heartbeat can tell that nothing comes back.
 */
import { startPausableRelay } from '../testing/start-pausable-relay.ts'
import { expect, expectSynced, fetchTranscript, sendMessage, statusBadge, test, userMessages } from '../fixtures.ts'

/** Bound on noticing the silence and on recovering: the heartbeat's 2.5 s, stretched after slow answers. */
const NOTICE_MS = 10_000

test('a socket that goes silent without closing shows offline, and recovers when it carries bytes again', async ({
  page,
  sessionId,
  request,
  baseURL,
}) => {
  const relay = await startPausableRelay(Number(new URL(baseURL ?? '').port))
  try {
    await page.goto(`${relay.url}/?session=${encodeURIComponent(sessionId)}`)
    await expectSynced(page)
    await expect(statusBadge(page)).toHaveAttribute('data-transport', 'websocket')
    await expect(statusBadge(page)).toHaveAttribute('data-network', 'online')

    relay.pause()
    await expect(statusBadge(page)).toHaveAttribute('data-network', 'offline', { timeout: NOTICE_MS })
    expect(await page.evaluate(() => navigator.onLine)).toBe(true)
    await sendMessage(page, 'written while the line was silent')
    await expect(userMessages(page)).toHaveAttribute('data-delivery', 'pending')

    relay.resume()
    await expect(statusBadge(page)).toHaveAttribute('data-network', 'online', { timeout: NOTICE_MS })
    await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced', { timeout: NOTICE_MS })
    await expect(userMessages(page)).not.toHaveAttribute('data-delivery', 'pending')
    await expect
      .poll(async () => (await fetchTranscript(request, sessionId)).messages.map((message) => message.text))
      .toEqual(['written while the line was silent'])
  } finally {
    await relay.close()
  }
})
