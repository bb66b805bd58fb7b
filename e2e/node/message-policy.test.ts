/**
 * The message policy (PROTOCOL.md §8.8) through real sockets and real storage (SQLite and PostgreSQL): a user
 * message with an e-mail address is refused with a `redact` notice and written again redacted by the author's SDK,
 * so neither the log nor a second viewer ever holds the address; an agent reply holds back its tail, so an address
 * streamed in three tokens is judged whole and the writer goes on with it redacted; a stock provider only gets the
 * notice; a rejection reaches the author with its reason and stores nothing; a policy that throws or is too slow
 * refuses (fail closed); HTTP appends are redacted before they are written. Every decision is counted and each one
 * that is not an allow is reported.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import type { ReplyPart } from '../../client/agent/reply-part.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { decodeUpdateRejectedNotice, type UpdateRejectedNotice } from '../../shared/protocol/update-rejected-notice.ts'
import { appendMessage } from '../../shared/session/session-doc.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import type { MessagePolicyInput } from '../../server/policy/message-policy.ts'
import { redactContactDetails } from '../../server/policy/redact-contact-details.ts'
import { POLICY_HOLD_BACK_CHARS, type PolicyDecision } from '../../shared/policy/message-policy.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import type { UpdateLog } from '../../server/persistence/update-log.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { metricValue } from '../testing/scrape-metrics.ts'
import { STORE_KINDS } from '../testing/test-store.ts'
import { fetchTranscript, TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

/** True when any stored byte sequence of the session (snapshot and log) contains `needle`. */
async function logHolds(log: UpdateLog, sessionId: string, needle: string): Promise<boolean> {
  const stored = await log.load(sessionId)
  const chunks = [...(stored.snapshot === undefined ? [] : [stored.snapshot]), ...stored.entries.map((e) => e.update)]
  return chunks.some((chunk) => Buffer.from(chunk).includes(needle))
}

/** A policy that redacts contact details, rejects "secret plan", throws on "boom", never answers "hang". */
function testPolicy(seen: MessagePolicyInput[]) {
  return (input: MessagePolicyInput): Promise<PolicyDecision> | PolicyDecision => {
    seen.push(input)
    if (input.text.includes('secret plan')) return { action: 'reject', reason: 'no plans in this session' }
    if (input.text.includes('boom')) throw new Error('policy crashed')
    if (input.text.includes('hang')) return new Promise<PolicyDecision>(() => undefined)
    return redactContactDetails(input)
  }
}

/** Every message text `viewer` holds after each change, once it has synced: what a second screen ever showed. */
async function watchTexts(viewer: SessionClient): Promise<string[]> {
  await viewer.waitForSynced()
  const viewed: string[] = []
  viewer.on('change', () => {
    for (const message of viewer.messages()) viewed.push(message.text)
  })
  return viewed
}

/**
 * Yields `items` one by one, each once everything written before is durable: without the hold-back, each token would
 * be an update of its own.
 */
async function* durablyOneByOne<T>(client: SessionClient, items: readonly T[]): AsyncIterable<T> {
  for (const item of items) {
    yield item
    await new Promise((resolve) => setImmediate(resolve))
    await client.waitUntilDurable()
  }
}

describe.each(STORE_KINDS)('message policy on %s', (kind) => {
  const seen: MessagePolicyInput[] = []
  const test = testWithStore(kind, { policy: testPolicy(seen), policyTimeoutMs: 300 })

  test('a user message is stored redacted; the clear text is never stored nor seen by another viewer', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const viewed = await watchTexts(connectClient({ principalId: 'bob' }))
    const alice = connectClient({ principalId: 'alice' })
    const errors: SessionError[] = []
    alice.on('error', (error) => {
      errors.push(error)
    })
    await alice.waitForSynced()
    const id = alice.sendMessage('mail alice@example.com or call +1 (555) 123-4567')

    await expect
      .poll(async () =>
        (await fetchTranscript(server.url, sessionId, undefined)).body.messages?.map((m) => [m.id, m.text]),
      )
      .toEqual([[id, 'mail [email] or call [phone]']])
    await expect.poll(() => viewed.at(-1)).toBe('mail [email] or call [phone]')
    expect(viewed.some((text) => text.includes('alice@') || text.includes('555'))).toBe(false)
    expect(errors.map((error) => [error.code, error.details.reason, error.details.messageId])).toEqual([
      ['POLICY_REJECTED', 'redact', id],
    ])
    expect(alice.refused()).toEqual([])
    expect(alice.messages().map((message) => message.text)).toEqual(['mail [email] or call [phone]'])
    expect(await logHolds(server.updateLog, sessionId, 'alice@example.com')).toBe(false)
    expect(await logHolds(server.updateLog, sessionId, 'mail [email]')).toBe(true)
    expect(seen.filter((input) => input.messageId === id).map((input) => [input.kind, input.principal])).toEqual([
      ['message', 'anonymous'],
      ['message', 'anonymous'],
    ])
    expect(await metricValue(server.url, undefined, 'lifeline_policy_decisions_total', { action: 'redact' })).toBe(1)
    expect(await metricValue(server.url, undefined, 'lifeline_policy_decisions_total', { action: 'allow' })).toBe(1)
  })

  test('a rejection reaches the author with its reason; a throwing or silent policy fails closed', async ({
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice' })
    const errors: SessionError[] = []
    alice.on('error', (error) => {
      errors.push(error)
    })
    await alice.waitForSynced()
    for (const text of ['the secret plan is', 'boom', 'hang on']) {
      const before = errors.length
      alice.sendMessage(text)
      await expect.poll(() => errors.length, { timeout: 5_000 }).toBe(before + 1)
      await alice.waitForSynced()
    }
    expect(errors.map((error) => [error.code, error.details.reason, error.message])).toEqual([
      ['POLICY_REJECTED', 'reject', 'no plans in this session'],
      ['POLICY_REJECTED', 'reject', 'the message policy failed; the text was not stored'],
      ['POLICY_REJECTED', 'reject', 'the message policy did not decide within 300 ms; the text was not stored'],
    ])
    expect(alice.refused().map((write) => write.entry.text)).toEqual(['the secret plan is', 'boom', 'hang on'])
    expect(alice.messages()).toEqual([])
  })

  test('an agent reply with an e-mail split over three tokens is stored redacted, never in the clear', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const viewed = await watchTexts(connectClient({ principalId: 'bob' }))
    const agent = await connectAgent({ agentId: 'agent-1' })
    expect(agent.client.policyHoldBackChars).toBe(POLICY_HOLD_BACK_CHARS)
    const filler = 'The quick brown fox jumps over the lazy dog. '.repeat(4)
    // The address is cut in three tokens; more text follows it, so the redaction lands while the reply streams.
    const tokens = [filler, 'Write to ali', 'ce@exam', 'ple.com today. ', filler, 'Bye.']
    const writer = agent.startReply({})
    expect(await writer.pipe(durablyOneByOne(agent.client, tokens))).toBe('done')

    const expected = `${filler}Write to [email] today. ${filler}Bye.`
    await expect
      .poll(async () =>
        (await fetchTranscript(server.url, sessionId, undefined)).body.messages?.map((m) => [m.id, m.text, m.status]),
      )
      .toEqual([[writer.id, expected, 'done']])
    await expect.poll(() => viewed.at(-1)).toBe(expected)
    expect(viewed.some((text) => /ali(ce)?@|ce@exam/.test(text) || text.includes('Write to ali'))).toBe(false)
    expect(await logHolds(server.updateLog, sessionId, 'ce@exam')).toBe(false)
    expect(await logHolds(server.updateLog, sessionId, 'Write to ali')).toBe(false)
  })

  test('a reasoning run is rewritten redacted like text; a steer is rewritten redacted by its author', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const agent = await connectAgent({ agentId: 'agent-2' })
    // The address is cut in two reasoning tokens; the text that follows makes the redaction land mid-reply.
    const parts: ReplyPart[] = [
      { type: 'reasoning-delta', text: 'Think: mail dan' },
      { type: 'reasoning-delta', text: '@example.com first. ' },
      { type: 'text-delta', text: 'Done thinking.' },
    ]
    const writer = agent.startReply({})
    expect(await writer.pipeParts(durablyOneByOne(agent.client, parts))).toBe('done')
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced()
    const steerId = alice.steer({ kind: 'note', text: 'or ask erin@example.com' })

    await expect
      .poll(async () => {
        const { messages, steering } = (await fetchTranscript(server.url, sessionId, undefined)).body
        return [messages?.map((m) => [m.id, m.parts, m.status]), steering?.map((steer) => [steer.id, steer.text])]
      })
      .toEqual([
        [
          [
            writer.id,
            [
              { type: 'reasoning', text: 'Think: mail [email] first. ' },
              { type: 'text', text: 'Done thinking.' },
            ],
            'done',
          ],
        ],
        [[steerId, 'or ask [email]']],
      ])
    expect(await logHolds(server.updateLog, sessionId, '@example.com')).toBe(false)
    expect(seen.filter((input) => input.messageId === steerId).map((input) => input.kind)).toEqual(['steer', 'steer'])
    expect(alice.refused()).toEqual([])
  })

  test('a tool part is screened as JSON text; a redaction of it refuses the update and stops the writer', async ({
    server,
    sessionId,
    connectAgent,
  }) => {
    const agent = await connectAgent({ agentId: 'agent-3' })
    const writer = agent.startReply({})
    writer.appendPart({ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: { q: 'weather' } })
    await agent.client.waitUntilDurable()
    writer.appendPart({ type: 'tool-call', toolCallId: 'c2', toolName: 'mail', input: { to: 'fay@example.com' } })
    await expect(writer.end()).rejects.toMatchObject({ code: 'REPLY_CLOSED' })
    expect(seen.filter((input) => input.messageId === writer.id).map((input) => [input.kind, input.text])).toEqual([
      ['tool', '{"q":"weather"}'],
      ['tool', '{"to":"fay@example.com"}'],
    ])
    const stored = (await fetchTranscript(server.url, sessionId, undefined)).body.messages
    expect(stored?.map((m) => m.parts.map((part) => part.type === 'tool-call' && part.toolCallId))).toEqual([['c1']])
    expect(await logHolds(server.updateLog, sessionId, 'fay@')).toBe(false)
  })

  test('a stock provider gets the redact notice and nothing of its message is stored', async ({
    server,
    sessionId,
  }) => {
    const socket = new HocuspocusProviderWebsocket({ url: server.websocketUrl, WebSocketPolyfill: NodeWebSocket })
    const doc = new Y.Doc()
    const provider = new HocuspocusProvider({ websocketProvider: socket, name: sessionId, document: doc })
    provider.attach()
    const notices: UpdateRejectedNotice[] = []
    provider.on('stateless', ({ payload }: { payload: string }) => {
      const notice = decodeUpdateRejectedNotice(payload)
      if (notice !== undefined) notices.push(notice)
    })
    try {
      await expect.poll(() => provider.synced, { timeout: 10_000 }).toBe(true)
      appendMessage(doc, {
        id: 'stock-1',
        role: 'user',
        author: 'carol',
        status: 'done',
        text: 'me: carol@example.net',
      })
      await expect.poll(() => notices.length, { timeout: 10_000 }).toBe(1)
      expect(notices[0]).toMatchObject({
        code: 'POLICY_REJECTED',
        reason: 'redact',
        messageId: 'stock-1',
        spans: [{ start: 4, end: 21, replacement: '[email]' }],
      })
      expect((await fetchTranscript(server.url, sessionId, undefined)).body.messages).toEqual([])
      expect(await logHolds(server.updateLog, sessionId, 'carol@')).toBe(false)
    } finally {
      provider.destroy()
      socket.destroy()
    }
  })

  const events: SecurityEvent[] = []
  const authTest = testWithStore(kind, {
    policy: testPolicy(seen),
    auth: { secret: TEST_AUTH_SECRET, onSecurityEvent: (event) => events.push(event) },
  })

  authTest('HTTP appends are redacted before they are written, or refused whole', async ({ server, sessionId }) => {
    events.length = 0
    const create = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      body: JSON.stringify({ id: sessionId }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('alice', 'user', '*')}` },
    })
    expect(create.status).toBe(201)
    const send = (principal: string, role: 'user' | 'agent', seq: number, commands: unknown) =>
      postSessionCommands(server.url, sessionId, {
        producerId: 'dev',
        epoch: 0,
        seq,
        token: tokenFor(principal, role, sessionId),
        commands,
      })
    expect(
      (await send('alice', 'user', 0, { type: 'message', messageId: 'q1', text: 'I am bob@example.org' })).status,
    ).toBe(200)
    expect(
      (
        await send('bot', 'agent', 0, [
          { type: 'start', messageId: 'r1', replyTo: 'q1' },
          { type: 'text', messageId: 'r1', partType: 'reasoning', text: 'cc gus@example.org' },
          { type: 'text', messageId: 'r1', text: 'Noted, bob@' },
          { type: 'text', messageId: 'r1', text: 'exa' },
          { type: 'text', messageId: 'r1', text: 'mple.org. Call 030 1234 5678.' },
        ])
      ).status,
    ).toBe(200)
    expect(
      (await send('alice', 'user', 1, { type: 'steer', steerId: 's1', kind: 'note', text: 'ask hal@example.org' }))
        .status,
    ).toBe(200)
    const refused = await send('bot', 'agent', 1, [
      { type: 'text', messageId: 'r1', text: ' Fine.' },
      { type: 'text', messageId: 'r1', text: ' The secret plan is' },
    ])
    expect(refused.status).toBe(422)
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'POLICY_REJECTED',
      message: 'no plans in this session',
    })
    const admin = tokenFor('alice', 'user', sessionId)
    const stored = await fetchTranscript(server.url, sessionId, admin)
    expect(stored.body.messages?.map((message) => [message.id, message.text])).toEqual([
      ['q1', 'I am [email]'],
      ['r1', 'Noted, [email]. Call [phone].'],
    ])
    expect(stored.body.messages?.[1]?.parts[0]).toEqual({ type: 'reasoning', text: 'cc [email]' })
    expect(stored.body.steering?.map((steer) => steer.text)).toEqual(['ask [email]'])
    expect(await logHolds(server.updateLog, sessionId, 'bob@')).toBe(false)
    expect(await logHolds(server.updateLog, sessionId, 'gus@')).toBe(false)
    expect(await logHolds(server.updateLog, sessionId, 'hal@')).toBe(false)
    // The reasoning and the three text commands of one append are judged as two runs; a later append's run gets the
    // stored tail as context.
    expect(
      seen
        .filter((input) => input.messageId === 'r1')
        .map((input) => [input.kind, input.principal, input.role, input.context]),
    ).toEqual([
      ['run', 'bot', 'agent', ''],
      ['run', 'bot', 'agent', ''],
      ['run', 'bot', 'agent', 'Noted, [email]. Call [phone].'],
    ])
    expect(
      events.map((event) => [event.kind, event.principalId, event.error.details.action, event.error.details.cause]),
    ).toEqual([
      ['policy-decision', 'alice', 'redact', undefined],
      ['policy-decision', 'bot', 'redact', undefined],
      ['policy-decision', 'bot', 'redact', undefined],
      ['policy-decision', 'alice', 'redact', undefined],
      ['policy-decision', 'bot', 'reject', 'rejected'],
    ])
  })
})
