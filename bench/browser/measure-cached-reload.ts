/**
 * measureCachedReload: how fast the demo page shows a session it has cached. A session holding one reply of
 * `tokens` tokens is opened online in a fresh context until the service worker holds the app shell and the page's
 * IndexedDB copy has committed; then the page is reloaded online (first paint, first contentful paint, transcript)
 * and once more with the context offline (`context.setOffline(true)`: transcript). Every time is the reloaded
 * document's `performance.now()`, i.e. ms since its navigation started; "transcript" is the paint of the frame that
 * shows the reply's last token (observe-paints.ts). The bench reads the page only once its `load` event has fired:
 * Playwright's first evaluation in a document injects its own script (tens of ms of evaluation on a loaded machine),
 * which would otherwise compete with the load being measured.
 */
import type { Browser, Page } from '@playwright/test'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { offlineDatabaseName } from '../../client/browser/browser-session-client.ts'
import { SHELL_CACHE_PREFIX } from '../../demo/app/app-shell-facts.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { createBenchSession } from './bench-chat.ts'
import { openBenchPage } from './bench-page.ts'

/** Times of one online and one offline reload, in ms since navigation start. */
export interface CachedReloadRun {
  readonly online: ReloadTimes & { readonly firstPaintMs: number }
  readonly offline: ReloadTimes
}

/** What one reload shows when, in ms since its navigation started. */
export interface ReloadTimes {
  readonly firstContentfulPaintMs: number
  /** The DOM holds the whole transcript (layout and paint still to come). */
  readonly transcriptInDomMs: number
  /** The frame showing the transcript's last token is painted. */
  readonly transcriptMs: number
}

/** Writes a session of one `tokens`-token reply named `name` (the agent floods it, then closes). */
export async function writeBenchSession(server: SessionServer, name: string, tokens: number): Promise<void> {
  await createBenchSession(server, name)
  const agent = await createAgentSession({ url: server.websocketUrl, sessionId: name, agentId: 'bench-agent' })
  try {
    await agent.startReply().pipe(numberedTokens(tokens))
  } finally {
    await agent.close()
  }
}

/** Measures reloads of the session `name` (written by {@link writeBenchSession} with `tokens` tokens). */
export async function measureCachedReload(
  browser: Browser,
  server: SessionServer,
  options: { readonly name: string; readonly tokens: number },
): Promise<CachedReloadRun> {
  const length = expectedText(options.tokens).length
  const bench = await openBenchPage(browser)
  try {
    await bench.page.goto(`${server.url}/?session=${encodeURIComponent(options.name)}`)
    await bench.page.locator('[data-testid="status-badge"][data-status="synced"]').waitFor()
    await bench.waitForPaint({ minLength: length })
    await waitForCachedCopy(bench.page, offlineDatabaseName(options.name))

    await bench.page.reload({ waitUntil: 'load' })
    const online = await bench.waitForPaint({ minLength: length })
    const onlinePaints = await paintTimes(bench.page)

    await bench.context.setOffline(true)
    await bench.page.reload({ waitUntil: 'load' })
    const offline = await bench.waitForPaint({ minLength: length })
    const offlinePaints = await paintTimes(bench.page)
    return {
      online: { ...onlinePaints, transcriptInDomMs: online.domAt, transcriptMs: online.paintedAt },
      offline: {
        firstContentfulPaintMs: offlinePaints.firstContentfulPaintMs,
        transcriptInDomMs: offline.domAt,
        transcriptMs: offline.paintedAt,
      },
    }
  } finally {
    await bench.close()
  }
}

/** Waits until the service worker controls the page with its shell cached and the IndexedDB copy has committed. */
async function waitForCachedCopy(page: Page, databaseName: string): Promise<void> {
  await page.waitForFunction(
    async ({ prefix, name }) => {
      if (navigator.serviceWorker.controller === null) return false
      if (!(await caches.keys()).some((cache) => cache.startsWith(prefix))) return false
      // A read transaction is ordered after every write the page started before it: once it answers, they committed.
      return await new Promise<boolean>((resolve) => {
        const open = indexedDB.open(name)
        open.onerror = () => resolve(false)
        open.onsuccess = () => {
          const db = open.result
          const count = db.transaction('updates', 'readonly').objectStore('updates').count()
          count.onsuccess = () => {
            db.close()
            resolve(count.result > 0)
          }
          count.onerror = () => {
            db.close()
            resolve(false)
          }
        }
      })
    },
    { prefix: SHELL_CACHE_PREFIX, name: databaseName },
    { polling: 50, timeout: 60_000 },
  )
}

/** First paint and first contentful paint of the current document, once both are known. */
async function paintTimes(page: Page): Promise<{ firstPaintMs: number; firstContentfulPaintMs: number }> {
  const handle = await page.waitForFunction(
    () => {
      const entries = performance.getEntriesByType('paint')
      const at = (name: string): number | undefined => entries.find((entry) => entry.name === name)?.startTime
      const firstPaintMs = at('first-paint')
      const firstContentfulPaintMs = at('first-contentful-paint')
      return firstPaintMs === undefined || firstContentfulPaintMs === undefined
        ? undefined
        : { firstPaintMs, firstContentfulPaintMs }
    },
    undefined,
    { polling: 50, timeout: 30_000 },
  )
  return (await handle.jsonValue()) as { firstPaintMs: number; firstContentfulPaintMs: number }
}
