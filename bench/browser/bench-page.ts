/**
 * openBenchPage: a fresh browser context (its own storage, service workers and network switch) with
 * observePaints injected, and the Node-side readers of what it logged.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { observePaints, PAINT_LOG_GLOBAL, PAINT_TAIL_CHARS, type PaintLog, type PaintRecord } from './observe-paints.ts'

/** The text of the last reply on the demo page and on the peer page (both drawn by renderMessageList). */
const REPLY_TEXT_SELECTOR = '[data-testid="message"][data-role="assistant"] .message-text'

/**
 * Which painted record to wait for: the last reply's text at least `minLength` long, with exactly `count` replies,
 * ending with `endsWith` (at most PAINT_TAIL_CHARS characters).
 */
export interface PaintQuery {
  readonly minLength: number
  readonly count?: number
  readonly endsWith?: string
}

/** A page under observation. */
export interface BenchPage {
  readonly context: BrowserContext
  readonly page: Page
  /** The current document's log (a reload starts a new one); a record not painted yet has `paintedAt` null. */
  log(): Promise<PaintLog>
  /** Resolves with the first painted record matching `query` in the current document. */
  waitForPaint(query: PaintQuery, timeoutMs?: number): Promise<PaintRecord>
  close(): Promise<void>
}

/** Opens a new context and page on `browser`, watching the last reply's text. */
export async function openBenchPage(browser: Browser): Promise<BenchPage> {
  const context = await browser.newContext()
  // tsx compiles this process with esbuild's keepNames, which wraps named functions of the page functions below in a
  // `__name(…)` helper that exists only in Node: the page gets a stand-in that returns the function as it is.
  await context.addInitScript({ content: 'globalThis.__name = (target) => target' })
  await context.addInitScript(observePaints, {
    selector: REPLY_TEXT_SELECTOR,
    logName: PAINT_LOG_GLOBAL,
    tailChars: PAINT_TAIL_CHARS,
  })
  const page = await context.newPage()
  return {
    context,
    page,
    log: async () =>
      await page.evaluate((name) => {
        const found = (window as unknown as Record<string, PaintLog | undefined>)[name]
        return found === undefined ? { records: [], sends: [] } : { records: found.records, sends: found.sends }
      }, PAINT_LOG_GLOBAL),
    async waitForPaint(query, timeoutMs = 60_000) {
      if ((query.endsWith?.length ?? 0) > PAINT_TAIL_CHARS)
        throw new Error(`endsWith is longer than the ${PAINT_TAIL_CHARS} characters a paint record keeps`)
      // Checked in the page every 50 ms: a cheap scan that leaves the frames being measured alone.
      const handle = await page.waitForFunction(
        ({ name, minLength, count, endsWith }) => {
          const log = (window as unknown as Record<string, PaintLog | undefined>)[name]
          return log?.records.find(
            (record) =>
              !Number.isNaN(record.paintedAt) &&
              record.length >= minLength &&
              (count === undefined || record.count === count) &&
              (endsWith === undefined || record.tail.endsWith(endsWith)),
          )
        },
        { name: PAINT_LOG_GLOBAL, minLength: query.minLength, count: query.count, endsWith: query.endsWith },
        { polling: 50, timeout: timeoutMs },
      )
      return (await handle.jsonValue()) as PaintRecord
    },
    close: () => context.close(),
  }
}
