/**
 * measureCachedReload: how fast the demo page shows a session it has cached. A session holding one reply of
 * `tokens` tokens is opened online in a fresh context until the service worker holds the app shell and the page's
 * IndexedDB copy has committed; then the page is reloaded online (first paint, first contentful paint, transcript),
 * three more times online (the transcript's end, as a session opened again later shows it) and once more with the
 * context offline (`context.setOffline(true)`: transcript). Every time is the reloaded
 * document's `performance.now()`, i.e. ms since its navigation started; "transcript" is the paint of the frame that
 * shows the whole reply (observe-paints.ts), "transcript end" that of the first frame showing the reply's last
 * characters, what the reader sees first on a page that opens scrolled to the bottom (a long session's bounded snapshot
 * shows its end only). The bench reads the page only once its `load` event has fired:
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
import { PAINT_TAIL_CHARS } from './observe-paints.ts'
import { percentile } from './percentile.ts'

/** Times of one online and one offline reload, in ms since navigation start. */
export interface CachedReloadRun {
  readonly online: ReloadTimes & { readonly firstPaintMs: number }
  readonly offline: ReloadTimes
  /**
   * The median over {@link LATER_RELOADS} further online reloads of the transcript end painted: the first reload
   * comes right after the first visit, when the page's code is not in the browser's code cache yet and the service
   * worker has just been installed; these show a session opened again later.
   */
  readonly laterTranscriptEndMs: number
}

/** Online reloads after the first, of which {@link CachedReloadRun.laterTranscriptEndMs} is the median. */
const LATER_RELOADS = 3

/** What one reload shows when, in ms since its navigation started. */
export interface ReloadTimes {
  readonly firstContentfulPaintMs: number
  /** The DOM holds the whole transcript (layout and paint still to come). */
  readonly transcriptInDomMs: number
  /** The frame showing the whole transcript is painted. */
  readonly transcriptMs: number
  /** The first frame showing the transcript's last characters is painted. */
  readonly transcriptEndMs: number
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
  const text = expectedText(options.tokens)
  const { length } = text
  const end = { minLength: 0, endsWith: text.slice(-PAINT_TAIL_CHARS) }
  const bench = await openBenchPage(browser)
  try {
    await bench.page.goto(`${server.url}/?session=${encodeURIComponent(options.name)}`)
    await bench.page.locator('[data-testid="status-badge"][data-status="synced"]').waitFor()
    await bench.waitForPaint({ minLength: length })
    await waitForCachedCopy(bench.page, offlineDatabaseName(options.name))

    await bench.page.reload({ waitUntil: 'load' })
    const online = await bench.waitForPaint({ minLength: length })
    const onlineEnd = await bench.waitForPaint(end)
    const onlinePaints = await paintTimes(bench.page)
    const later: number[] = []
    for (let reload = 0; reload < LATER_RELOADS; reload++) {
      await bench.page.reload({ waitUntil: 'load' })
      later.push((await bench.waitForPaint(end)).paintedAt)
    }

    await bench.context.setOffline(true)
    await bench.page.reload({ waitUntil: 'load' })
    const offline = await bench.waitForPaint({ minLength: length })
    const offlineEnd = await bench.waitForPaint(end)
    const offlinePaints = await paintTimes(bench.page)
    return {
      online: {
        ...onlinePaints,
        transcriptInDomMs: online.domAt,
        transcriptMs: online.paintedAt,
        transcriptEndMs: onlineEnd.paintedAt,
      },
      offline: {
        firstContentfulPaintMs: offlinePaints.firstContentfulPaintMs,
        transcriptInDomMs: offline.domAt,
        transcriptMs: offline.paintedAt,
        transcriptEndMs: offlineEnd.paintedAt,
      },
      laterTranscriptEndMs: percentile(later, 50),
    }
  } finally {
    await bench.close()
  }
}

/**
 * Waits until the service worker controls the page with its shell cached and the IndexedDB copy has committed. Polled
 * from here: `page.waitForFunction` takes the Promise an async check returns for a truthy value without awaiting it,
 * so it returned at once and the offline reload could run before the worker was installed (the browser then answered
 * ERR_INTERNET_DISCONNECTED).
 * @throws Error when the copy is not complete within 60 s
 */
async function waitForCachedCopy(page: Page, databaseName: string): Promise<void> {
  const deadline = performance.now() + 60_000
  while (!(await page.evaluate(isCachedCopyComplete, { prefix: SHELL_CACHE_PREFIX, name: databaseName }))) {
    if (performance.now() > deadline)
      throw new Error(`the offline copy of ${databaseName} was not complete within 60 s`)
    await new Promise((resolve) => {
      setTimeout(resolve, 50)
    })
  }
}

/** In the page: whether the worker controls it, its shell is cached, and the IndexedDB copy holds updates. */
async function isCachedCopyComplete({ prefix, name }: { prefix: string; name: string }): Promise<boolean> {
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
