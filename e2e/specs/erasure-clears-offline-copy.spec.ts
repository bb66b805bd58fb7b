/**
 * Deleting a session also clears its offline copy, and nothing the service worker cached names it (right to erasure,
 * docs/security.md § Destructive actions; docs/offline.md § Erasure).
 *
 * Flow (a server with auth and the demo page started by the test):
 * 1. Alice owns two sessions. On her laptop she opens the one she will delete: it is listed in the sidebar, gets an
 *    IndexedDB copy, and she writes a message in it, which the page's transcript snapshot in localStorage holds once
 *    the list is quiet; the app shell is cached. Her phone has the same session open.
 * 2. Alice deletes it through the HTTP API with her owner's token. Both pages learn it from the server (the
 *    connection closes with SESSION_DELETED): each says the session was deleted (also in the tab's title), shows no
 *    transcript and drops its IndexedDB copy and its transcript snapshot.
 * 3. The laptop goes offline for real (`context.setOffline(true)`) and reloads the same address: the page comes from
 *    the service worker, lists the other session but not the deleted one, shows no transcript, still has no
 *    IndexedDB database for it, and Cache Storage holds no entry naming it.
 * 4. Back online, another reload still shows the note and opens nothing: the server has not created the session anew.
 *
 * What this catches that unit tests can't: the erasure reaching real browser storage — IndexedDB, localStorage,
 * Cache Storage — in two contexts, and a reload with no network that must not bring the session back.
 */
import type { BrowserContext, Page } from '@playwright/test'
import { offlineDatabaseName } from '../../client/browser/browser-session-client.ts'
import { ROUTES, sessionPath } from '../../shared/protocol/routes.ts'
import { startDemoServer } from '../testing/start-demo-server.ts'
import { expect, sendMessage, statusBadge, test, userMessages, waitForAppShell } from '../fixtures.ts'

const DELETED = 'erasure-deleted'
const KEPT = 'erasure-kept'
const SECRET = 'My passport number is 123456789.'

/** Names of the IndexedDB databases the page's origin holds. */
async function databaseNames(page: Page): Promise<string[]> {
  return await page.evaluate(async () => (await indexedDB.databases()).map((database) => database.name ?? ''))
}

/** Every URL stored in Cache Storage for the page's origin. */
async function cachedUrls(page: Page): Promise<string[]> {
  return await page.evaluate(async () => {
    const urls: string[] = []
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(request.url)
    }
    return urls
  })
}

/** Every value in the origin's localStorage. */
async function storedValues(page: Page): Promise<string[]> {
  return await page.evaluate(() => Object.keys(localStorage).map((key) => `${key}=${localStorage.getItem(key)}`))
}

test('deleting a session erases its offline copy on every device that had it open, also after an offline reload', async ({
  browser,
}) => {
  const demo = await startDemoServer()
  const contexts: BrowserContext[] = []
  try {
    for (const [id, title] of [
      [KEPT, 'Kept session'],
      [DELETED, 'Session to erase'],
    ] as const) {
      const created = await fetch(`${demo.server.url}${ROUTES.SESSIONS}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.tokenFor('alice', 'user')}` },
        body: JSON.stringify({ id, title }),
      })
      expect(created.status, await created.text()).toBe(201)
    }
    const laptopContext = await browser.newContext()
    contexts.push(laptopContext)
    const laptop = await laptopContext.newPage()
    await laptop.goto(demo.pageUrl(DELETED, 'alice', 'user'))
    await expect(statusBadge(laptop)).toHaveAttribute('data-status', 'synced')
    await waitForAppShell(laptop)
    await expect(laptop.getByTestId('session-list').getByRole('link')).toHaveText(['Session to erase', 'Kept session'])
    await expect(laptop).toHaveTitle(/Session to erase/)
    await sendMessage(laptop, SECRET)
    await expect(userMessages(laptop)).not.toHaveAttribute('data-delivery', 'pending')
    expect(await databaseNames(laptop)).toContain(offlineDatabaseName(DELETED))
    // The page's transcript snapshot (demo/app/transcript-snapshot.ts) holds the message too, until the deletion.
    await expect.poll(async () => (await storedValues(laptop)).some((value) => value.includes(SECRET))).toBe(true)

    const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })
    contexts.push(phoneContext)
    const phone = await phoneContext.newPage()
    await phone.goto(demo.pageUrl(DELETED, 'alice', 'user'))
    await expect(statusBadge(phone)).toHaveAttribute('data-status', 'synced')
    await expect(userMessages(phone)).toHaveText(new RegExp(SECRET.replace(/\./g, '\\.')))
    expect(await databaseNames(phone)).toContain(offlineDatabaseName(DELETED))

    const deleted = await fetch(`${demo.server.url}${sessionPath(DELETED)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${demo.tokenFor('alice', 'user')}` },
    })
    expect(deleted.status, await deleted.text()).toBe(204)

    for (const page of [laptop, phone]) {
      await expect(page.getByTestId('deleted-note')).toBeVisible()
      await expect(page).toHaveTitle('Deleted session — Lifeline')
      await expect(userMessages(page)).toHaveCount(0)
      await expect(page.getByText(SECRET)).toHaveCount(0)
      await expect.poll(async () => await databaseNames(page)).not.toContain(offlineDatabaseName(DELETED))
      expect((await storedValues(page)).filter((value) => value.includes(SECRET))).toEqual([])
    }
    await expect(laptop.getByTestId('session-list').getByRole('link')).toHaveText(['Kept session'])

    await laptopContext.setOffline(true)
    await laptop.reload()
    await expect(laptop.getByTestId('deleted-note')).toBeVisible()
    await expect(laptop).toHaveTitle('Deleted session — Lifeline')
    await expect(laptop.getByTestId('session-list').getByRole('link')).toHaveText(['Kept session'])
    await expect(userMessages(laptop)).toHaveCount(0)
    await expect(laptop.getByText(SECRET)).toHaveCount(0)
    expect(await databaseNames(laptop)).not.toContain(offlineDatabaseName(DELETED))
    expect((await cachedUrls(laptop)).filter((url) => url.includes(DELETED))).toEqual([])
    expect((await storedValues(laptop)).filter((value) => value.includes(SECRET))).toEqual([])

    await laptopContext.setOffline(false)
    await laptop.reload()
    await expect(laptop.getByTestId('session-list').getByRole('link')).toHaveText(['Kept session'])
    await expect(laptop.getByTestId('deleted-note')).toBeVisible()
    expect(await databaseNames(laptop)).not.toContain(offlineDatabaseName(DELETED))
    const gone = await fetch(`${demo.server.url}${sessionPath(DELETED)}`, {
      headers: { authorization: `Bearer ${demo.tokenFor('alice', 'user')}` },
    })
    expect(gone.status).toBe(404)
  } finally {
    for (const context of contexts) await context.close()
    await demo.close()
  }
})
