/**
 * A write the server refuses stays listed across a reload until discarded, and goes away once discarded, whatever the transport: a page on a WebSocket, a page behind a
 * forward proxy that never lets a WebSocket through (squid: the HTTP fallback over SSE) and a page behind a reverse
 * proxy that buffers SSE and drops the Upgrade (nginx: the fallback over long-poll). The SDK drops a refused update by
 * syncing a fresh replica and writing the offline copy anew (docs/security.md § Refused updates are answered in-band);
 * the message must then be shown only as "not sent", and after Discard and a reload be gone from the screen, from the
 * offline copy and from the server.
 *
 * Flow, once per transport (a server with auth and the demo page started by the test):
 * 1. Alice opens the session (the badge names the transport) and sends a short message, which the server stores.
 * 2. The server stops. Alice, who last heard the default limits, writes a 300-character message and reloads the page:
 *    the service worker serves it (behind a proxy, in place of the proxy's error page) and the message, read from the
 *    IndexedDB copy, waits to be sent. The server comes back with `maxUserTextChars: 200` and refuses the update that
 *    carries it.
 * 3. The page shows it as "not sent" with the reason (TEXT_TOO_LONG) and Retry / Discard, and no longer among the
 *    messages; Retry says why it is still not sent. A page behind a proxy is still on its fallback, a page that
 *    started on a WebSocket is on a WebSocket again.
 * 4. A reload: the page still shows it as "not sent", with the reason and Retry / Discard (kept in IndexedDB, next to
 *    the offline copy).
 * 5. Discard, then a reload: the message is on no screen, in no update of the IndexedDB copy, and not on the server.
 *
 * A page that starts on a WebSocket comes back from the outage on a WebSocket: while the server is down its fallback
 * reaches no server either, so the outage switches and remembers nothing (PROTOCOL.md §7.1).
 *
 * What this catches that unit tests can't: the rebuild running over the page's real transport, through real
 * proxies, with its real IndexedDB copy replaced in Chromium.
 */
import type { BrowserContext, Page } from '@playwright/test'
import * as Y from 'yjs'
import { offlineDatabaseName } from '../../client/browser/browser-session-client.ts'
import { ROUTES, sessionPath } from '../../shared/protocol/routes.ts'
import { readMessages } from '../../shared/session/session-doc.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import { startProxy, type RunningProxy } from '../proxies/start-proxy.ts'
import { startDemoServer } from '../testing/start-demo-server.ts'
import {
  expect,
  expectSynced,
  messageText,
  sendMessage,
  statusBadge,
  test,
  userMessages,
  waitForAppShell,
} from '../fixtures.ts'

const LONG_TEXT = `A long message: ${'lorem ipsum '.repeat(24)}`.trim()
/** Each page's way to the server: the proxy in front (none, squid as a forward proxy, nginx), the transport it gets. */
const TRANSPORTS = [
  { name: 'a page on a WebSocket', proxy: undefined, transport: /^websocket$/ },
  { name: 'the HTTP fallback over SSE (squid)', proxy: 'squid-forward', transport: /^sse$/ },
  { name: 'the HTTP fallback over long-poll (nginx)', proxy: 'gzip-sse', transport: /^long-poll$/ },
] as const

/** Every update of the page's IndexedDB copy of `sessionId`, applied to one document: the messages it holds. */
async function offlineCopyTexts(page: Page, sessionId: string): Promise<string[]> {
  const updates = await page.evaluate(
    async (name) =>
      await new Promise<number[][]>((resolve, reject) => {
        const open = indexedDB.open(name)
        open.onerror = () => {
          reject(open.error ?? new Error(`cannot open ${name}`))
        }
        open.onsuccess = () => {
          const db = open.result
          const all = db.transaction('updates', 'readonly').objectStore('updates').getAll()
          all.onerror = () => {
            db.close()
            reject(all.error ?? new Error('getAll failed'))
          }
          all.onsuccess = () => {
            db.close()
            resolve((all.result as Uint8Array[]).map((update) => Array.from(update)))
          }
        }
      }),
    offlineDatabaseName(sessionId),
  )
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, Uint8Array.from(update))
  return readMessages(doc).map((message) => message.text)
}

/** The texts of the messages the server holds (GET /v1/sessions/:id). */
async function storedTexts(serverUrl: string, sessionId: string, token: string): Promise<string[]> {
  const response = await fetch(`${serverUrl}${sessionPath(sessionId)}`, {
    headers: { authorization: `Bearer ${token}` },
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as TranscriptView).messages.map((message) => message.text)
}

for (const { name, proxy: scenario, transport } of TRANSPORTS) {
  test(`a refused write is shown with its reason and gone after discard and a reload, over ${name}`, async ({
    browser,
  }) => {
    const sessionId = `refused-gone-${scenario ?? 'websocket'}`
    const demo = await startDemoServer()
    let proxy: RunningProxy | undefined
    let context: BrowserContext | undefined
    try {
      const created = await fetch(`${demo.server.url}${ROUTES.SESSIONS}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.tokenFor('alice', 'user')}` },
        body: JSON.stringify({ id: sessionId, title: 'Refused, then gone' }),
      })
      expect(created.status, await created.text()).toBe(201)
      if (scenario !== undefined) proxy = await startProxy(scenario, Number(new URL(demo.server.url).port))
      context = await browser.newContext(
        proxy === undefined || scenario !== 'squid-forward' ? {} : { proxy: { server: proxy.url } },
      )
      const alice = await context.newPage()
      const address = demo.pageUrl(sessionId, 'alice', 'user')
      await alice.goto(
        scenario === 'gzip-sse' && proxy !== undefined ? address.replace(demo.server.url, proxy.url) : address,
      )
      await expectSynced(alice)
      await expect(statusBadge(alice)).toHaveAttribute('data-transport', transport)
      await waitForAppShell(alice)
      await sendMessage(alice, 'A short one first.')
      await expect(userMessages(alice)).toHaveCount(1)
      await expect
        .poll(async () => await storedTexts(demo.server.url, sessionId, demo.tokenFor('alice', 'user')))
        .toEqual(['A short one first.'])
      // The page knows it too (the server's state vector covers it), so only the next message waits after a reload.
      await expect(statusBadge(alice)).toHaveAttribute('data-pending', '0')

      await demo.server.close()
      await expect(statusBadge(alice)).not.toHaveAttribute('data-status', 'synced')
      await sendMessage(alice, LONG_TEXT)
      await expect(userMessages(alice)).toHaveCount(2)
      await alice.reload()
      await expect(userMessages(alice)).toHaveCount(2)
      await expect(statusBadge(alice)).toHaveAttribute('data-pending', '1')
      await demo.restart({ maxUserTextChars: 200 })

      const refused = alice.getByTestId('refused-write')
      await expect(refused).toHaveCount(1, { timeout: 20_000 })
      await expect(refused.locator('.message-text')).toHaveText(LONG_TEXT)
      await expect(refused.getByTestId('refused-reason')).toContainText('TEXT_TOO_LONG')
      await expectSynced(alice)
      await expect(statusBadge(alice)).toHaveAttribute('data-transport', transport)
      await expect(messageText(userMessages(alice))).toHaveText(['A short one first.'])
      await refused.getByTestId('retry-button').click()
      await expect(refused.getByTestId('refused-reason')).toContainText('Still not sent')

      await alice.reload()
      await expectSynced(alice)
      await expect(refused).toHaveCount(1)
      await expect(refused.locator('.message-text')).toHaveText(LONG_TEXT)
      await expect(refused.getByTestId('refused-reason')).toContainText('TEXT_TOO_LONG')
      await expect(refused.getByTestId('retry-button')).toBeVisible()
      await expect(messageText(userMessages(alice))).toHaveText(['A short one first.'])

      await refused.getByTestId('discard-button').click()
      await expect(refused).toHaveCount(0)
      await alice.reload()
      await expectSynced(alice)
      await expect(userMessages(alice)).toHaveCount(1)
      await expect(alice.getByText(LONG_TEXT)).toHaveCount(0)
      expect(await offlineCopyTexts(alice, sessionId)).toEqual(['A short one first.'])

      expect(await storedTexts(demo.server.url, sessionId, demo.tokenFor('alice', 'user'))).toEqual([
        'A short one first.',
      ])
    } finally {
      await context?.close()
      await proxy?.stop()
      await demo.close()
    }
  })
}
