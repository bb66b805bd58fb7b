/**
 * Playwright fixtures for the browser end-to-end specs (CONTRIBUTING.md § Tests). The web server (started by
 * e2e/playwright.config.ts) has no agent of its own: `agent` runs one in the test's Node process, so a spec can
 * drive the agent and watch the browser at the same time.
 *
 * - `sessionId`: a session created for this test only (POST /v1/sessions), so no state carries over.
 * - `sessionPage`: the demo chat page opened on that session, once its status badge reads `synced`.
 * - `openDevice`: opens the session on another device (a browser context of its own), closed when the test ends.
 * - `agent`: answers every user message with a deterministic, paced token stream and counts its invocations.
 *
 * The helpers below are one-liners named after user actions.
 */
import {
  type APIRequestContext,
  type BrowserContext,
  type BrowserContextOptions,
  test as base,
  expect,
  type Locator,
  type Page,
} from '@playwright/test'
import { createAgentSession, type AgentSession } from '../client/agent/agent-session.ts'
import type { ReplyEnd } from '../client/agent/reply-writer.ts'
import { SHELL_CACHE_PREFIX } from '../demo/app/app-shell-facts.ts'
import { demoAnswer } from '../demo/demo-answer.ts'
import { ROUTES, sessionPath } from '../shared/protocol/routes.ts'
import type { TranscriptView } from '../shared/session/session-schema.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'

/** One reply the test agent streamed. */
export interface AgentReply {
  /** Id of the user message it answers. */
  readonly replyTo: string
  /** Id of the assistant message. */
  readonly id: string
  /** Tokens handed to the writer so far. */
  readonly tokensStreamed: number
  /** True once the reply's AbortSignal (`writer.signal`, which a Stop steer aborts) fired. */
  readonly aborted: boolean
  /** Resolves with the final state once the reply has ended durably. */
  readonly ended: Promise<ReplyEnd>
}

/** The test's agent (a real `createAgentSession` client in the test's Node process). */
export interface TestAgent {
  readonly session: AgentSession
  /** How many times the agent was asked to answer (its "model" was invoked). */
  readonly invocations: number
  /** Replies in the order they were started. */
  readonly replies: readonly AgentReply[]
  /**
   * Holds every reply before its token `index` (0-based) until `resume()`; `reached` resolves once a reply is held
   * there and the tokens before it are durable on the server, so a spec can compare screens mid-stream.
   */
  pauseBefore(index: number): { readonly reached: Promise<void>; resume(): void }
}

/** What the agent answers with: numbered tokens `t0 t1 …` (default), or the demo's readable answer. */
export type AgentAnswer = 'numbered' | 'demo'

interface E2EOptions {
  /** Tokens per numbered answer (default 300). */
  replyTokens: number
  /** Pause before each numbered token, in ms (default 18: 300 tokens take about 5.5 s); the demo answer uses twice it. */
  tokenIntervalMs: number
  agentAnswer: AgentAnswer
  /** Title of the test's session (default: the test's title). */
  sessionTitle: string
}

interface E2EFixtures {
  sessionId: string
  sessionPage: Page
  /**
   * Opens the demo chat on the test's session in a new browser context (another device: its own storage unless
   * `options.storageState` shares some) and resolves the page once synced. Every such context is closed when the
   * test ends; a test may close one earlier (`page.context().close()`).
   */
  openDevice: (options?: BrowserContextOptions) => Promise<Page>
  agent: TestAgent
}

/** Id of the agent the fixtures attach. */
export const AGENT_ID = 'e2e-agent'

export const test = base.extend<E2EOptions & E2EFixtures>({
  replyTokens: [300, { option: true }],
  tokenIntervalMs: [18, { option: true }],
  agentAnswer: ['numbered', { option: true }],
  sessionTitle: ['', { option: true }],

  sessionId: async ({ request, sessionTitle }, use, testInfo) => {
    const id = `e2e-${testInfo.testId}-${Date.now()}`.replace(/[^A-Za-z0-9_-]/g, '-')
    const response = await request.post(ROUTES.SESSIONS, { data: { id, title: sessionTitle || testInfo.title } })
    expect(response.status(), await response.text()).toBe(201)
    await use(id)
  },

  sessionPage: async ({ page, sessionId }, use) => {
    await openSession(page, sessionId)
    await use(page)
  },

  openDevice: async ({ browser, sessionId }, use) => {
    const contexts: BrowserContext[] = []
    await use(async (options) => {
      const context = await browser.newContext(options)
      contexts.push(context)
      const page = await context.newPage()
      await openSession(page, sessionId)
      return page
    })
    await Promise.all(contexts.map((context) => context.close()))
  },

  agent: async ({ sessionId, baseURL, replyTokens, tokenIntervalMs, agentAnswer }, use) => {
    const url = `${(baseURL ?? '').replace(/^http/, 'ws')}${ROUTES.WEBSOCKET}`
    const session = await createAgentSession({ url, sessionId, agentId: AGENT_ID })
    const teardown = new AbortController()
    const replies: AgentReply[] = []
    const errors: unknown[] = []
    let invocations = 0
    const pauses = new Map<number, { reach: () => void; released: Promise<void> }>()

    session.onUserMessage(
      async (message) => {
        invocations++
        const writer = session.startReply({ replyTo: message.id })
        // The writer's own signal: a Stop steer aborts it (the SDK), and so does the fixture's teardown.
        const { signal } = writer
        let aborted = false
        signal.addEventListener(
          'abort',
          () => {
            aborted = true
          },
          { once: true },
        )
        const stop = (): void => {
          writer.abort()
        }
        teardown.signal.addEventListener('abort', stop, { once: true })
        let tokensStreamed = 0
        const counted = async function* (tokens: AsyncIterable<string>): AsyncGenerator<string> {
          for await (const token of tokens) {
            const pause = pauses.get(tokensStreamed)
            if (pause !== undefined) {
              writer.flush()
              await session.client.waitUntilDurable()
              pause.reach()
              await pause.released
            }
            tokensStreamed++
            yield token
          }
        }
        const tokens =
          agentAnswer === 'demo'
            ? demoAnswer(message.text, { tokenIntervalMs: tokenIntervalMs * 2, signal })
            : pacedNumberedTokens(replyTokens, tokenIntervalMs, signal)
        const ended = writer.pipe(counted(tokens))
        replies.push({
          replyTo: message.id,
          id: writer.id,
          get tokensStreamed() {
            return tokensStreamed
          },
          get aborted() {
            return aborted
          },
          ended,
        })
        try {
          await ended
        } finally {
          teardown.signal.removeEventListener('abort', stop)
        }
      },
      (error) => {
        errors.push(error)
      },
    )

    await use({
      session,
      get invocations() {
        return invocations
      },
      get replies() {
        return replies
      },
      pauseBefore(index) {
        let reach = (): void => {}
        let resume = (): void => {}
        const reached = new Promise<void>((resolve) => {
          reach = resolve
        })
        const released = new Promise<void>((resolve) => {
          resume = resolve
        })
        pauses.set(index, { reach, released })
        teardown.signal.addEventListener(
          'abort',
          () => {
            resume()
          },
          { once: true },
        )
        return { reached, resume }
      },
    })

    teardown.abort()
    await Promise.allSettled(replies.map((reply) => reply.ended))
    await session.close()
    expect(errors, 'errors thrown by the agent').toEqual([])
  },
})

export { expect }

/** Numbered tokens `t0 `, `t1 `, … with a pause before each one; ends early when `signal` aborts. */
async function* pacedNumberedTokens(count: number, intervalMs: number, signal: AbortSignal): AsyncGenerator<string> {
  for (let index = 0; index < count && !signal.aborted; index++) {
    await new Promise<void>((resolve) => {
      setTimeout(resolve, intervalMs)
    })
    yield tokenAt(index)
  }
}

/** Opens the demo chat on `sessionId` and waits until the page holds the server's state. */
export async function openSession(page: Page, sessionId: string): Promise<void> {
  await page.goto(`/?session=${encodeURIComponent(sessionId)}`)
  await expectSynced(page)
}

/** Waits until the status badge reads `synced`. */
export async function expectSynced(page: Page): Promise<void> {
  await expect(statusBadge(page)).toHaveAttribute('data-status', 'synced')
}

/** Types `text` into the composer and clicks Send. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text)
  await page.getByTestId('send-button').click()
}

export const statusBadge = (page: Page): Locator => page.getByTestId('status-badge')
export const userMessages = (page: Page): Locator => page.locator('[data-testid="message"][data-role="user"]')
export const assistantMessages = (page: Page): Locator => page.locator('[data-testid="message"][data-role="assistant"]')
export const messageText = (message: Locator): Locator => message.locator('.message-text')

/** Pixels between a scrolling list's bottom edge and the bottom of its content. */
export const distanceToBottom = (list: Locator): Promise<number> =>
  list.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight)

/** Waits until a scrolling list holds still (a wheel's scrolling, late layout): equal readings two frames apart. */
export async function waitForScrollToSettle(list: Locator): Promise<void> {
  await expect
    .poll(() =>
      list.evaluate(
        (element) =>
          new Promise<boolean>((resolve) => {
            const before = `${element.scrollTop} ${element.scrollHeight}`
            requestAnimationFrame(() =>
              requestAnimationFrame(() => resolve(`${element.scrollTop} ${element.scrollHeight}` === before)),
            )
          }),
      ),
    )
    .toBe(true)
}

/** The session as the server holds it (GET /v1/sessions/:id). */
export async function fetchTranscript(request: APIRequestContext, sessionId: string): Promise<TranscriptView> {
  const response = await request.get(sessionPath(sessionId))
  expect(response.status(), await response.text()).toBe(200)
  return (await response.json()) as TranscriptView
}

/**
 * Waits until the app-shell service worker controls `page` and has cached its build (demo/app/service-worker.ts), so
 * the page can be loaded again with the context offline.
 */
export async function waitForAppShell(page: Page): Promise<void> {
  await expect
    .poll(
      async () =>
        await page.evaluate(
          async (prefix) =>
            navigator.serviceWorker.controller !== null &&
            (await caches.keys()).some((name) => name.startsWith(prefix)),
          SHELL_CACHE_PREFIX,
        ),
    )
    .toBe(true)
}

/**
 * Number of updates in the page's IndexedDB copy. The read transaction is ordered after every write transaction
 * the page created before it, so once it answers, everything written so far is committed.
 */
export async function offlineCopyUpdateCount(page: Page, databaseName: string): Promise<number> {
  return await page.evaluate(
    async (name) =>
      await new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(name)
        open.onerror = () => {
          reject(open.error ?? new Error(`cannot open ${name}`))
        }
        open.onsuccess = () => {
          const db = open.result
          const count = db.transaction('updates', 'readonly').objectStore('updates').count()
          count.onerror = () => {
            db.close()
            reject(count.error ?? new Error('count failed'))
          }
          count.onsuccess = () => {
            db.close()
            resolve(count.result)
          }
        }
      }),
    databaseName,
  )
}
