/**
 * A React app in Chromium on the real packages — `react`, `react-dom`, `ai`, `@ai-sdk/react` — with the Lifeline
 * hooks and the Lifeline `useChat` transport, rendered in StrictMode (effects mount, unmount and mount again).
 *
 * - The hooks page holds exactly one connection to the server while open (the StrictMode double mount leaks none),
 *   and none once the page is gone; while a reply streams, a `memo` row of a message that did not change is not
 *   rendered again (`useMessages` keeps the view of every unchanged message).
 * - The `useChat` page: a reload mid-stream resumes the reply with no duplicated message or text, and the model is
 *   called once; a second tab follows a reply the first tab asked for, and its `stop()` stops the agent for both.
 *
 * The spec runs its own session server (SQLite in a temp dir) serving the app bundled by esbuild, and its own agent,
 * which pipes `streamText(...).toUIMessageStream()` of `ai`'s mock language model into each reply.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, type Page, test } from '@playwright/test'
import { streamText } from 'ai'
import { pipeUIMessageStream } from '../../client/ai-sdk/pipe-ui-message-stream.ts'
import { wordsModel } from '../../client/agent/adapters/testing/mock-model.ts'
import { createAgentSession, type AgentSession } from '../../client/agent/agent-session.ts'
import { createSessionId } from '../../shared/session/session-id.ts'
import { createSqliteUpdateLog } from '../../server/persistence/sqlite-update-log.ts'
import { createSessionServer, type SessionServer } from '../../server/session-server.ts'
import { MESSAGE_RENDERS_GLOBAL } from '../react-app/message-renders-global.ts'
import { createReactAppHandler } from '../react-app/serve-react-app.ts'

let dir: string
let server: SessionServer
const agents: AgentSession[] = []

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-react-'))
  server = await createSessionServer({
    port: 0,
    host: '127.0.0.1',
    updateLog: createSqliteUpdateLog({ path: join(dir, 'sessions.sqlite') }),
    handleRequest: await createReactAppHandler(),
  })
})

test.afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close()
})

test.afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Starts an agent on `sessionId` whose model writes `count` words, one every `delayMs`. */
async function startAgent(sessionId: string, count: number, delayMs: number) {
  const { model, text } = wordsModel(count, delayMs)
  const agent = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'writer' })
  agents.push(agent)
  agent.onUserMessage(async (message) => {
    const reply = agent.startReply({ replyTo: message.id })
    const result = streamText({ model, prompt: message.text, abortSignal: reply.signal })
    await pipeUIMessageStream(reply, result.toUIMessageStream())
  })
  const reply = () => agent.client.messages().findLast((message) => message.role === 'assistant')
  return { model, text, reply }
}

const open = async (page: Page, kind: 'hooks' | 'chat', sessionId: string): Promise<void> => {
  const query = new URLSearchParams({ page: kind, ws: server.websocketUrl, session: sessionId, user: 'alice' })
  await page.goto(`${server.url}/?${query}`)
  await expect(page.getByTestId('status')).toHaveText('synced')
}

const shown = (page: Page, role: 'user' | 'assistant') => page.locator(`li[data-role="${role}"]`)

test('the hooks page holds one connection under StrictMode and none once closed', async ({ page }) => {
  const sessionId = createSessionId()
  await open(page, 'hooks', sessionId)
  await expect(page.getByTestId('devices')).toHaveText('1')
  await expect.poll(() => server.hocuspocus.getConnectionsCount()).toBe(1)
  const { reply } = await startAgent(sessionId, 2_000, 5)
  await page.evaluate(() => undefined) // the page is idle: the agent joined meanwhile
  await expect.poll(() => server.hocuspocus.getConnectionsCount()).toBe(2) // the page and the agent
  const viewer = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'asker' })
  agents.push(viewer)
  viewer.client.sendMessage('Write')
  await expect(page.locator('li[data-role="assistant"][data-status="streaming"]')).toHaveCount(1)
  await page.getByRole('button', { name: 'Stop' }).click()
  await expect(page.locator('li[data-role="assistant"]')).toHaveAttribute('data-status', 'stopped')
  expect(reply()?.status).toBe('stopped')
  await page.goto('about:blank')
  await expect.poll(() => server.hocuspocus.getConnectionsCount()).toBe(2) // the agent and the asker
})

test('the hooks page re-renders the streaming reply alone: a memo row of an unchanged message is skipped', async ({
  page,
}) => {
  const sessionId = createSessionId()
  await open(page, 'hooks', sessionId)
  const { reply } = await startAgent(sessionId, 600, 5)
  const asker = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'asker' })
  agents.push(asker)
  const question = asker.client.sendMessage('Write')
  await expect(page.locator('li[data-role="assistant"][data-status="streaming"]')).toHaveCount(1)
  const renders = () =>
    page.evaluate(
      (name) => ({ ...(window as unknown as Record<string, Record<string, number>>)[name] }),
      MESSAGE_RENDERS_GLOBAL,
    )
  const before = await renders()
  await expect(page.locator('li[data-role="assistant"]')).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  const after = await renders()
  const replyId = reply()?.id ?? ''
  expect(after[replyId] ?? 0).toBeGreaterThan((before[replyId] ?? 0) + 10)
  expect(before[question]).toBeGreaterThan(0)
  expect(after[question]).toBe(before[question])
})

test('useChat: a reload mid-stream resumes the reply once, and the model runs once', async ({ page }) => {
  const sessionId = createSessionId()
  const { model, text, reply } = await startAgent(sessionId, 400, 8)
  await open(page, 'chat', sessionId)
  await page.getByLabel('Message').fill('Write')
  await page.getByRole('button', { name: 'Send' }).click()
  await expect.poll(async () => (await shown(page, 'assistant').textContent())?.length ?? 0).toBeGreaterThan(40)
  await page.reload()
  await expect(page.getByTestId('status')).toHaveText('synced')
  await expect.poll(() => reply()?.status, { timeout: 20_000 }).toBe('done')
  await expect(shown(page, 'assistant')).toHaveText(text.trim())
  await expect(page.getByTestId('chat-status')).toHaveText('ready')
  await expect(shown(page, 'user')).toHaveText(['Write'])
  await expect(shown(page, 'assistant')).toHaveCount(1)
  expect(model.doStreamCalls).toHaveLength(1)
})

test('useChat: a second tab follows the reply and its stop() stops the agent', async ({ page, context }) => {
  const sessionId = createSessionId()
  const { model, text, reply } = await startAgent(sessionId, 3_000, 8)
  await open(page, 'chat', sessionId)
  const second = await context.newPage()
  await open(second, 'chat', sessionId)
  await page.getByLabel('Message').fill('Write a lot')
  await page.getByRole('button', { name: 'Send' }).click()
  await expect(second.getByTestId('chat-status')).toHaveText('streaming')
  await expect(shown(second, 'user')).toHaveText(['Write a lot'])
  await expect.poll(async () => (await shown(second, 'assistant').textContent())?.length ?? 0).toBeGreaterThan(40)
  await second.getByRole('button', { name: 'Stop' }).click()
  await expect.poll(() => reply()?.status).toBe('stopped')
  const stored = reply()?.text ?? ''
  expect(stored.length).toBeLessThan(text.length)
  expect(text.startsWith(stored)).toBe(true)
  for (const tab of [page, second]) {
    await expect(tab.getByTestId('chat-status')).toHaveText('ready')
    await expect(shown(tab, 'assistant')).toHaveText(stored.trim())
    await expect(shown(tab, 'assistant')).toHaveCount(1)
  }
  expect(model.doStreamCalls).toHaveLength(1)
})
