/**
 * The browser examples of README.md and docs/sdks.md, run in Chromium as a page would run them: each block is
 * bundled with esbuild (the real `react`, `react-dom`, `ai` and `@ai-sdk/react`) between a prelude that defines the
 * names it uses (`sessionId`, `render`, `replyId`) and an epilogue that mounts or reports it, and loaded from a real
 * session server on SQLite in a temporary folder; an agent in the test's process streams the replies.
 *
 * - The README client renders an agent's reply as it streams, sends a message that the server stores, and its stop
 *   ends the agent's reply `stopped`.
 * - The browser client of docs/sdks.md shows a reply's tokens as they arrive.
 * - The React `Chat` component opens one client for the session: the agent sees the page's device, and the offline
 *   copy exists in IndexedDB.
 * - The `useChat` component follows a reply asked for on another device: its `messages` end with the question and
 *   the whole answer, once. A probe wraps the real `useChat` to publish those `messages` on the page.
 * - The on-device agent of docs/offline.md answers a question in the page with WebLLM (`fromOpenAiChatStream`), with
 *   the Prompt API (`fromPromptApiStream`, the page offline while it writes) and with a model in a Web Worker
 *   (`serveOnDeviceModel` + `fromModelWorker`); each reply is written `done` with the model's text and reaches the
 *   server once. Chromium here has no built-in model and no weights can be downloaded, so deterministic stand-ins
 *   take the models' place through the same adapters: `@mlc-ai/web-llm` is aliased to e2e/testing/web-llm-stand-in.ts
 *   (OpenAI-compatible chunks) and a prelude installs the Prompt API's `LanguageModel` from
 *   e2e/testing/prompt-api-stand-in.ts (the demo's local model).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, type Page, test } from '@playwright/test'
import type { Plugin } from 'esbuild'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createAgentSession, type AgentSession } from '../../client/agent/agent-session.ts'
import { offlineDatabaseName } from '../../client/browser/browser-session-client.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import { createSqliteUpdateLog } from '../../server/persistence/sqlite-update-log.ts'
import { createSessionServer, type SessionServer } from '../../server/session-server.ts'
import { createSessionId } from '../../shared/session/session-id.ts'
import { localAnswer } from '../../demo/app/local-language-model.ts'
import { bundleForBrowser, pageWithScript } from '../react-app/serve-react-app.ts'
import { docExample } from '../testing/docs-examples.ts'
import { REPO_ROOT } from '../testing/list-source-files.ts'
import { prepareDocExample } from '../testing/run-doc-example.ts'
import { fetchTranscript } from '../testing/test-tokens.ts'

let dir: string
let server: SessionServer
/** The bundled example of each page, by path (`/docs/<n>.js`). */
const scripts = new Map<string, Uint8Array>()
const closers: (() => Promise<void> | void)[] = []

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-docs-browser-'))
  server = await createSessionServer({
    port: 0,
    host: '127.0.0.1',
    updateLog: createSqliteUpdateLog({ path: join(dir, 'sessions.sqlite') }),
    handleRequest: async (request, response, url) => {
      const script = scripts.get(url.pathname)
      if (request.method === 'GET' && script !== undefined) {
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
        response.end(script)
        return true
      }
      if (request.method === 'GET' && scripts.has(`${url.pathname}.js`)) {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        response.end(pageWithScript('Lifeline docs example', `${url.pathname}.js`))
        return true
      }
      return false
    },
  })
})

test.afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

test.afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The README's and docs' `render`: each message as an `li` with its role and status. */
const RENDER = `const render = (messages: { role: string; status: string; text: string }[]) => {
  document.getElementById('root')?.replaceChildren(
    ...messages.map((message) => {
      const item = document.createElement('li')
      item.dataset.role = message.role
      item.dataset.status = message.status
      item.textContent = message.text
      return item
    }),
  )
}
`

/** Bundles the example `name` of `doc` between `prelude` and `epilogue` and opens it in `page` for `sessionId`. */
async function openExample(
  page: Page,
  example: { doc: string; name: string; sessionId: string; prelude?: string; epilogue?: string; plugins?: Plugin[] },
): Promise<void> {
  const code = `${example.prelude ?? ''}${docExample(example.doc, example.name)}${example.epilogue ?? ''}`
  const path = `/docs/${scripts.size}`
  await serveModule(`${path}.js`, code, example.sessionId, example.plugins)
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  closers.push(() => expect(errors).toEqual([]))
  await page.goto(`${server.url}${path}`)
}

/** Bundles `source` (a docs example with the test's code around it) as the module served at `path`. */
async function serveModule(path: string, source: string, sessionId: string, plugins: Plugin[] = []): Promise<void> {
  const prepared = prepareDocExample(source, Number(new URL(server.url).port), sessionId)
  scripts.set(path, await bundleForBrowser({ source: prepared, resolveDir: REPO_ROOT, plugins }))
}

/** A person on another device (Node), connected and synced. */
async function otherDevice(sessionId: string, principalId: string): Promise<SessionClient> {
  const client = createSessionClient({ url: server.websocketUrl, sessionId, principalId, WebSocket: NodeWebSocket })
  closers.push(() => client.destroy())
  await client.waitForSynced()
  return client
}

/** An agent in the test's process. */
async function startAgent(sessionId: string): Promise<AgentSession> {
  const agent = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'writer' })
  closers.push(() => agent.close())
  return agent
}

/** `words`, then (with `untilAborted`) nothing more until the signal aborts. */
async function* tokens(words: readonly string[], untilAborted?: AbortSignal): AsyncGenerator<string> {
  yield* words
  if (untilAborted !== undefined) await new Promise((resolve) => untilAborted.addEventListener('abort', resolve))
}

test('the README browser client renders a streaming reply, sends a message and stops the reply', async ({ page }) => {
  const sessionId = createSessionId()
  const bob = await otherDevice(sessionId, 'bob')
  const agent = await startAgent(sessionId)
  const question = bob.sendMessage('What happened?')
  await bob.waitUntilDurable()
  const reply = agent.startReply({ replyTo: question })
  const piped = reply.pipe(tokens(['The ', 'thread ', 'so far'], reply.signal))
  await expect
    .poll(() => bob.messages().find((message) => message.role === 'assistant')?.text)
    .toBe('The thread so far')
  const prelude = `const sessionId = 's_abc'\nconst replyId = '${reply.id}'\n${RENDER}`
  await openExample(page, { doc: 'README.md', name: 'browser-client', sessionId, prelude })
  await expect(page.locator('li[data-role="assistant"]')).toHaveText('The thread so far')
  expect(await piped).toBe('stopped')
  await expect(page.locator('li[data-role="assistant"]')).toHaveAttribute('data-status', 'stopped')
  // The page writes once its offline copy is loaded, maybe before it synced: its message may sort first (PROTOCOL.md §11).
  await expect
    .poll(() =>
      bob
        .messages()
        .map((message) => [message.author, message.text])
        .sort(),
    )
    .toEqual([
      ['alice', 'Summarise the thread'],
      ['bob', 'What happened?'],
      ['writer', 'The thread so far'],
    ])
})

test('the browser client of docs/sdks.md shows a reply as it streams', async ({ page }) => {
  const sessionId = createSessionId()
  const bob = await otherDevice(sessionId, 'bob')
  const agent = await startAgent(sessionId)
  const epilogue = `${RENDER}client.on('change', () => render(client.messages()))\nrender(client.messages())\n`
  await openExample(page, {
    doc: 'docs/sdks.md',
    name: 'browser-client',
    sessionId,
    prelude: "const sessionId = 's_abc'\n",
    epilogue,
  })
  const question = bob.sendMessage('Say something')
  const reply = agent.startReply({ replyTo: question })
  const piped = reply.pipe(tokens(['First, '], reply.signal))
  await expect(page.locator('li[data-role="assistant"]')).toHaveText('First,')
  await expect(page.locator('li[data-role="assistant"]')).toHaveAttribute('data-status', 'streaming')
  reply.abort()
  expect(await piped).toBe('stopped')
  await expect(page.locator('li[data-role="assistant"]')).toHaveAttribute('data-status', 'stopped')
})

test('the React component of docs/sdks.md opens one client with an offline copy', async ({ page }) => {
  const sessionId = createSessionId()
  const agent = await startAgent(sessionId)
  const epilogue = `import { createElement as mount } from 'react'
import { createRoot } from 'react-dom/client'
createRoot(document.getElementById('root') as HTMLElement).render(mount(Chat, { sessionId: 's_abc' }))
`
  await openExample(page, { doc: 'docs/sdks.md', name: 'react-chat', sessionId, epilogue })
  await expect.poll(() => agent.client.presence().filter((device) => device.principalId === 'alice').length).toBe(1)
  const databases = await page.evaluate(async () => (await indexedDB.databases()).map((database) => database.name))
  expect(databases).toContain(offlineDatabaseName(sessionId))
  await page.goto('about:blank')
  await expect.poll(() => agent.client.presence().filter((device) => device.principalId === 'alice').length).toBe(0)
})

/** Wraps the real `useChat` so the page shows its `messages` (role and text) in `body[data-chat]`. */
const USE_CHAT_PROBE: Plugin = {
  name: 'use-chat-probe',
  setup(build) {
    build.onResolve({ filter: /^@ai-sdk\/react$/ }, (args) =>
      args.namespace === 'use-chat-probe' ? undefined : { path: 'probe', namespace: 'use-chat-probe' },
    )
    build.onLoad({ filter: /.*/, namespace: 'use-chat-probe' }, () => ({
      resolveDir: REPO_ROOT,
      loader: 'ts',
      contents: `import { useChat as useRealChat } from '@ai-sdk/react'
import { useEffect } from 'react'
export * from '@ai-sdk/react'
export function useChat(options: Parameters<typeof useRealChat>[0]) {
  const chat = useRealChat(options)
  useEffect(() => {
    const text = (message: (typeof chat.messages)[number]) =>
      message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('')
    document.body.dataset.chat = JSON.stringify(chat.messages.map((message) => [message.role, text(message)]))
  })
  return chat
}
`,
    }))
  },
}

test('the useChat component of docs/sdks.md follows a reply asked for on another device', async ({ page }) => {
  const sessionId = createSessionId()
  const bob = await otherDevice(sessionId, 'bob')
  const agent = await startAgent(sessionId)
  const prelude = `import { useEffect, useMemo } from 'react'
import type { SessionClient } from 'lifeline/browser'
`
  const epilogue = `import { createElement as mount } from 'react'
import { createRoot } from 'react-dom/client'
import { useSession } from 'lifeline/react'
function App() {
  const client = useSession({ url: 'wss://example.com/v1/ws', sessionId: 's_abc', principalId: 'alice' })
  return client === undefined ? null : mount(AiChat, { client })
}
createRoot(document.getElementById('root') as HTMLElement).render(mount(App))
`
  await openExample(page, {
    doc: 'docs/sdks.md',
    name: 'use-chat',
    sessionId,
    prelude,
    epilogue,
    plugins: [USE_CHAT_PROBE],
  })
  await expect(page.locator('body')).toHaveAttribute('data-chat', '[]')
  const question = bob.sendMessage('Tell me a story')
  const reply = agent.startReply({ replyTo: question })
  const piped = reply.pipe(tokens(['Once ', 'upon ', 'a time'], reply.signal))
  await expect.poll(() => bob.messages().find((message) => message.role === 'assistant')?.text).toBe('Once upon a time')
  reply.abort()
  expect(await piped).toBe('stopped')
  const chat = async () => JSON.parse((await page.locator('body').getAttribute('data-chat')) ?? '[]')
  await expect.poll(chat).toEqual([
    ['user', 'Tell me a story'],
    ['assistant', 'Once upon a time'],
  ])
})

/** Resolves `@mlc-ai/web-llm` to the test's stand-in engine (no weights can be downloaded here). */
const WEB_LLM_STAND_IN: Plugin = {
  name: 'web-llm-stand-in',
  setup(build) {
    build.onResolve({ filter: /^@mlc-ai\/web-llm$/ }, () => ({
      path: join(REPO_ROOT, 'e2e/testing/web-llm-stand-in.ts'),
    }))
  },
}

/** Prelude code installing the Prompt API stand-in as the global `LanguageModel`. */
const PROMPT_API_STAND_IN = `import { installPromptApiStandIn } from '${join(REPO_ROOT, 'e2e/testing/prompt-api-stand-in.ts')}'
installPromptApiStandIn()
`

/**
 * The names an on-device fragment uses: `client`, alice's browser client synced with the server, and `questionId`,
 * the session's question. With `waitForGo`, the fragment runs only when the test calls `runExample()` on the page.
 */
function onDevicePrelude(waitForGo: boolean): string {
  return `import { createBrowserSessionClient } from 'lifeline/browser'
${PROMPT_API_STAND_IN}const client = createBrowserSessionClient({ url: 'wss://example.com/v1/ws', sessionId: 's_abc', principalId: 'alice' })
await client.waitForSynced()
const questionId = client.messages().find((message) => message.role === 'user')?.id ?? ''
document.body.dataset.ready = 'true'
${waitForGo ? 'await new Promise((resolve) => Object.assign(globalThis, { runExample: resolve }))\n' : ''}`
}

/** Epilogue code publishing the page's replies as [author, status, text] in `body[data-replies]`. */
const REPORT_REPLIES = `document.body.dataset.replies = JSON.stringify(
  client.messages().filter((message) => message.role === 'assistant').map((message) => [message.author, message.status, message.text]),
)
`

/** Epilogue code waiting for the fragment's `reply` to end (in `body[data-end]`) and publishing the replies. */
const REPORT_REPLY_END = `document.body.dataset.end = await reply.ended\n${REPORT_REPLIES}`

/** The replies of `sessionId` the server holds, as [author, status, text]. */
async function storedReplies(sessionId: string): Promise<string[][]> {
  const { status, body } = await fetchTranscript(server.url, sessionId, undefined)
  expect(status).toBe(200)
  return (body.messages ?? [])
    .filter((message) => message.role === 'assistant')
    .map((message) => [message.author, message.status, message.text])
}

/** bob asks `question` from another device; resolves once the server stored it. */
async function askFromAnotherDevice(sessionId: string, question: string): Promise<void> {
  const bob = await otherDevice(sessionId, 'bob')
  bob.sendMessage(question)
  await bob.waitUntilDurable()
}

test('the WebLLM example of docs/offline.md answers on the device through fromOpenAiChatStream', async ({ page }) => {
  const sessionId = createSessionId()
  const question = 'What is due this week?'
  await askFromAnotherDevice(sessionId, question)
  // This device saw the question earlier: a client opened before the example leaves it in the offline copy. Once its
  // copy is open, each update it receives is written to IndexedDB as it arrives, so synced means the question's write
  // was issued before the example's client reads the copy.
  const prelude = `import { createBrowserSessionClient as openEarlier } from 'lifeline/browser'
const sessionId = 's_abc'
const token = undefined
const earlier = openEarlier({ url: 'wss://example.com/v1/ws', sessionId, principalId: 'alice' })
await earlier.whenOfflineCopyLoaded
await earlier.waitForSynced()
earlier.destroy()
`
  await openExample(page, {
    doc: 'docs/offline.md',
    name: 'web-llm',
    sessionId,
    prelude,
    epilogue: REPORT_REPLIES,
    plugins: [WEB_LLM_STAND_IN],
  })
  const expected = [['alice/on-device', 'done', localAnswer(question)]]
  await expect(page.locator('body')).toHaveAttribute('data-replies', JSON.stringify(expected))
  await expect.poll(() => storedReplies(sessionId)).toEqual(expected)
})

test('the Prompt API example of docs/offline.md answers offline and the reply reaches the server once', async ({
  context,
  page,
}) => {
  const sessionId = createSessionId()
  const question = 'Where did we leave off?'
  await askFromAnotherDevice(sessionId, question)
  await openExample(page, {
    doc: 'docs/offline.md',
    name: 'prompt-api',
    sessionId,
    prelude: onDevicePrelude(true),
    epilogue: REPORT_REPLY_END,
  })
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true')
  await context.setOffline(true)
  await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false)
  await page.evaluate(() => (globalThis as unknown as { runExample(): void }).runExample())
  const expected = [['alice/on-device', 'done', localAnswer(question)]]
  await expect(page.locator('body')).toHaveAttribute('data-end', 'done')
  await expect(page.locator('body')).toHaveAttribute('data-replies', JSON.stringify(expected))
  expect(await storedReplies(sessionId)).toEqual([])
  await context.setOffline(false)
  await expect.poll(() => storedReplies(sessionId)).toEqual(expected)
})

test('the model worker example of docs/offline.md answers from a Web Worker', async ({ page }) => {
  const sessionId = createSessionId()
  const question = 'Summarise the plan'
  await askFromAnotherDevice(sessionId, question)
  // The page's `new URL('./model-worker.ts', import.meta.url)` names this path next to the page's module.
  await serveModule(
    '/docs/model-worker.ts',
    `${PROMPT_API_STAND_IN}${docExample('docs/offline.md', 'model-worker')}`,
    sessionId,
  )
  await openExample(page, {
    doc: 'docs/offline.md',
    name: 'model-worker-page',
    sessionId,
    prelude: onDevicePrelude(false),
    epilogue: REPORT_REPLY_END,
  })
  const expected = [['alice/on-device', 'done', localAnswer(question)]]
  await expect(page.locator('body')).toHaveAttribute('data-end', 'done')
  await expect(page.locator('body')).toHaveAttribute('data-replies', JSON.stringify(expected))
  await expect.poll(() => storedReplies(sessionId)).toEqual(expected)
})
