/**
 * The Python examples of README.md, docs/sdks.md and docs/python.md, run with python3 as a user would after copying
 * them (the SDK from `python/src`), against a real server with auth on. Fragments run between a prelude that defines
 * the names they use (a token, a stand-in `model`, a session) and, where they print nothing, an epilogue that
 * reports what they did; each test asserts on the reply or presence it produced. The docs' two example programs are
 * run by `python/tests/test_examples.py`; `pip install ./python` by `docs-slow-examples.test.ts`.
 */
import { describe, expect, onTestFinished } from 'vitest'
import { finishedDocExample } from '../testing/finished-doc-example.ts'
import { docExample } from '../testing/docs-examples.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { type DocExampleRun, type RunningDocExample, runDocExample } from '../testing/run-doc-example.ts'
import { AUTH_ON, fetchTranscript, tokenFor } from '../testing/test-tokens.ts'

const test = testWithStore('sqlite', AUTH_ON)

/** A stand-in for the docs' `model`: three tokens, from `stream` and from the asyncio `astream`. */
const MODEL = `
class model:
    @staticmethod
    def stream(prompt):
        yield from ["Hello ", "from ", "a model"]

    @staticmethod
    async def astream(prompt):
        for token in ["Hello ", "from ", "a model"]:
            yield token

`

/** A model's token stream. */
async function* tokens(words: readonly string[]): AsyncGenerator<string> {
  yield* words
}

/** Starts a Python example against the test's server and stops it when the test ends. */
function start(run: Omit<DocExampleRun, 'lang'>): RunningDocExample {
  const running = runDocExample({ ...run, lang: 'python' })
  onTestFinished(() => running.stop())
  return running
}

const AGENTS = [
  {
    doc: 'docs/python.md',
    name: 'python-agent',
    prelude: (token: string) => `mint_agent_token = lambda: "${token}"\n`,
  },
  { doc: 'docs/sdks.md', name: 'python-agent', prelude: (token: string) => `agent_token = "${token}"\n` },
  { doc: 'docs/python.md', name: 'python-asyncio', prelude: (token: string) => `agent_token = "${token}"\n` },
]

// Each test starts tsx or python3 in a process of its own, which imports the SDK (and `ai`) before it runs: a few
// seconds, more on a loaded machine.
describe('the Python docs examples', { timeout: 30_000 }, () => {
  for (const { doc, name, prelude } of AGENTS) {
    test(`the agent ${name} of ${doc} answers a user message`, async ({ server, sessionId, connectClient }) => {
      const port = Number(new URL(server.url).port)
      const token = tokenFor('py-agent', 'agent', sessionId)
      const running = start({ code: docExample(doc, name), port, sessionId, prelude: MODEL + prelude(token) })
      const user = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
      await user.waitForSynced()
      user.sendMessage('hello')
      await expect
        .poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 20_000 })
        .toMatchObject({ text: 'Hello from a model', status: 'done', author: 'py-agent' })
      expect(running.errors()).toBe('')
    })
  }

  test('the reply of README.md answers the question it is given', async ({ server, sessionId, connectClient }) => {
    const user = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    const question = user.sendMessage('hello')
    await user.waitUntilDurable()
    const token = tokenFor('py-agent', 'agent', sessionId)
    const prelude = `from lifeline import Session\nsession = Session("http://127.0.0.1:8787", "s_abc", token="${token}")\nquestion = "${question}"\n`
    const port = Number(new URL(server.url).port)
    await finishedDocExample(
      start({ code: docExample('README.md', 'python-reply'), port, sessionId, prelude: MODEL + prelude }),
    )
    await expect
      .poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 20_000 })
      .toMatchObject({ text: 'Hello from a model', status: 'done', replyTo: question })
  })

  test('the user of docs/python.md asks, prints the streamed answer and stops it', async ({
    server,
    sessionId,
    connectAgent,
  }) => {
    const agent = await connectAgent({ agentId: 'writer', token: tokenFor('writer', 'agent', sessionId) })
    agent.onUserMessage(async (message) => {
      await agent.startReply({ replyTo: message.id }).pipe(tokens(['It ', 'is ', 'summarised.']))
    })
    const prelude = `from lifeline import Session\nalice_token = "${tokenFor('alice', 'user', sessionId)}"\n`
    const port = Number(new URL(server.url).port)
    const output = await finishedDocExample(
      start({ code: docExample('docs/python.md', 'python-user'), port, sessionId, prelude }),
    )
    expect(output).toBe('It is summarised.')
    const transcript = agent.client.messages()
    expect(transcript.map((message) => [message.role, message.text])).toEqual([
      ['user', 'Summarise the thread'],
      ['assistant', 'It is summarised.'],
    ])
    const { body } = await fetchTranscript(server.url, sessionId, tokenFor('alice', 'user', sessionId))
    expect(body.steering?.map((steer) => [steer.kind, steer.target, steer.author])).toEqual([
      ['stop', transcript[1]?.id, 'alice'],
    ])
  })

  test('the presence example of docs/python.md reports a user who left', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const bob = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
    bob.sendMessage('the session exists')
    await bob.waitUntilDurable()
    bob.destroy()
    const prelude = [
      'import threading',
      'from lifeline import Session',
      `agent = Session("http://127.0.0.1:8787", "s_abc", token="${tokenFor('py-agent', 'agent', sessionId)}", user_left_grace_s=0.2)`,
      `user = Session("http://127.0.0.1:8787", "s_abc", token="${tokenFor('alice', 'user', sessionId)}", role="user")`,
      'left = threading.Event()',
      'agent.on_presence(lambda change: change.type == "user-left" and left.set())',
      '',
    ].join('\n')
    // The fragment's `with user.present(): ...` announces the device and leaves at once; the epilogue waits for it.
    const epilogue = 'assert left.wait(10), "no user-left"\nagent.close()\nuser.close()\n'
    const port = Number(new URL(server.url).port)
    const code = docExample('docs/python.md', 'python-presence')
    const output = await finishedDocExample(start({ code, port, sessionId, prelude, epilogue }))
    expect(output).toMatch(/^user-left alice \[\]$/m)
  })
})
