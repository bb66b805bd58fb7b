/**
 * Schema rules on an open server (no auth, PROTOCOL.md §8.3), over real WebSockets against a real server on SQLite.
 * Well-formed Yjs updates that would break the session for good — a string in `messages`, a message that is not a
 * map, `parts` that is not a list, a part that is not a map or lacks its type, deleting someone's message, writing
 * `meta` or `httpProducers` — are refused in-band with their rule and logged; nothing of them is stored and
 * `GET /v1/sessions/:id` still answers with the old transcript. Identity rules are off (any author may write) and
 * awareness is passed on as it is, the user-text limit holds, and ordinary use of the SDKs and of HTTP appends meets
 * no refusal.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { MAX_AWARENESS_STATE_CHARS } from '../../shared/auth/update-rejection.ts'
import { appendMessage, getSessionRoots } from '../../shared/session/session-doc.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { awaitAnswer, expectLogClean, forgeUpdate } from '../testing/attack-kit.ts'
import { captureLogs } from '../testing/capture-logs.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { connectRawSession, encodeAwarenessState } from '../testing/raw-session-socket.ts'
import { fetchTranscript } from '../testing/test-tokens.ts'

const logs = captureLogs()
const test = testWithStore('sqlite', { logger: logs.logger, limits: { maxUserTextChars: 1_000 } })

/** The transcript `GET /v1/sessions/:id` answers; the request must succeed. */
async function transcript(server: SessionServer, sessionId: string): Promise<unknown> {
  const { status, body } = await fetchTranscript(server.url, sessionId, undefined)
  expect(status).toBe(200)
  return { messages: body.messages, steering: body.steering, runs: body.runs }
}

/** Sends the update `mutate` makes, as clientID `clientId`, over a fresh raw connection; resolves the answer. */
async function send(
  server: SessionServer,
  sessionId: string,
  clientId: number,
  mutate: (doc: Y.Doc) => void,
): Promise<{ update: Uint8Array; answer: Awaited<ReturnType<typeof awaitAnswer>> }> {
  const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: '' })
  const update = await forgeUpdate(raw, clientId, mutate)
  raw.sendUpdate(update)
  const answer = await awaitAnswer(raw)
  raw.close()
  return { update, answer }
}

const parts = (message: Y.Map<unknown>): Y.Array<unknown> => message.get('parts') as Y.Array<unknown>
const firstMessage = (doc: Y.Doc): Y.Map<unknown> => getSessionRoots(doc).messages.get(0)

describe('an open server inspects every update against the session schema', () => {
  test('updates that would break the session are refused, stored nowhere, and the transcript still answers', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced()
    alice.sendMessage('hello')
    await alice.waitUntilDurable()
    const before = await transcript(server, sessionId)
    expect(before).toMatchObject({ messages: [{ author: 'alice', text: 'hello' }] })
    const attacks: Array<[string, (doc: Y.Doc) => void, string]> = [
      [
        'a string in messages',
        (doc) => {
          getSessionRoots(doc).messages.push(['boom' as unknown as Y.Map<unknown>])
        },
        'SCHEMA_MISMATCH',
      ],
      [
        'a message that is not a map',
        (doc) => {
          getSessionRoots(doc).messages.push([new Y.Array() as unknown as Y.Map<unknown>])
        },
        'SCHEMA_MISMATCH',
      ],
      [
        'a new message whose parts is not a list',
        (doc) => {
          const message = new Y.Map<unknown>()
          getSessionRoots(doc).messages.push([message])
          for (const [key, value] of [
            ['id', 'm_x'],
            ['role', 'user'],
            ['author', 'mallory'],
            ['parts', 'flat'],
          ])
            message.set(key as string, value)
        },
        'SCHEMA_MISMATCH',
      ],
      [
        'parts of an existing message replaced by a string',
        (doc) => {
          firstMessage(doc).set('parts', 'flat')
        },
        'SCHEMA_MISMATCH',
      ],
      [
        'a part that is not a map',
        (doc) => {
          parts(firstMessage(doc)).push([42])
        },
        'SCHEMA_MISMATCH',
      ],
      [
        'a part without its type',
        (doc) => {
          parts(firstMessage(doc)).push([new Y.Map<unknown>([['text', new Y.Text('t')]])])
        },
        'SCHEMA_MISMATCH',
      ],
      [
        "deleting a part's type",
        (doc) => {
          ;(parts(firstMessage(doc)).get(0) as Y.Map<unknown>).delete('type')
        },
        'SCHEMA_MISMATCH',
      ],
      [
        "deleting someone's message",
        (doc) => {
          getSessionRoots(doc).messages.delete(0, 1)
        },
        'FORBIDDEN_DELETE',
      ],
      [
        'writing meta',
        (doc) => {
          getSessionRoots(doc).meta.set('title', 'pwned')
        },
        'FORBIDDEN_PARENT',
      ],
      [
        'writing the producers of HTTP appends',
        (doc) => {
          doc.getMap('httpProducers').set('mallory', { epoch: 9 })
        },
        'FORBIDDEN_PARENT',
      ],
    ]
    let clientId = 700_000
    for (const [label, mutate, reason] of attacks) {
      const { update, answer } = await send(server, sessionId, ++clientId, mutate)
      expect(answer, label).toEqual({
        applied: false,
        notices: [expect.objectContaining({ code: 'UPDATE_REJECTED', reason })],
      })
      await expectLogClean(server, sessionId, update, { attackerClientIds: [clientId] })
      expect(await transcript(server, sessionId), label).toEqual(before)
    }
    expect(logs.linesFor(sessionId, 'update-rejected').map((line) => [line.code, line.reason])).toEqual(
      attacks.map(([, , reason]) => ['UPDATE_REJECTED', reason]),
    )
    // The session still takes ordinary writes.
    alice.sendMessage('still here')
    await alice.waitUntilDurable()
    expect(await transcript(server, sessionId)).toMatchObject({ messages: [{ text: 'hello' }, { text: 'still here' }] })
  })

  test('any author may write, but a user message over maxUserTextChars is refused with TEXT_TOO_LONG', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    // Awareness is not inspected on an open server: a state of any size and identity is passed on.
    const viewer = connectClient({ principalId: 'viewer' })
    await viewer.waitForSynced()
    const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: '' })
    raw.sendAwareness(
      encodeAwarenessState(710_000, {
        member: { principalId: 'agent-1', role: 'agent' },
        note: 'n'.repeat(MAX_AWARENESS_STATE_CHARS),
      }),
    )
    await expect
      .poll(
        () =>
          viewer
            .presence()
            .map((member) => member.principalId)
            .sort(),
        { timeout: 5_000 },
      )
      .toEqual(['agent-1', 'viewer'])
    expect(raw.frames.some((frame) => frame.type === 'close-message')).toBe(false)
    raw.close()
    const asAnyone = await send(server, sessionId, 710_001, (doc) => {
      appendMessage(doc, { id: 'm_a', role: 'assistant', author: 'someone-else', status: 'done', text: 'hi' })
    })
    expect(asAnyone.answer).toEqual({ applied: true, notices: [] })
    const long = await send(server, sessionId, 710_002, (doc) => {
      appendMessage(doc, { id: 'm_long', role: 'user', author: 'alice', status: 'done', text: 'x'.repeat(1_001) })
    })
    expect(long.answer).toEqual({
      applied: false,
      notices: [expect.objectContaining({ code: 'TEXT_TOO_LONG', reason: 'maxUserTextChars' })],
    })
    expect(await transcript(server, sessionId)).toMatchObject({
      messages: [{ id: 'm_a', author: 'someone-else', text: 'hi' }],
    })
    expect(logs.linesFor(sessionId, 'limit-exceeded').map((line) => line.code)).toEqual(['TEXT_TOO_LONG'])
  })

  test('user messages, an agent streaming, a stop, presence and HTTP appends meet no refusal', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const phone = connectClient({ principalId: 'alice', device: 'phone' })
    const laptop = connectClient({ principalId: 'alice', device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const agent = await connectAgent()
    const replies: Array<Promise<string>> = []
    agent.onUserMessage((message) => {
      const tokens = async function* (): AsyncGenerator<string> {
        for (let index = 0; index < 200; index++) yield `t${index} `
        if (message.text === 'and wait') await new Promise<never>(() => undefined) // until stopped
      }
      replies.push(agent.startReply({ replyTo: message.id }).pipe(tokens()))
    })
    phone.sendMessage('stream please')
    await expect.poll(() => replies.length, { timeout: 5_000 }).toBe(1)
    await expect(replies[0]).resolves.toBe('done')
    laptop.sendMessage('and wait')
    await expect
      .poll(() => laptop.messages().filter((message) => message.role === 'assistant').length, { timeout: 5_000 })
      .toBe(2)
    const waiting = laptop.messages().filter((message) => message.role === 'assistant')[1]
    laptop.steer({ kind: 'stop', target: waiting?.id ?? '' })
    await expect(replies[1]).resolves.toBe('stopped')
    await expect
      .poll(
        () =>
          phone
            .presence()
            .map((member) => member.device ?? member.principalId)
            .sort(),
        { timeout: 5_000 },
      )
      .toEqual(['agent-1', 'laptop', 'phone'])
    const producer = { producerId: 'http-agent', epoch: 0 }
    const question = phone.messages()[0]?.id
    expect(
      (
        await postSessionCommands(server.url, sessionId, {
          ...producer,
          seq: 0,
          commands: [
            { type: 'start', messageId: 'r_http', replyTo: question },
            { type: 'text', messageId: 'r_http', text: 'over HTTP' },
            { type: 'end', messageId: 'r_http', status: 'done' },
          ],
        })
      ).status,
    ).toBe(200)
    await expect
      .poll(() => phone.messages().find((message) => message.id === 'r_http')?.text, { timeout: 5_000 })
      .toBe('over HTTP')
    await phone.waitUntilDurable()
    expect(await transcript(server, sessionId)).toMatchObject({
      // r_http answers the first question: it follows that question's earlier reply (PROTOCOL.md §11).
      messages: [
        { text: 'stream please' },
        { status: 'done' },
        { id: 'r_http', author: 'http-agent', status: 'done' },
        { text: 'and wait' },
        { status: 'stopped' },
      ],
      steering: [{ kind: 'stop', handledBy: 'agent-1' }],
    })
    expect(logs.linesFor(sessionId, 'update-rejected')).toEqual([])
    expect(logs.linesFor(sessionId, 'limit-exceeded')).toEqual([])
  })
})
