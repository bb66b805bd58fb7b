/**
 * With auth on (PROTOCOL.md §8), the everyday flows still work through real sockets and real SQLite: an agent
 * streams a reply, users send and steer, a stop stops, the agent marks steers handled, observers read, and the
 * HTTP transcript needs a bearer token. Identity in presence comes from the token.
 */
import { describe, expect } from 'vitest'
import { getSessionRoots, readSteer } from '../../shared/session/session-doc.ts'
import { expectedText, tokenAt } from '../../shared/testing/token-stream.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { AUTH_ON, fetchTranscript, tokenFor } from '../testing/test-tokens.ts'

const test = testWithStore('sqlite', AUTH_ON)

async function* numberedTokens(count: number): AsyncIterable<string> {
  for (let index = 0; index < count; index++) yield tokenAt(index)
}

function endlessTokens(signal: AbortSignal): AsyncIterable<string> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let index = 0; !signal.aborted; index++) {
        yield tokenAt(index)
        await new Promise<void>((resolve) => {
          setImmediate(resolve)
        })
      }
    },
  }
}

describe('auth on: legitimate flows', () => {
  test('an agent streams a reply to a user message and the stored transcript matches', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
    agent.onUserMessage(async (message) => {
      await agent.startReply({ replyTo: message.id }).pipe(numberedTokens(500))
    })
    const questionId = alice.sendMessage('count to 500')
    await expect
      .poll(() => alice.messages().find((message) => message.role === 'assistant')?.status, { timeout: 15_000 })
      .toBe('done')
    const reply = alice.messages().find((message) => message.role === 'assistant')
    expect(reply?.text).toBe(expectedText(500))
    expect(reply?.replyTo).toBe(questionId)
    await alice.waitUntilDurable()
    const { status, body } = await fetchTranscript(server.url, sessionId, tokenFor('alice', 'user', sessionId))
    expect(status).toBe(200)
    expect(body.messages?.map((message) => [message.role, message.author, message.text])).toEqual([
      ['user', 'alice', 'count to 500'],
      ['assistant', 'agent-1', expectedText(500)],
    ])
    expect(body.runs?.map((run) => [run.agent, run.state])).toEqual([['agent-1', 'done']])
  })

  test('a stop from a second device stops the reply and the agent marks the steer handled', async ({
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const token = tokenFor('alice', 'user', sessionId)
    const phone = connectClient({ principalId: 'alice', device: 'phone', token })
    const laptop = connectClient({ principalId: 'alice', device: 'laptop', token })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
    let outcome: Promise<string> | undefined
    agent.onUserMessage((message) => {
      const reply = agent.startReply({ replyTo: message.id })
      outcome = reply.pipe(endlessTokens(reply.signal))
    })
    phone.sendMessage('go on forever')
    const reply = () => laptop.messages().find((message) => message.role === 'assistant')
    await expect.poll(() => reply()?.text.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(500)
    const steerId = laptop.steer({ kind: 'stop', target: reply()?.id ?? '' })
    await expect.poll(() => outcome, { timeout: 5_000 }).toBeDefined()
    await expect(outcome).resolves.toBe('stopped')
    await expect
      .poll(() => phone.messages().find((message) => message.role === 'assistant')?.status, { timeout: 5_000 })
      .toBe('stopped')
    await expect
      .poll(() => getSessionRoots(phone.doc).steering.map(readSteer), { timeout: 5_000 })
      .toEqual([expect.objectContaining({ id: steerId, kind: 'stop', author: 'alice', handledBy: 'agent-1' })])
  })

  test('notes reach the agent once and are marked handled by it', async ({
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
    const seen: string[] = []
    agent.onSteer((steer) => {
      seen.push(`${steer.kind}:${steer.text ?? ''}`)
    })
    alice.steer({ kind: 'note', text: 'be brief' })
    await expect
      .poll(() => getSessionRoots(alice.doc).steering.map(readSteer)[0]?.handledBy, { timeout: 5_000 })
      .toBe('agent-1')
    expect(seen).toEqual(['note:be brief'])
    await alice.waitUntilDurable()
  })

  test('an observer reads the session live and is shown as an observer', async ({ sessionId, connectClient }) => {
    const alice = connectClient({ principalId: 'alice', device: 'laptop', token: tokenFor('alice', 'user', sessionId) })
    const watcher = connectClient({
      principalId: 'auditor',
      device: 'wall',
      token: tokenFor('auditor', 'observer', sessionId),
    })
    await Promise.all([alice.waitForSynced(), watcher.waitForSynced()])
    alice.sendMessage('hello watcher')
    await expect
      .poll(() => watcher.messages().map((message) => message.text), { timeout: 5_000 })
      .toEqual(['hello watcher'])
    await expect
      .poll(
        () =>
          alice
            .presence()
            .filter((member) => !member.self)
            .map((member) => `${member.principalId}/${member.device ?? ''}`),
        { timeout: 5_000 },
      )
      .toEqual(['auditor/wall'])
  })

  test('the HTTP API wants a bearer token scoped to the session', async ({ server, sessionId, connectClient }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    alice.sendMessage('private')
    await alice.waitUntilDurable()
    expect((await fetchTranscript(server.url, sessionId, undefined)).body.error?.code).toBe('UNAUTHORIZED')
    expect((await fetchTranscript(server.url, sessionId, tokenFor('alice', 'user', 'another-session'))).status).toBe(
      403,
    )
    const observer = await fetchTranscript(server.url, sessionId, tokenFor('auditor', 'observer', sessionId))
    expect(observer.body.messages?.map((message) => message.text)).toEqual(['private'])
    const list = await fetch(`${server.url}/v1/sessions`, {
      headers: { authorization: `Bearer ${tokenFor('alice', 'user', sessionId)}` },
    })
    expect(list.status).toBe(403)
    const listAll = await fetch(`${server.url}/v1/sessions`, {
      headers: { authorization: `Bearer ${tokenFor('admin', 'user', '*')}` },
    })
    expect(listAll.status).toBe(200)
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
  })
})
