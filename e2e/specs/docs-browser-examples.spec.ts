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
import { bundleForBrowser, pageWithScript } from '../react-app/serve-react-app.ts'
import { docExample } from '../testing/docs-examples.ts'
import { REPO_ROOT } from '../testing/list-source-files.ts'
import { prepareDocExample } from '../testing/run-doc-example.ts'

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
  const port = Number(new URL(server.url).port)
  const code = `${example.prelude ?? ''}${docExample(example.doc, example.name)}${example.epilogue ?? ''}`
  const path = `/docs/${scripts.size}`
  const source = prepareDocExample(code, port, example.sessionId)
  scripts.set(`${path}.js`, await bundleForBrowser({ source, resolveDir: REPO_ROOT, plugins: example.plugins ?? [] }))
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  closers.push(() => expect(errors).toEqual([]))
  await page.goto(`${server.url}${path}`)
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
