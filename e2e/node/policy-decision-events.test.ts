/**
 * Message policy decisions in the session event stream (PROTOCOL.md §8.8, §9.6, §9.12) on SQLite and PostgreSQL,
 * through a real server, real sockets and a real webhook receiver: each redaction and refusal — over Yjs and over
 * HTTP, a policy's rejection and a failure that refuses the text — is one `policy.decision` event in the session's
 * stream, naming the message, author, action and cause but never the judged text, and an endpoint subscribed to the
 * `policy` kind receives each of them exactly once, in stream order, and nothing else.
 */
import { describe, expect } from 'vitest'
import type { PolicyDecision } from '../../shared/policy/message-policy.ts'
import { POLICY_DECISION_EVENT, type SessionEvent } from '../../shared/protocol/session-events.ts'
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import type { SessionServer } from '../../server/session-server.ts'
import type { MessagePolicyInput } from '../../server/policy/message-policy.ts'
import { redactContactDetails } from '../../server/policy/redact-contact-details.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { metricValue } from '../testing/scrape-metrics.ts'
import { sessionEventKeys } from '../testing/session-event-keys.ts'
import { openTestStreamStore } from '../testing/test-stream-store.ts'
import { STORE_KINDS } from '../testing/test-store.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver.ts'

/** How long a test waits for deliveries: generous, as the machine may be loaded; a condition, not a measure. */
const WAIT = { timeout: 5_000 }

/** Redacts contact details, rejects "secret plan", throws on "boom". */
function testPolicy(input: MessagePolicyInput): PolicyDecision {
  if (input.text.includes('secret plan')) return { action: 'reject', reason: 'no plans in this session' }
  if (input.text.includes('boom')) throw new Error('policy crashed')
  return redactContactDetails(input)
}

/** Every event of the session's stream, in order. */
async function streamEvents(serverUrl: string, sessionId: string): Promise<SessionEvent[]> {
  return (await (await fetch(`${serverUrl}${sessionStreamPath(sessionId)}?offset=-1`)).json()) as SessionEvent[]
}

/** The idempotency keys the receiver was sent, in the order it got them. */
function deliveredKeys(receiver: WebhookReceiver): string[] {
  return receiver.received.map((webhook) => (webhook.body as { id: string }).id)
}

describe.each(STORE_KINDS)('policy decision events on %s', (kind) => {
  const test = testWithStore(kind, { policy: testPolicy })
    .extend<{ receiver: WebhookReceiver }>({
      // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; it has none
      receiver: async ({}, use) => {
        const receiver = await startWebhookReceiver()
        await use(receiver)
        await receiver.close()
      },
    })
    .extend<{ server: SessionServer }>({
      // The server of connectClient, its event streams in the store under test and a webhook endpoint for `policy`.
      server: async ({ startServer, store, receiver }, use) => {
        await use(
          await startServer({
            streams: { store: await openTestStreamStore(store) },
            webhooks: {
              endpoints: [{ id: 'audit', url: receiver.url, secret: 'whsec-test-0123456789abcdef', kinds: ['policy'] }],
            },
          }),
        )
      },
    })

  test('Yjs writes: a redaction, a rejection and a failing policy are each one event, delivered once', async ({
    server,
    sessionId,
    receiver,
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice' })
    let refusals = 0
    alice.on('error', () => {
      refusals += 1
    })
    await alice.waitForSynced()
    const ids: string[] = []
    for (const text of ['mail alice@example.com', 'the secret plan is', 'boom']) {
      ids.push(alice.sendMessage(text))
      // Each text is refused once (the redacted one is then written again by the SDK).
      await expect.poll(() => refusals, WAIT).toBe(ids.length)
      await alice.waitForSynced()
    }
    // The SDK writes the redacted message again from a fresh replica, after the refusal: wait until it is stored.
    const createdFirst = (events: readonly SessionEvent[]): boolean =>
      events.some((event) => event.type === 'message.created' && event.messageId === ids[0])
    await expect.poll(async () => createdFirst(await streamEvents(server.url, sessionId)), WAIT).toBe(true)
    const events = await streamEvents(server.url, sessionId)
    const decisions = events.filter((event) => event.type === POLICY_DECISION_EVENT)
    // An open server knows no principal of a Yjs writer (PROTOCOL.md §8.8).
    const base = { type: POLICY_DECISION_EVENT, kind: 'message', principal: 'anonymous' }
    expect(decisions).toEqual([
      { ...base, messageId: ids[0], action: 'redact', spans: [{ start: 5, end: 22 }] },
      { ...base, messageId: ids[1], action: 'reject', cause: 'rejected', reason: 'no plans in this session' },
      {
        ...base,
        messageId: ids[2],
        action: 'reject',
        cause: 'threw',
        reason: 'the message policy failed; the text was not stored',
      },
    ])
    // The redacted message, written again by the SDK, follows its decision; no judged text is in the stream.
    expect(events.findIndex((event) => event.type === 'message.created' && event.messageId === ids[0])).toBeGreaterThan(
      events.indexOf(decisions[0] as SessionEvent),
    )
    const raw = JSON.stringify(events)
    for (const clear of ['alice@', 'secret plan', 'boom']) expect(raw).not.toContain(clear)

    const keys = await sessionEventKeys(server.url, sessionId, [POLICY_DECISION_EVENT])
    expect(keys).toHaveLength(3)
    await expect.poll(() => deliveredKeys(receiver), WAIT).toEqual(keys)
    expect(receiver.received.map((webhook) => (webhook.body as { event: unknown }).event)).toEqual(decisions)
    expect(
      await metricValue(server.url, undefined, 'lifeline_webhook_deliveries_total', { outcome: 'delivered' }),
    ).toBe(3)
  })

  test('HTTP appends: a redacted run and a refused append are each one event, delivered once', async ({
    server,
    sessionId,
    receiver,
  }) => {
    const create = await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ id: sessionId }) })
    expect(create.status).toBe(201)
    const send = (seq: number, commands: unknown) =>
      postSessionCommands(server.url, sessionId, { producerId: 'bot', epoch: 0, seq, commands })
    const stored = await send(0, [
      { type: 'start', messageId: 'r1' },
      { type: 'text', messageId: 'r1', text: 'Write to bob@' },
      { type: 'text', messageId: 'r1', text: 'example.org.' },
    ])
    expect(stored.status).toBe(200)
    const refused = await send(1, [{ type: 'text', messageId: 'r1', text: ' The secret plan is' }])
    expect(refused.status).toBe(422)

    const events = await streamEvents(server.url, sessionId)
    const decisions = events.filter((event) => event.type === POLICY_DECISION_EVENT)
    const base = { type: POLICY_DECISION_EVENT, messageId: 'r1', kind: 'run', principal: 'bot' }
    expect(decisions).toEqual([
      { ...base, action: 'redact', spans: [{ start: 9, end: 24 }] },
      { ...base, action: 'reject', cause: 'rejected', reason: 'no plans in this session' },
    ])
    const raw = JSON.stringify(events)
    for (const clear of ['bob@', 'secret plan']) expect(raw).not.toContain(clear)

    const keys = await sessionEventKeys(server.url, sessionId, [POLICY_DECISION_EVENT])
    expect(keys).toHaveLength(2)
    await expect.poll(() => deliveredKeys(receiver), WAIT).toEqual(keys)
    expect(receiver.received.map((webhook) => (webhook.body as { kind: string }).kind)).toEqual([
      POLICY_DECISION_EVENT,
      POLICY_DECISION_EVENT,
    ])
  })
})
