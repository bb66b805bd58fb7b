/**
 * The TypeScript fragments of docs/sdks.md, run with tsx as a user would after copying them, against a real server on
 * 127.0.0.1 port 0. A fragment that uses names it does not define (`client`, `agent`, `render`, `replyId`) runs
 * verbatim between a prelude that defines them and an epilogue that prints what it did; each test asserts on that
 * output and on what the server stored. The AI SDK examples stream from a local OpenAI-compatible server through
 * the real `@ai-sdk/openai` provider.
 */
import { describe, expect, onTestFinished } from 'vitest'
import { finishedDocExample } from '../testing/finished-doc-example.ts'
import { docExample } from '../testing/docs-examples.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { startOpenAiCompatibleServer } from '../testing/openai-compatible-server.ts'
import { type RunningDocExample, runDocExample } from '../testing/run-doc-example.ts'
import { AUTH_ON, fetchTranscript, tokenFor } from '../testing/test-tokens.ts'

const test = testWithStore('sqlite')
const limited = testWithStore('sqlite', { limits: { maxUserTextChars: 1_000 } })
const authOn = testWithStore('sqlite', AUTH_ON)

/**
 * Node 20 has no global WebSocket (browsers and Node 22 do): the fragments that rely on one get the SDK's. `until`
 * waits for a condition, checked every 20 ms.
 */
const GLOBAL_WEBSOCKET = `import { NodeWebSocket as PreludeWebSocket } from 'lifeline/agent'
Object.assign(globalThis, { WebSocket: PreludeWebSocket })
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20))
}
`

/** A connected, synced client named `client` for alice, and `url` / `sessionId` for the fragment. */
const CLIENT = `${GLOBAL_WEBSOCKET}import { createSessionClient as preludeClient } from 'lifeline/core'
const url = 'ws://127.0.0.1:8787/v1/ws'
const sessionId = 's_abc'
const client = preludeClient({ url, sessionId, principalId: 'alice', device: 'laptop' })
await client.waitForSynced()
`

/** Starts a TypeScript fragment between `prelude` and `epilogue`; stopped when the test ends. */
function start(code: string, serverUrl: string, sessionId: string, prelude = '', epilogue = '', env = {}) {
  const port = Number(new URL(serverUrl).port)
  const running: RunningDocExample = runDocExample({ code, lang: 'ts', port, sessionId, prelude, epilogue, env })
  onTestFinished(() => running.stop())
  return running
}

/**
 * A local OpenAI-compatible server whose Responses API streams `Hello there.`; with `weatherFirst`, the first request
 * is answered with a call of the `weather` tool for Paris instead, and the next ones with the text. Closed when the
 * test ends.
 */
async function startResponsesServer(weatherFirst: boolean) {
  let sequence = 0
  const event = (fields: object) => ({ ...fields, sequence_number: sequence++ })
  const response = (status: string) => ({
    id: 'resp_docs',
    object: 'response',
    created_at: 1_767_225_600,
    model: 'gpt-5-mini',
    status,
    output: [],
    usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
  })
  const answer = (item: object, deltas: object[], done: object) => [
    event({ type: 'response.created', response: response('in_progress') }),
    event({ type: 'response.output_item.added', output_index: 0, item }),
    ...deltas.map(event),
    event({ type: 'response.output_item.done', output_index: 0, item: done }),
    event({ type: 'response.completed', response: response('completed') }),
  ]
  const message = { type: 'message', id: 'msg_1', role: 'assistant', status: 'in_progress', content: [] }
  const text = (delta: string) => ({
    type: 'response.output_text.delta',
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    delta,
  })
  const textAnswer = () =>
    answer(message, [text('Hello '), text('there.')], {
      ...message,
      status: 'completed',
      content: [{ type: 'output_text', text: 'Hello there.' }],
    })
  const call = { type: 'function_call', id: 'fc_1', call_id: 'call_w1', name: 'weather', arguments: '' }
  const callAnswer = () =>
    answer(
      call,
      [{ type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 0, delta: '{"city":"Paris"}' }],
      { ...call, arguments: '{"city":"Paris"}', status: 'completed' },
    )
  const server = await startOpenAiCompatibleServer({
    responses: (index) => (weatherFirst && index === 0 ? callAnswer() : textAnswer()),
  })
  onTestFinished(() => server.close())
  return { server, env: { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-docs-example' } }
}

// Each test starts tsx or python3 in a process of its own, which imports the SDK (and `ai`) before it runs: a few
// seconds, more on a loaded machine.
describe('the TypeScript fragments of docs/sdks.md', { timeout: 30_000 }, () => {
  test('the AI SDK adapter example calls the weather tool and stores the call, its result and the text', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const openai = await startResponsesServer(true)
    const running = start(docExample('docs/sdks.md', 'ai-sdk-adapter'), server.url, sessionId, '', '', openai.env)
    const user = connectClient({ principalId: 'alice' })
    await user.waitForSynced()
    user.sendMessage('weather in Paris?')
    await expect
      .poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 20_000 })
      .toMatchObject({ text: 'Hello there.', status: 'done', author: 'writer' })
    expect(user.messages().find((message) => message.role === 'assistant')?.parts).toEqual([
      { type: 'tool-call', toolCallId: 'call_w1', toolName: 'weather', input: { city: 'Paris' } },
      { type: 'tool-result', toolCallId: 'call_w1', output: { city: 'Paris', celsius: 18 } },
      { type: 'text', text: 'Hello there.' },
    ])
    expect(openai.server.requests.map((request) => request.path)).toEqual(['/v1/responses', '/v1/responses'])
    expect(openai.server.requests[1]?.body).toMatchObject({ model: 'gpt-5-mini' })
    // The second request hands the tool's result back to the model (as a JSON string inside the request).
    expect(JSON.stringify(openai.server.requests[1]?.body)).toContain('call_w1')
    expect(JSON.stringify(openai.server.requests[1]?.body)).toMatch(/celsius\\+":18/)
    expect(running.errors()).toBe('')
  })

  test('the pipeUIMessageStream example writes a streamText result into the reply', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const openai = await startResponsesServer(false)
    const running = start(
      docExample('docs/sdks.md', 'pipe-ui-message-stream'),
      server.url,
      sessionId,
      '',
      '',
      openai.env,
    )
    const user = connectClient({ principalId: 'alice' })
    await user.waitForSynced()
    user.sendMessage('greet me')
    await expect
      .poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 20_000 })
      .toMatchObject({ text: 'Hello there.', status: 'done', author: 'writer' })
    expect(openai.server.requests).toMatchObject([{ path: '/v1/responses', body: { model: 'gpt-5-mini' } }])
    expect(running.errors()).toBe('')
  })

  limited('refused writes are listed, retried and discarded', async ({ server, sessionId }) => {
    // Written before the client heard the server's limit (1 000 characters): the long message is refused, and the
    // short one sent in the same update with it.
    const prelude = `${GLOBAL_WEBSOCKET}import { createSessionClient as preludeClient } from 'lifeline/core'
const client = preludeClient({ url: 'ws://127.0.0.1:8787/v1/ws', sessionId: 's_abc', principalId: 'alice' })
client.sendMessage('x'.repeat(1_001))
const id = client.sendMessage('a short one')
await new Promise<void>((resolve) => client.on('refused', (writes) => writes.length === 2 && resolve()))
const showNotSent = (writes: { kind: string }[]) => console.log('not sent:', writes.length)
`
    const epilogue = `await client.waitUntilDurable()
console.log('stored:', JSON.stringify(client.messages().map((message) => message.text)))
console.log('listed:', client.refused().length)
client.destroy()
`
    const output = await finishedDocExample(
      start(docExample('docs/sdks.md', 'refused-writes'), server.url, sessionId, prelude, epilogue),
    )
    expect(output).toMatch(/^message x{1001} TEXT_TOO_LONG\nmessage a short one TEXT_TOO_LONG\nnot sent: 1\n/)
    expect(output).toContain('stored: ["a short one"]\nlisted: 1\n')
  })

  authOn(
    'the stock Hocuspocus provider appends a message under its token and is refused for another author',
    async ({ server, sessionId, connectClient }) => {
      const prelude = `${GLOBAL_WEBSOCKET}const sessionId = 's_abc'
const token = '${tokenFor('alice', 'user', sessionId)}'
`
      // After the example: a message whose author is not the token's `sub` is answered by a refusal notice.
      const epilogue = `import { decodeUpdateRejectedNotice } from 'lifeline/protocol'
await until(() => provider.synced && !provider.hasUnsyncedChanges)
const refusals: string[] = []
provider.on('stateless', ({ payload }: { payload: string }) => {
  const notice = decodeUpdateRejectedNotice(payload)
  if (notice !== undefined) refusals.push(\`\${notice.code} \${notice.reason}\`)
})
appendMessage(doc, { id: createRandomId(), role: 'user', author: 'mallory', status: 'done', text: 'Forged' })
await until(() => refusals.length > 0)
console.log('refused:', refusals.join(', '))
provider.destroy()
socket.destroy()
`
      const output = await finishedDocExample(
        start(docExample('docs/sdks.md', 'stock-provider'), server.url, sessionId, prelude, epilogue),
      )
      expect(output).toBe('refused: UPDATE_REJECTED FORBIDDEN_PARENT\n')
      const viewer = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
      await expect
        .poll(() => viewer.messages().map((message) => [message.author, message.text]))
        .toEqual([['alice', 'Hello']])
      const { body } = await fetchTranscript(server.url, sessionId, tokenFor('bob', 'user', sessionId))
      expect(body.messages?.map((message) => [message.author, message.text])).toEqual([['alice', 'Hello']])
    },
  )

  test('the message order helpers give the order every screen shows', async ({ server, sessionId, connectAgent }) => {
    const agent = await connectAgent({ agentId: 'writer' })
    agent.onUserMessage(async (message) => {
      await agent.startReply({ replyTo: message.id }).pipe(words(`re: ${message.text}`))
    })
    const prelude = `${CLIENT}const doc = client.doc
client.sendMessage('first')
client.sendMessage('second')
await until(() => client.messages().filter((message) => message.status === 'done').length === 4)
const stream = await fetch('http://127.0.0.1:8787/v1/stream/sessions/s_abc?offset=-1')
const events = await stream.json()
const render = (messages: { text: string }[]) => console.log('render', messages.map((message) => message.text).join(' | '))
`
    const epilogue = `console.log('events', orderFromEvents(events).join(' '))
console.log('rule', orderMessages(listMessages(doc).map(readMessage)).map((message) => message.id).join(' '))
console.log('client', client.messages().map((message) => message.id).join(' '))
client.sendMessage('third')
client.destroy()
`
    const output = await finishedDocExample(
      start(docExample('docs/sdks.md', 'message-order'), server.url, sessionId, prelude, epilogue),
    )
    const lines = Object.fromEntries(
      output
        .trim()
        .split('\n')
        .map((line) => [line.split(' ')[0], line]),
    )
    expect(lines.render).toBe('render first | re: first | second | re: second | third')
    expect(lines.events?.split(' ').slice(1)).toEqual(lines.client?.split(' ').slice(1))
    expect(lines.rule?.split(' ').slice(1)).toEqual(lines.client?.split(' ').slice(1))
    expect(lines.client?.split(' ')).toHaveLength(5)
  })

  test('steering stops a reply, redirects it and the agent answers the redirect', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const user = connectClient({ principalId: 'alice' })
    const replyTo = user.sendMessage('tell me about Paris')
    await user.waitUntilDurable()
    const prelude = `${CLIENT}import { createAgentSession as preludeAgent } from 'lifeline/agent'
const agent = await preludeAgent({ url, sessionId, agentId: 'writer' })
const replyTo = '${replyTo}'
const running = agent.startReply({ replyTo })
const untilStopped = async function* () {
  yield 'Paris is'
  await new Promise((resolve) => running.signal.addEventListener('abort', resolve))
}
const first = running.pipe(untilStopped())
await until(() => client.messages().some((message) => message.text === 'Paris is'))
const replyId = running.id
const prompt = 'about Paris'
const llm = {
  async *stream(text: string) {
    yield \`An answer \${text}\`
  },
}
`
    const epilogue = `await first
await until(() => client.messages().filter((message) => message.role === 'assistant' && message.status === 'done').length === 2)
for (const message of client.messages()) console.log(message.role, message.status, message.text)
agent.client.destroy()
client.destroy()
`
    const running = start(docExample('docs/sdks.md', 'steering'), server.url, sessionId, prelude, epilogue)
    const output = await finishedDocExample(running)
    expect(output).toContain('assistant stopped Paris is\n')
    expect(output).toContain('assistant done An answer shorter, in French\n')
    expect(output).toContain('assistant done An answer about Paris\n')
    const { body } = await fetchTranscript(server.url, sessionId, undefined)
    expect(body.steering?.map((steer) => steer.kind)).toEqual(['stop', 'redirect', 'note'])
  })

  // Waits out the documented 5 s grace before `user-left`, plus process start-up on a loaded machine.
  test('the agent hears that a user left', { timeout: 35_000 }, async ({ server, sessionId, connectClient }) => {
    const prelude = `${GLOBAL_WEBSOCKET}import { createAgentSession as preludeAgent } from 'lifeline/agent'
const agent = await preludeAgent({ url: 'ws://127.0.0.1:8787/v1/ws', sessionId: 's_abc', agentId: 'writer' })
const pauseExpensiveWork = (principalId: string) => {
  console.log('paused for', principalId)
  agent.client.destroy()
}
`
    const epilogue = `const seen = () => agent.client.presence().some((device) => device.principalId === 'alice')
await until(seen)
console.log('alice is here')
`
    const running = start(docExample('docs/sdks.md', 'user-presence'), server.url, sessionId, prelude, epilogue)
    const alice = connectClient({ principalId: 'alice' })
    await expect.poll(() => running.output(), { timeout: 20_000 }).toContain('alice is here')
    alice.destroy()
    expect(await finishedDocExample(running)).toMatch(/paused for alice\n$/)
  })

  test('a display name reaches the people list and presence by person', async ({ server, sessionId }) => {
    const epilogue = `await client.waitUntilDurable()
console.log(JSON.stringify({ person: client.person('alice')?.name, people: client.people().length, here: client.presenceByPerson()[0] }))
client.destroy()
`
    const prelude = `${CLIENT}const render = () => {}\n`
    const output = await finishedDocExample(
      start(docExample('docs/sdks.md', 'people'), server.url, sessionId, prelude, epilogue),
    )
    expect(JSON.parse(output)).toMatchObject({
      person: 'Ada Lovelace',
      people: 1,
      here: { principalId: 'alice', name: 'Ada Lovelace', initials: 'AL', isAgent: false, self: true },
    })
    const { body } = await fetchTranscript(server.url, sessionId, undefined)
    expect(body.messages).toEqual([])
  })

  limited('an over-long message is refused before it is written', async ({ server, sessionId }) => {
    const prelude = `${CLIENT}import { isSessionError } from 'lifeline/protocol'
const pastedText = 'x'.repeat(1_001)
const showTooLong = (limit: unknown, length: unknown) => console.log('too long', limit, length)
`
    const epilogue = `console.log(client.status, client.messages().length)
client.destroy()
`
    const output = await finishedDocExample(
      start(docExample('docs/sdks.md', 'limits-check'), server.url, sessionId, prelude, epilogue),
    )
    expect(output).toBe('too long 1000 1001\nsynced 0\n')
  })

  test('a client shows the limits in force', async ({ server, sessionId }) => {
    const prelude = `${GLOBAL_WEBSOCKET}import { createSessionClient } from 'lifeline/core'
const url = 'ws://127.0.0.1:8787/v1/ws'
const sessionId = 's_abc'
`
    const epilogue = `console.log(JSON.stringify(client.limits))
await client.waitForSynced()
console.log(JSON.stringify(client.limits))
client.destroy()
`
    const output = await finishedDocExample(
      start(docExample('docs/sdks.md', 'limits-option'), server.url, sessionId, prelude, epilogue),
    )
    // The server's defaults are higher than the option, which lowers them.
    expect(output).toBe(`${JSON.stringify({ maxUpdateBytes: 1_048_576, maxUserTextChars: 20_000 })}\n`.repeat(2))
  })

  authOn('the token providers connect a client and an agent', async ({ server, sessionId }) => {
    const prelude = `${GLOBAL_WEBSOCKET}import { createSessionClient } from 'lifeline/core'
import { createAgentSession } from 'lifeline/agent'
const url = 'ws://127.0.0.1:8787/v1/ws'
const sessionId = 's_abc'
const fetchTokenFromMyBackend = () => '${tokenFor('alice', 'user', sessionId)}'
const mintAgentToken = () => '${tokenFor('writer', 'agent', sessionId)}'
`
    const epilogue = `await client.waitForSynced()
client.sendMessage('hello')
await client.waitUntilDurable()
console.log(client.status, agent.client.status)
client.destroy()
agent.client.destroy()
`
    const output = await finishedDocExample(
      start(docExample('docs/sdks.md', 'token-provider'), server.url, sessionId, prelude, epilogue),
    )
    expect(output).toBe('synced synced\n')
    const { body } = await fetchTranscript(server.url, sessionId, tokenFor('bob', 'user', sessionId))
    expect(body.messages?.map((message) => message.author)).toEqual(['alice'])
  })
})

/** A model's token stream: the words of `text`. */
async function* words(text: string): AsyncGenerator<string> {
  for (const word of text.split(/(?= )/)) yield word
}
