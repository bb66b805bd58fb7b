/**
 * Two people who send at the same moment see one message order, on both screens and from every server reader
 * (PROTOCOL.md §11).
 *
 * Flow (a server with auth started by the test, the demo page, an agent in the test's process):
 * 1. alice and bob open the demo page on one session, each in an own browser context with an own user token; the
 *    agent (its own agent token) answers every user message with a short reply.
 * 2. Twenty rounds: both type a message and click Send at the same moment (`Promise.all`). Once the server holds
 *    both questions and both finished replies, both screens show exactly the transcript's order
 *    (`GET /v1/sessions/<id>`), each reply right after its question, and a reader of the event stream that places
 *    each `message.created` after its `after` holds the same order. Every message element shown before the round is
 *    still the same element (keyed updates: moved into place, never re-created or duplicated).
 * 3. An observer opens the inspector: its message rows are in the same order.
 *
 * What this catches that unit tests can't: the bundled page in two real browsers, each receiving the two questions
 * and the agent's replies in its own arrival order over its own WebSocket. A page that appends messages as they
 * arrive shows a different order on each screen (a reply to the first question lands after the second question),
 * which the Yjs document, the transcript and the event stream never show.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from '@playwright/test'
import { createAgentSession, type AgentSession } from '../../client/agent/agent-session.ts'
import { createDemoAppHandler } from '../../demo/serve-demo-app.ts'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'
import { createSqliteUpdateLog } from '../../server/persistence/sqlite-update-log.ts'
import { createSessionServer } from '../../server/session-server.ts'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import { orderFromEvents } from '../../shared/protocol/order-from-events.ts'
import { ROUTES, sessionPath } from '../../shared/protocol/routes.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import { readSessionEvents } from '../testing/session-stream-reader.ts'
import { expect, expectSynced, test } from '../fixtures.ts'

const SECRET = 'order-spec-secret-0123456789abcdef'
const ROUNDS = 20
const AGENT_ID = 'order-agent'
const SESSION_ID = 'asked-at-the-same-moment'
const PEOPLE = ['alice', 'bob'] as const
/** Checks a round's state every 50 ms: the default back-off (up to 1 s) would make up most of the spec's runtime. */
const POLL = { intervals: [50] }

/** Ids of the messages a demo page shows, top to bottom. */
const shownIds = (page: Page): Promise<string[]> =>
  page
    .locator('[data-testid="message"]')
    .evaluateAll((elements) => elements.map((element) => (element as HTMLElement).dataset.messageId ?? ''))

/** Remembers the message elements a page shows now, to check later that they were kept. */
const rememberElements = (page: Page): Promise<void> =>
  page.evaluate(() => {
    const remembered = new Map<string, Element>()
    for (const element of document.querySelectorAll<HTMLElement>('[data-testid="message"]'))
      remembered.set(element.dataset.messageId ?? '', element)
    ;(window as unknown as { remembered: Map<string, Element> }).remembered = remembered
  })

/** Ids of remembered messages whose element is no longer the one shown (re-created, or gone). */
const replacedElements = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    const { remembered } = window as unknown as { remembered: Map<string, Element> }
    return [...remembered]
      .filter(([id, element]) => document.querySelector(`[data-message-id="${CSS.escape(id)}"]`) !== element)
      .map(([id]) => id)
  })

test('two people sending at the same moment see one order on both screens and from every server reader', async ({
  browser,
}) => {
  // Twenty rounds, each checked on two screens and two server readers, after bundling the demo page: about 15 s on
  // an idle 2-core machine, but up to 45 s on one busy with other runs, too close to the default 60 s.
  test.setTimeout(90_000)
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-order-'))
  const server = await createSessionServer({
    port: 0,
    host: '127.0.0.1',
    updateLog: createSqliteUpdateLog({ path: join(dir, 'sessions.sqlite') }),
    auth: { secret: SECRET },
    handleRequest: await createDemoAppHandler(),
  })
  const contexts: BrowserContext[] = []
  let agent: AgentSession | undefined
  const agentErrors: unknown[] = []
  try {
    const tokenFor = (sub: string, role: PrincipalRole, session = '*'): string =>
      signToken(createTokenClaims({ sub, role, session }), SECRET)
    const readerToken = tokenFor('ops', 'observer')
    const created = await fetch(`${server.url}${ROUTES.SESSIONS}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('alice', 'user')}` },
      body: JSON.stringify({ id: SESSION_ID, title: 'Asked at the same moment' }),
    })
    expect(created.status, await created.text()).toBe(201)
    const transcript = async (): Promise<TranscriptView> => {
      const response = await fetch(`${server.url}${sessionPath(SESSION_ID)}`, {
        headers: { authorization: `Bearer ${readerToken}` },
      })
      expect(response.status).toBe(200)
      return (await response.json()) as TranscriptView
    }

    const answering = await createAgentSession({
      url: server.websocketUrl,
      sessionId: SESSION_ID,
      agentId: AGENT_ID,
      token: tokenFor(AGENT_ID, 'agent', SESSION_ID),
    })
    agent = answering
    answering.onUserMessage(
      async (message) => {
        await answering.startReply({ replyTo: message.id }).pipe(words(`Answer to ${message.text}`))
      },
      (error) => {
        agentErrors.push(error)
      },
    )

    const pages: Page[] = []
    for (const person of PEOPLE) {
      const context = await browser.newContext()
      contexts.push(context)
      const page = await context.newPage()
      await page.goto(`${server.url}/?session=${SESSION_ID}#token=${tokenFor(person, 'user')}`)
      await expectSynced(page)
      pages.push(page)
    }

    /** Rounds in which a message was announced before a message the stream had already announced. */
    let roundsWithAnInsertBefore = 0
    let announced = 0
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(pages.map(rememberElements))
      await Promise.all(
        pages.map((page, index) => page.getByTestId('composer-input').fill(`round ${round} from ${PEOPLE[index]}`)),
      )
      await Promise.all(pages.map((page) => page.getByTestId('send-button').click()))

      const total = 4 * (round + 1)
      await expect
        .poll(async () => {
          const { messages } = await transcript()
          return messages.length === total && messages.every((message) => message.status === 'done')
        }, POLL)
        .toBe(true)
      const { messages } = await transcript()
      const order = messages.map((message) => message.id)
      // Each question is followed by its reply: two people asked, the agent answered each once.
      messages.forEach((message, index) => {
        if (message.role === 'user') expect(messages[index + 1]?.replyTo, `round ${round}`).toBe(message.id)
        else expect(message.replyTo, `round ${round}`).toBe(messages[index - 1]?.id)
      })
      for (const page of pages) {
        await expect.poll(() => shownIds(page), { ...POLL, message: `round ${round}` }).toEqual(order)
        expect(await replacedElements(page), `round ${round}`).toEqual([])
      }
      const events = (await readSessionEvents(server.url, SESSION_ID, { token: readerToken })).map(({ event }) => event)
      expect(orderFromEvents(events), `round ${round}`).toEqual(order)
      const createdEvents = events.flatMap((event) => (event.type === 'message.created' ? [event] : []))
      const inserted = createdEvents
        .slice(announced)
        .some((event, index) => event.after !== (createdEvents[announced + index - 1]?.messageId ?? null))
      if (inserted) roundsWithAnInsertBefore++
      announced = createdEvents.length
    }
    // The rounds really were concurrent: in some, a reply landed before a question another person had just sent.
    expect(roundsWithAnInsertBefore).toBeGreaterThan(0)
    const order = (await transcript()).messages.map((message) => message.id)
    for (const page of pages) expect(await shownIds(page)).toEqual(order)
    const inspector = await browser.newContext()
    contexts.push(inspector)
    const page = await inspector.newPage()
    await page.goto(`${server.url}${ROUTES.INSPECT}#token=${readerToken}&session=${SESSION_ID}`)
    await expect(page.getByTestId('inspector-status')).toHaveAttribute('data-status', 'synced')
    await expect
      .poll(() =>
        page
          .getByTestId('inspector-message')
          .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.messageId ?? '')),
      )
      .toEqual(order)
  } finally {
    for (const context of contexts) await context.close()
    await agent?.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
  expect(agentErrors, 'errors thrown by the agent').toEqual([])
})

/** The words of `text` as a token stream. */
async function* words(text: string): AsyncGenerator<string> {
  for (const word of text.split(/(?= )/)) yield word
}
