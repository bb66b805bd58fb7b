/**
 * The operators' inspector (`/v1/inspect`) follows a live session as an observer, and refuses other roles.
 *
 * Flow (server without auth, the harness):
 * 1. A user (a Node session client) asks a question; the test agent streams numbered tokens.
 * 2. The inspector opens on the session from a `#session=` link: the user message is `done`, the reply
 *    `streaming`, its run `running` by the agent, presence lists the user, the agent and the page itself as an
 *    observer, and the token rate shows characters per second while the text grows.
 * 3. The user posts a note (no agent handles notes: it stays pending); a screenshot is saved to
 *    test-results/inspector.png mid-stream.
 * 4. The user posts a stop: the reply and the run turn `stopped`, the stop is handled by the agent, the rate
 *    falls to 0.
 * Flow (a server with auth started by the test):
 * 5. A user token in the link is refused in the page with an explanation, and no session opens; an observer
 *    token entered in the form lists the session and shows its messages.
 *
 * What this catches that unit tests can't: the bundled page in a real browser — the esbuild bundle of the
 * session client, its connection as an observer over a real WebSocket, and the live re-rendering of messages,
 * runs, steering, presence and the client-side token rate as another process writes the session.
 */
import { join } from 'node:path'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import type { Page } from '@playwright/test'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'
import { createSqliteUpdateLog } from '../../server/persistence/sqlite-update-log.ts'
import { createSessionServer } from '../../server/session-server.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { AGENT_ID, expect, test } from '../fixtures.ts'

const SECRET = 'inspector-spec-secret-0123456789abcdef'

test.use({ replyTokens: 3_000, viewport: { width: 1280, height: 860 } })

const rows = (page: Page, testId: string) => page.getByTestId(testId)
const rateOf = async (page: Page): Promise<number> =>
  Number(await page.getByTestId('token-rate').getAttribute('data-chars-per-second'))

test('the inspector shows messages, runs, steering, presence and token rate of a live session', async ({
  page,
  baseURL,
  sessionId,
  agent,
}, testInfo) => {
  const user = createSessionClient({
    url: `${(baseURL ?? '').replace(/^http/, 'ws')}${ROUTES.WEBSOCKET}`,
    sessionId,
    principalId: 'alice',
    device: 'laptop',
    WebSocket: NodeWebSocket,
  })
  try {
    await user.waitForSynced()
    user.sendMessage('Count slowly, please.')
    await expect.poll(() => agent.replies[0]?.tokensStreamed ?? 0).toBeGreaterThan(20)

    await page.goto(`${ROUTES.INSPECT}#session=${encodeURIComponent(sessionId)}`)
    await expect(page.getByTestId('inspector-status')).toHaveAttribute('data-status', 'synced')
    await expect(page.getByTestId('inspector-transport')).toHaveText('websocket')
    await expect(rows(page, 'inspector-message')).toHaveCount(2)
    await expect(rows(page, 'inspector-message').nth(0)).toHaveAttribute('data-status', 'done')
    const reply = rows(page, 'inspector-message').nth(1)
    await expect(reply).toHaveAttribute('data-status', 'streaming')
    await expect(reply).toContainText(AGENT_ID)
    await expect(rows(page, 'inspector-run')).toHaveAttribute('data-state', 'running')
    await expect(rows(page, 'inspector-run')).toContainText(AGENT_ID)
    await expect.poll(() => rateOf(page), { timeout: 10_000 }).toBeGreaterThan(20)
    const members = rows(page, 'inspector-member')
    await expect(members.filter({ hasText: 'alice' })).toHaveAttribute('data-role', 'user')
    await expect(members.filter({ hasText: AGENT_ID })).toHaveAttribute('data-role', 'agent')
    await expect(members.filter({ hasText: '(this page)' })).toHaveAttribute('data-role', 'observer')

    user.steer({ kind: 'note', text: 'Keep it short.' })
    await expect(rows(page, 'inspector-steer')).toHaveAttribute('data-handled', 'false')
    await expect(rows(page, 'inspector-steer')).toContainText('pending')
    const shown = Number(await reply.locator('td').nth(3).textContent())
    await expect.poll(async () => Number(await reply.locator('td').nth(3).textContent())).toBeGreaterThan(shown)
    const path = join(testInfo.project.outputDir, 'inspector.png')
    await page.screenshot({ path, fullPage: true })
    await testInfo.attach('inspector', { path, contentType: 'image/png' })

    user.steer({ kind: 'stop', target: agent.replies[0]?.id ?? '' })
    await expect(reply).toHaveAttribute('data-status', 'stopped')
    await expect(rows(page, 'inspector-run')).toHaveAttribute('data-state', 'stopped')
    await expect(rows(page, 'inspector-steer').filter({ hasText: 'stop' })).toHaveAttribute('data-handled', 'true')
    await expect(rows(page, 'inspector-steer').filter({ hasText: 'stop' })).toContainText(`by ${AGENT_ID}`)
    await expect.poll(() => rateOf(page), { timeout: 15_000 }).toBe(0)
    expect(await reply.locator('td').nth(3).textContent()).toBe(String(user.messages()[1]?.text.length))
  } finally {
    user.destroy()
  }
})

test('with auth on, the inspector refuses a user token and opens sessions with an observer token', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-inspector-'))
  const server = await createSessionServer({
    port: 0,
    updateLog: createSqliteUpdateLog({ path: join(dir, 'sessions.sqlite') }),
    auth: { secret: SECRET },
  })
  let writer: SessionClient | undefined
  try {
    const sessionId = 'inspected-with-auth'
    writer = createSessionClient({
      url: server.websocketUrl,
      sessionId,
      principalId: 'alice',
      WebSocket: NodeWebSocket,
      token: signToken(createTokenClaims({ sub: 'alice', role: 'user', session: sessionId }), SECRET),
    })
    await writer.waitForSynced()
    writer.sendMessage('Seen by operators only through an observer token.')
    await writer.waitUntilDurable()

    await page.goto(`${server.url}${ROUTES.INSPECT}`)
    await expect(page.getByTestId('inspector-error')).toHaveText(
      'This server requires a token: enter an observer token.',
    )

    const userToken = signToken(createTokenClaims({ sub: 'alice', role: 'user', session: '*' }), SECRET)
    await page.goto(`${server.url}${ROUTES.INSPECT}#token=${userToken}&session=${sessionId}`)
    await expect(page.getByTestId('inspector-error')).toContainText(
      'The inspector accepts observer tokens only, and this is a user token (alice)',
    )
    await expect(page.getByTestId('inspected-session')).toHaveCount(0)
    await expect(page.getByTestId('session-list').locator('a')).toHaveCount(0)
    expect(page.url()).not.toContain(userToken)

    await page
      .getByTestId('token-input')
      .fill(signToken(createTokenClaims({ sub: 'ops', role: 'observer', session: '*' }), SECRET))
    await page.getByTestId('token-button').click()
    await expect(page.getByTestId('inspector-error')).toBeHidden()
    await page.getByTestId('session-list').getByText(sessionId).click()
    await expect(page.getByTestId('inspector-status')).toHaveAttribute('data-status', 'synced')
    await expect(page.getByTestId('inspector-message')).toContainText(
      'Seen by operators only through an observer token.',
    )
    await expect(page.getByTestId('inspector-member').filter({ hasText: 'ops' })).toHaveAttribute(
      'data-role',
      'observer',
    )
  } finally {
    writer?.destroy()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
