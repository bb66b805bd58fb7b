/**
 * On-device agents against a real server with auth on SQLite (PROTOCOL.md §8.1, §8.4): a person's own client answers
 * with `createOnDeviceAgent`, writing into its local replica through the same adapters a browser model uses (a
 * deterministic local model shaped like the Prompt API, and WebLLM's OpenAI-compatible chunks). Without the
 * `onDeviceAgent` claim the reply is refused with AGENT_REPLY_FORBIDDEN and never stored; with it, a reply written
 * offline reaches the server and another device once; a server agent and an on-device agent answer one session at
 * the same time without a refusal; a stop from another device stops the on-device reply; and after a restart the person's clientID, which holds both their messages and
 * their on-device agent's reply, is still theirs alone.
 */
import { describe, expect } from 'vitest'
import { createOnDeviceAgent } from '../../client/agent-browser/create-on-device-agent.ts'
import { fromOpenAiChatStream, type OpenAiChatChunk } from '../../client/agent/adapters/from-openai-chat-stream.ts'
import { fromPromptApiStream } from '../../client/agent/adapters/from-prompt-api-stream.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import type * as Y from 'yjs'
import { appendMessage, startRun } from '../../shared/session/session-doc.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { createLocalLanguageModel, localAnswer } from '../../demo/app/local-language-model.ts'
import { awaitAnswer, expectRejected, forgeUpdate } from '../testing/attack-kit.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { fetchTranscript, TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

const events: SecurityEvent[] = []
const test = testWithStore('sqlite', {
  auth: {
    secret: TEST_AUTH_SECRET,
    onSecurityEvent: (event) => {
      events.push(event)
    },
  },
})

const model = createLocalLanguageModel({ tokenIntervalMs: 1, chunking: 'cumulative' })

/** WebLLM's `engine.chat.completions.create({ stream: true })` shape: OpenAI chat chunks, one word each. */
async function* webLlmChunks(text: string): AsyncGenerator<OpenAiChatChunk> {
  for (const word of text.split(/(?<=\s)/)) yield { choices: [{ index: 0, delta: { content: word } }] }
  yield { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }
}

describe('on-device agent', () => {
  test('without the onDeviceAgent claim the reply is refused with AGENT_REPLY_FORBIDDEN and never stored', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const token = tokenFor('alice', 'user', sessionId)
    const alice = connectClient({ principalId: 'alice', token })
    const errors: SessionError[] = []
    alice.on('error', (error) => {
      errors.push(error)
    })
    await alice.waitForSynced()
    const question = alice.sendMessage('Can you answer on my laptop?')
    await alice.waitUntilDurable()

    const dropped = new Promise<void>((resolve) => {
      alice.on('replica', () => resolve())
    })
    // The model holds its second token until the client dropped the refused first one, so the reply is still open.
    async function* slowModel(): AsyncGenerator<string> {
      yield 'first '
      await dropped
      yield 'second'
    }
    const reply = createOnDeviceAgent({ session: alice }).answer(question, () => fromPromptApiStream(slowModel()))
    await expect(reply.ended).rejects.toMatchObject({ code: 'REPLY_CLOSED' })
    expect(errors.map((error) => [error.code, error.details.reason])).toContainEqual([
      'AGENT_REPLY_FORBIDDEN',
      'onDeviceAgent',
    ])
    expect(
      events.filter((event) => event.sessionId === sessionId).map((event) => [event.kind, event.error.code]),
    ).toContainEqual(['update-rejected', 'AGENT_REPLY_FORBIDDEN'])
    const { body } = await fetchTranscript(server.url, sessionId, token)
    expect(body.messages?.map((message) => message.role)).toEqual(['user'])
    // The client dropped the refused reply with its replica: what it shows is what the server has.
    await expect.poll(() => alice.messages().map((message) => message.role)).toEqual(['user'])
  })

  test('a forged reply or run from a raw socket without the claim is refused with AGENT_REPLY_FORBIDDEN', async ({
    server,
    sessionId,
  }) => {
    const token = tokenFor('mallory', 'user', sessionId)
    const forgeries: Array<(doc: Y.Doc) => void> = [
      (doc) => {
        appendMessage(doc, { id: 'm_fake', role: 'assistant', author: 'mallory/on-device', status: 'done' })
      },
      (doc) => {
        startRun(doc, { id: 'r_fake', agent: 'mallory/on-device', messageId: 'm_none', startedAt: 1 })
      },
    ]
    let clientId = 818_180
    for (const forge of forgeries) {
      const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token })
      raw.sendUpdate(await forgeUpdate(raw, ++clientId, forge))
      expect(await awaitAnswer(raw)).toEqual({
        applied: false,
        notices: [expect.objectContaining({ code: 'AGENT_REPLY_FORBIDDEN', reason: 'onDeviceAgent' })],
      })
    }
    const { body } = await fetchTranscript(server.url, sessionId, token)
    expect([body.messages, body.runs]).toEqual([[], []])
  })

  test('with the claim, a reply written offline reaches the server and a second device once', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const token = tokenFor('alice', 'user', sessionId, { onDeviceAgent: true })
    const alice = connectClient({ principalId: 'alice', token })
    const bob = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
    await Promise.all([alice.waitForSynced(), bob.waitForSynced()])
    alice.disconnect()
    // connect() while the disconnect's close is still under way leaves the client offline: wait for the close.
    await expect.poll(() => alice.status).toBe('offline')
    const question = alice.sendMessage('Offline: what is on my list?')
    const agent = createOnDeviceAgent({ session: alice })
    expect(agent.unanswered().map((message) => message.id)).toEqual([question])
    const reply = agent.answer(question, ({ message, signal }) =>
      fromPromptApiStream(model.promptStreaming(message.text, { signal })),
    )
    // Written locally while offline: `ended` does not wait for the server.
    await expect(reply.ended).resolves.toBe('done')
    expect(agent.unanswered()).toEqual([])
    const { body: before } = await fetchTranscript(server.url, sessionId, token)
    expect(before.messages).toEqual([])

    alice.connect()
    await alice.waitUntilDurable()
    const expected = {
      id: reply.id,
      role: 'assistant',
      author: 'alice/on-device',
      replyTo: question,
      status: 'done',
      text: localAnswer('Offline: what is on my list?'),
    }
    await expect
      .poll(() => bob.messages().filter((message) => message.role === 'assistant'))
      .toEqual([expect.objectContaining(expected)])
    const { body } = await fetchTranscript(server.url, sessionId, token)
    expect(body.messages?.filter((message) => message.role === 'assistant')).toEqual([
      expect.objectContaining(expected),
    ])
    expect(body.runs?.map((run) => [run.agent, run.state])).toEqual([['alice/on-device', 'done']])
    expect(events.filter((event) => event.sessionId === sessionId && event.kind === 'update-rejected')).toEqual([])
  })

  test('a server agent and an on-device agent answer the same session at once without conflict', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const token = tokenFor('alice', 'user', sessionId, { onDeviceAgent: true })
    const alice = connectClient({ principalId: 'alice', token })
    const bob = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
    const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
    await Promise.all([alice.waitForSynced(), bob.waitForSynced()])
    const serverText = 'From the server agent, streamed while the device answers too.'
    const deviceText = 'From the device, streamed while the server agent answers too.'
    let serverReply: Promise<unknown> | undefined
    agent.onUserMessage((message) => {
      serverReply = agent.startReply({ replyTo: message.id }).pipeParts(fromOpenAiChatStream(webLlmChunks(serverText)))
    })
    const question = alice.sendMessage('Both of you, please.')
    const onDevice = createOnDeviceAgent({ session: alice }).answer(question, () =>
      fromOpenAiChatStream(webLlmChunks(deviceText)),
    )
    await expect(onDevice.ended).resolves.toBe('done')
    await expect.poll(() => serverReply).toBeDefined()
    await expect(serverReply).resolves.toBe('done')
    await alice.waitUntilDurable()

    const replies = (messages: readonly MessageView[]) =>
      messages
        .filter((message) => message.role === 'assistant')
        .map(({ author, replyTo, status, text }) => ({ author, replyTo, status, text }))
        .sort((a, b) => a.author.localeCompare(b.author))
    const expected = [
      { author: 'agent-1', replyTo: question, status: 'done', text: serverText },
      { author: 'alice/on-device', replyTo: question, status: 'done', text: deviceText },
    ]
    await expect.poll(() => replies(bob.messages())).toEqual(expected)
    await expect.poll(() => replies(alice.messages())).toEqual(expected)
    const { body } = await fetchTranscript(server.url, sessionId, token)
    expect(replies(body.messages ?? [])).toEqual(expected)
    expect(events.filter((event) => event.sessionId === sessionId && event.kind === 'update-rejected')).toEqual([])
  })

  test('a stop steer from another device stops the on-device reply', async ({ server, sessionId, connectClient }) => {
    const token = tokenFor('alice', 'user', sessionId, { onDeviceAgent: true })
    const alice = connectClient({ principalId: 'alice', token })
    const bob = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
    await Promise.all([alice.waitForSynced(), bob.waitForSynced()])
    const question = alice.sendMessage('Go on and on')
    // The model writes one token, then waits until the reply is stopped.
    const reply = createOnDeviceAgent({ session: alice }).answer(question, ({ signal }) =>
      (async function* () {
        yield 'first '
        await new Promise((resolve) => {
          signal.addEventListener('abort', resolve, { once: true })
        })
      })(),
    )
    await expect.poll(() => bob.messages().find((message) => message.role === 'assistant')?.text).toBe('first ')
    bob.steer({ kind: 'stop', target: reply.id })
    await expect(reply.ended).resolves.toBe('stopped')
    await alice.waitUntilDurable()
    const { body } = await fetchTranscript(server.url, sessionId, token)
    expect(body.messages?.find((message) => message.role === 'assistant')).toMatchObject({
      status: 'stopped',
      text: 'first ',
      author: 'alice/on-device',
    })
  })

  test('after a restart the clientID holding the person and their on-device agent stays theirs alone', async ({
    server,
    startServer,
    sessionId,
    connectClient,
  }) => {
    const token = tokenFor('alice', 'user', sessionId, { onDeviceAgent: true })
    const alice = connectClient({ principalId: 'alice', token, reconnectDelayMs: 20 })
    await alice.waitForSynced()
    const question = alice.sendMessage('Before the restart')
    const reply = createOnDeviceAgent({ session: alice }).answer(question, ({ message, signal }) =>
      fromPromptApiStream(model.promptStreaming(message.text, { signal })),
    )
    await expect(reply.ended).resolves.toBe('done')
    await alice.waitUntilDurable()
    const clientId = alice.doc.clientID

    await server.close()
    const restarted = await startServer({ port: server.port })
    await alice.waitForSynced()
    // The restarted server attributes the clientID from the document: the reply of alice/on-device counts for alice.
    alice.sendMessage('After the restart, same clientID')
    await alice.waitUntilDurable()
    expect(alice.doc.clientID).toBe(clientId)

    const raw = await connectRawSession({
      url: restarted.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId, { onDeviceAgent: true }),
    })
    raw.sendUpdate(
      await forgeUpdate(raw, clientId, (forged) => {
        appendMessage(forged, { id: 'm_x', role: 'user', author: 'mallory', status: 'done', text: 'mine now' })
      }),
    )
    await expectRejected(raw, events, sessionId, 'FOREIGN_CLIENT_ID')
    const { body } = await fetchTranscript(restarted.url, sessionId, token)
    expect(body.messages?.map((message) => [message.author, message.text.slice(0, 17)])).toEqual([
      ['alice', 'Before the restar'],
      ['alice/on-device', 'Answered on this '],
      ['alice', 'After the restart'],
    ])
  })
})
