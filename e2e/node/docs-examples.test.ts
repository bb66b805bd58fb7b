/**
 * Fenced blocks of README.md and docs/*.md marked as examples are run by a test; others may say they are not code.
 * This file checks that every marked example is run, and runs the TypeScript and shell examples as a
 * user would after copying them — tsx or bash in their own process, against a real server on 127.0.0.1 port 0 — with
 * an assertion on what each prints or does. Examples run elsewhere name their test file here.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, onTestFinished } from 'vitest'
import { STREAM_ROUTE_PREFIX } from '../../shared/protocol/durable-streams.ts'
import { finishedDocExample } from '../testing/finished-doc-example.ts'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { findMessage } from '../../shared/session/session-doc.ts'
import { docExample, documentedFiles, readDocBlocks } from '../testing/docs-examples.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { freePort } from '../testing/free-port.ts'
import { REPO_ROOT } from '../testing/list-source-files.ts'
import { startOpenAiCompatibleServer } from '../testing/openai-compatible-server.ts'
import { type RunningDocExample, runDocExample } from '../testing/run-doc-example.ts'

/** Short stream timers, so a documented `live=sse` or `live=long-poll` read ends and the shell example goes on. */
const test = testWithStore('sqlite', { runLeaseMs: 500, streams: { sseReconnectMs: 500, longPollTimeoutMs: 500 } })

/** Examples run by another test file, which reads each by its name (`docExample`, or `docs_example` in Python). */
const RUN_ELSEWHERE: Readonly<Record<string, string>> = {
  'docs/pipelines.md#pipeline-receiver': 'e2e/node/pipeline-example.test.ts',
  'docs/pipelines.md#session-webhook-receiver': 'e2e/node/session-webhook-example.test.ts',
  'docs/pipelines.md#add-session-webhook': 'e2e/node/session-webhook-example.test.ts',
  'docs/operations.md#scale-out-node': 'e2e/node/docs-slow-examples.test.ts',
  'docs/python.md#pip-install': 'e2e/node/docs-slow-examples.test.ts',
  ...runIn('e2e/node/docs-sdk-examples.test.ts', 'docs/sdks.md', [
    'ai-sdk-adapter',
    'pipe-ui-message-stream',
    'refused-writes',
    'stock-provider',
    'message-order',
    'steering',
    'user-presence',
    'people',
    'limits-check',
    'limits-option',
    'token-provider',
  ]),
  ...runIn('e2e/node/docs-python-examples.test.ts', 'docs/python.md', [
    'python-agent',
    'python-user',
    'python-presence',
    'python-asyncio',
  ]),
  ...runIn('e2e/node/docs-python-examples.test.ts', 'docs/sdks.md', ['python-agent']),
  ...runIn('e2e/node/docs-python-examples.test.ts', 'README.md', ['python-reply']),
  ...runIn('python/tests/test_examples.py', 'docs/python.md', ['answer-agent', 'ask-user']),
  ...runIn('e2e/specs/docs-browser-examples.spec.ts', 'README.md', ['browser-client']),
  ...runIn('e2e/specs/docs-browser-examples.spec.ts', 'docs/sdks.md', ['browser-client', 'react-chat', 'use-chat']),
  ...runIn('e2e/specs/docs-browser-examples.spec.ts', 'docs/offline.md', [
    'web-llm',
    'prompt-api',
    'model-worker',
    'model-worker-page',
  ]),
}

/** The entries of RUN_ELSEWHERE for the examples `names` of `doc`, run by `file`. */
function runIn(file: string, doc: string, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [`${doc}#${name}`, file]))
}

/** Examples run in this file, by `doc#name`; filled as the tests below are declared, before any runs. */
const RUN_HERE = new Set<string>()

/** Declares that this file runs the example `name` of `doc` and returns its code. */
function example(doc: string, name: string): string {
  RUN_HERE.add(`${doc}#${name}`)
  return docExample(doc, name)
}

const QUICK_START = example('README.md', 'quick-start')
const AGENTS = ['README.md', 'docs/sdks.md'].map((doc) => ({ doc, code: example(doc, 'agent') }))
const RESUME_INTERRUPTED = example('docs/sdks.md', 'resume-interrupted')
const OPENAI_ADAPTER = example('docs/sdks.md', 'openai-adapter')
const SESSION_CLIENT = example('docs/sdks.md', 'session-client')
const ON_DEVICE_AGENT = example('docs/sdks.md', 'on-device-agent')
const SERVER_OPTIONS = example('docs/operations.md', 'server-options')
const TRACES = example('docs/operations.md', 'traces')
const README_CURL = example('README.md', 'curl')
const HTTP_API = example('docs/operations.md', 'http-api')
const STREAM_CURL = example('docs/sdks.md', 'stream-curl')
const SUBSCRIBE = example('docs/pipelines.md', 'subscribe')
const MESSAGE_POLICY = example('docs/pipelines.md', 'message-policy')
const RETENTION = example('docs/operations.md', 'retention')

/** Starts an example in its own process and stops it when the test ends. */
function start(
  code: string,
  lang: 'ts' | 'sh',
  port: number,
  sessionId: string,
  env: Record<string, string> = {},
  placeholders: Record<string, string> = {},
) {
  const running: RunningDocExample = runDocExample({ code, lang, port, sessionId, env, placeholders })
  onTestFinished(() => running.stop())
  return running
}

/** The port of a server URL. */
function portOf(url: string): number {
  return Number(new URL(url).port)
}

describe('docs examples', () => {
  test('every fenced block of README.md and docs/*.md is marked as an example or as not code', () => {
    const unmarked = documentedFiles()
      .flatMap(readDocBlocks)
      .filter((block) => block.kind === undefined)
      .map((block) => `${block.doc}:${block.line}`)
    expect(unmarked).toEqual([])
  })

  test('every marked example of README.md and docs/*.md runs', () => {
    const blocks = documentedFiles().flatMap(readDocBlocks)
    const examples = blocks.filter((block) => block.kind === 'example').map((block) => `${block.doc}#${block.label}`)
    const notRun = examples.filter((key) => !RUN_HERE.has(key) && RUN_ELSEWHERE[key] === undefined)
    expect(notRun).toEqual([])
    for (const [key, file] of Object.entries(RUN_ELSEWHERE)) {
      expect(examples).toContain(key)
      const name = key.split('#')[1]
      expect(readFileSync(join(REPO_ROOT, file), 'utf8'), key).toMatch(new RegExp(`['"]${name}['"]`))
    }
  })

  test('the quick-start commands are npm scripts of package.json', () => {
    const code = QUICK_START
    const { scripts } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    const commands = code
      .trim()
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
    expect(commands[0]).toBe('npm install')
    for (const command of commands.slice(1)) {
      const script = /^npm (?:run )?([\w:]+)$/.exec(command)?.[1] ?? command
      expect(Object.keys(scripts), command).toContain(script)
      // Each script's entry file exists (`npm start` runs demo/main.ts, covered by demo-agent.test.ts).
      const entry = /tsx (\S+\.ts)/.exec(scripts[script] ?? '')?.[1]
      if (entry !== undefined) expect(existsSync(join(REPO_ROOT, entry)), entry).toBe(true)
    }
  })

  for (const { doc, code } of AGENTS) {
    test(`the agent of ${doc} answers a user message`, async ({ server, sessionId, connectClient }) => {
      const running = start(code, 'ts', portOf(server.url), sessionId)
      const user = connectClient({ principalId: 'alice' })
      await user.waitForSynced()
      user.sendMessage('hello')
      await expect
        .poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 10_000 })
        .toMatchObject({ text: 'You said: hello', status: 'done', author: 'writer' })
      expect(running.output()).toBe('')
    })
  }

  test('the restarted agent of docs/sdks.md continues an interrupted reply', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const user = connectClient({ principalId: 'alice' })
    await user.waitForSynced()
    user.sendMessage('tell me')
    await user.waitUntilDurable()
    const crashed = await connectAgent({ agentId: 'writer' })
    const question = user.messages()[0]?.id ?? ''
    const reply = crashed.startReply({ replyTo: question })
    reply.append('Half')
    await reply.flush()
    await crashed.client.waitUntilDurable()
    crashed.client.destroy()
    const assistant = () => user.messages().find((message) => message.role === 'assistant')
    await expect.poll(() => assistant()?.status, { timeout: 10_000 }).toBe('interrupted')
    await finishedDocExample(start(RESUME_INTERRUPTED, 'ts', portOf(server.url), sessionId))
    await expect
      .poll(() => assistant(), { timeout: 10_000 })
      .toMatchObject({ text: 'Half and the rest.', status: 'done' })
  })

  test('the OpenAI SDK example of docs/sdks.md writes a completion into the reply', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const chunk = (delta: object, finishReason: string | null = null) => ({
      id: 'chatcmpl-docs',
      object: 'chat.completion.chunk',
      created: 1_767_225_600,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    })
    const openai = await startOpenAiCompatibleServer({
      chatCompletions: [
        chunk({ role: 'assistant', content: 'Hello ' }),
        chunk({ content: 'there.' }),
        chunk({}, 'stop'),
      ],
    })
    onTestFinished(() => openai.close())
    const env = { OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-docs-example' }
    const running = start(OPENAI_ADAPTER, 'ts', portOf(server.url), sessionId, env)
    const user = connectClient({ principalId: 'alice' })
    await user.waitForSynced()
    user.sendMessage('greet me')
    await expect
      .poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 10_000 })
      .toMatchObject({ text: 'Hello there.', status: 'done' })
    expect(openai.requests[0]?.body).toMatchObject({ messages: [{ role: 'user', content: 'greet me' }], stream: true })
    expect(running.output()).toBe('')
  })

  test('the session client of docs/sdks.md sends a message that the server stores', async ({ server, sessionId }) => {
    const output = await finishedDocExample(start(SESSION_CLIENT, 'ts', portOf(server.url), sessionId))
    expect(output).toContain('synced')
    expect(output).toContain("text: 'Summarise the thread'")
    const transcript = (await (await fetch(`${server.url}/v1/sessions/${sessionId}`)).json()) as {
      messages: { text: string; author: string }[]
    }
    expect(transcript.messages).toMatchObject([{ text: 'Summarise the thread', author: 'alice' }])
  })

  test('the on-device agent of docs/sdks.md answers offline and its reply reaches the server once', async ({
    server,
    sessionId,
  }) => {
    const output = await finishedDocExample(start(ON_DEVICE_AGENT, 'ts', portOf(server.url), sessionId))
    expect(output).toContain('written locally: done')
    const transcript = (await (await fetch(`${server.url}/v1/sessions/${sessionId}`)).json()) as {
      messages: { text: string; author: string; role: string }[]
    }
    expect(transcript.messages.map(({ author, role, text }) => ({ author, role, text }))).toEqual([
      { author: 'alice', role: 'user', text: 'What is 6 × 7?' },
      { author: 'alice/on-device', role: 'assistant', text: 'You asked “What is 6 × 7?”. The answer is 42.' },
    ])
  })

  test('the server of docs/operations.md starts on its SQLite file and closes', async ({ sessionId }) => {
    const port = await freePort()
    const running = start(SERVER_OPTIONS, 'ts', port, sessionId)
    const output = await finishedDocExample(running)
    expect(output.trim()).toBe(`http://127.0.0.1:${port} ws://127.0.0.1:${port}/v1/ws`)
    expect(existsSync(join(running.dir, 'data', 'lifeline.sqlite'))).toBe(true)
  })

  test('the message policy of docs/pipelines.md redacts an HTTP message and refuses a password', async ({
    sessionId,
  }) => {
    const output = await finishedDocExample(start(MESSAGE_POLICY, 'ts', await freePort(), sessionId))
    expect(output.trim().split('\n')).toEqual([
      '200 64',
      '422 do not share passwords here',
      "[ 'I am [email], call [phone]' ]",
    ])
  })

  test('the traced server and agent of docs/operations.md print the reply and its persist spans in one trace', async ({
    sessionId,
  }) => {
    const port = await freePort()
    const running = start(TRACES, 'ts', port, sessionId)
    // The agent's first sync created the session: its persist span is printed.
    await expect.poll(() => running.output(), { timeout: 10_000 }).toContain("name: 'lifeline.persist'")
    const user = createSessionClient({
      url: `ws://127.0.0.1:${port}/v1/ws`,
      sessionId,
      principalId: 'alice',
      WebSocket: NodeWebSocket,
    })
    onTestFinished(() => user.destroy())
    user.sendMessage('trace this')
    const reply = () => user.messages().find((message) => message.role === 'assistant')
    await expect.poll(() => reply()?.status, { timeout: 10_000 }).toBe('done')
    const traceId = String(findMessage(user.doc, reply()?.id ?? '')?.get('traceparent')).split('-')[1]
    await expect.poll(() => running.output(), { timeout: 10_000 }).toContain("name: 'lifeline.reply'")
    const spansOfTrace = running.output().split(`traceId: '${traceId}'`).length - 1
    expect(spansOfTrace).toBeGreaterThanOrEqual(3) // the reply and the persists of its opening and its end
  })

  test('the retention example of docs/operations.md creates a session with its own periods and sweeps', async ({
    sessionId,
  }) => {
    const port = await freePort()
    const running = start(RETENTION, 'ts', port, sessionId)
    const output = await finishedDocExample(running)
    // Nothing is finished a moment after it was written: the sweep looks at the new session and keeps it.
    expect(output.trim().split('\n')).toEqual(['201 {"deleteAfterSeconds":3600}', '1 0'])
    expect(existsSync(join(running.dir, 'data', 'lifeline.sqlite'))).toBe(true)
    expect(existsSync(join(running.dir, 'data', 'archive'))).toBe(false)
  })

  test('the curl commands of README.md create, read and rename sessions and read the event stream', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const user = connectClient({ principalId: 'alice' })
    user.sendMessage('hello over curl')
    await user.waitUntilDurable()
    const output = await finishedDocExample(start(README_CURL, 'sh', portOf(server.url), sessionId, { OFFSET: '-1' }))
    expect(output).toMatch(/"title":"Support chat"/)
    expect(output).toContain('hello over curl')
    expect(output).toMatch(/"title":"Renamed"/)
    expect(output).toContain('"type":"message.created"')
    expect(output).toMatch(/event: data\ndata:\[/)
    const transcript = (await (await fetch(`${server.url}/v1/sessions/${sessionId}`)).json()) as { title: string }
    expect(transcript.title).toBe('Renamed')
  })

  test('the curl commands of docs/operations.md list, read, audit and delete a session', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const user = connectClient({ principalId: 'alice' })
    user.sendMessage('to be erased')
    await user.waitUntilDurable()
    user.destroy()
    const output = await finishedDocExample(start(HTTP_API, 'sh', portOf(server.url), sessionId))
    expect(output).toMatch(/"title":"Support chat"/)
    expect(output).toContain(`"id":"${sessionId}"`)
    expect(output).toContain('to be erased')
    expect(output).toMatch(/"entries":\[\{"seq":1,/)
    expect((await fetch(`${server.url}/v1/sessions/${sessionId}`)).status).toBe(404)
  })

  test('the curl commands of docs/sdks.md read, follow and append to a session stream', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const user = connectClient({ principalId: 'alice' })
    const question = user.sendMessage('stream me')
    await user.waitUntilDurable()
    const port = portOf(server.url)
    const running = start(STREAM_CURL, 'sh', port, sessionId, { OFFSET: '-1' }, { '<user message id>': question })
    const output = await finishedDocExample(running)
    expect(output).toContain('"type":"message.created"')
    expect(output).toMatch(/event: data\ndata:\[/)
    await expect
      .poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 10_000 })
      .toMatchObject({ text: 'Hi', author: 'py-1' })
  })

  test('the subscription of docs/pipelines.md is created', async ({ server, sessionId }) => {
    const output = await finishedDocExample(start(SUBSCRIBE, 'sh', portOf(server.url), sessionId))
    expect(output).toContain('"type":"webhook"')
    const subscription = await fetch(`${server.url}${STREAM_ROUTE_PREFIX}__ds/subscriptions/my-pipeline`)
    expect(await subscription.json()).toMatchObject({ pattern: 'sessions/*' })
  })
})
