/**
 * Stop steering: a person's `stop` from another device aborts the agent's in-flight generation through its
 * AbortSignal; the reply ends `stopped` keeping exactly the tokens written before the stop, and the steer is
 * handled exactly once.
 */
import { describe, expect } from 'vitest'
import { getSessionRoots, readSteer } from '../../shared/session/session-doc.ts'
import { expectedText, tokenAt } from '../../shared/testing/token-stream.ts'
import { test } from '../testing/fixtures.ts'

/**
 * Numbered tokens, one per macrotask, counting what was handed out; after `pauseAfter` tokens the source waits, still
 * in flight, until it is aborted, so a stop always lands mid-generation however slow the machine is.
 */
function tokensUntilAborted(
  signal: AbortSignal,
  produced: { count: number },
  pauseAfter: number,
): AsyncIterable<string> {
  return {
    async *[Symbol.asyncIterator]() {
      while (!signal.aborted && produced.count < pauseAfter) {
        yield tokenAt(produced.count++)
        await new Promise<void>((resolve) => {
          setImmediate(resolve)
        })
      }
      if (signal.aborted) return
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true })
      })
    },
  }
}

describe('stop steering', () => {
  test('a stop from another device during a long stream aborts it and keeps exactly the tokens written', async ({
    connectClient,
    connectAgent,
  }) => {
    const phone = connectClient({ device: 'phone' })
    const laptop = connectClient({ device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const agent = await connectAgent()
    const produced = { count: 0 }
    let aborted = false
    let outcome: Promise<string> | undefined
    agent.onUserMessage((message) => {
      const reply = agent.startReply({ replyTo: message.id })
      reply.signal.addEventListener('abort', () => {
        aborted = true
      })
      outcome = reply.pipe(tokensUntilAborted(reply.signal, produced, 5_000))
    })
    phone.sendMessage('write a long reply')
    const reply = () => laptop.messages().find((message) => message.role === 'assistant')
    await expect.poll(() => reply()?.text.length ?? 0, { timeout: 20_000 }).toBeGreaterThan(expectedText(200).length)
    const steerId = laptop.steer({ kind: 'stop', target: reply()?.id ?? '' })
    await expect.poll(() => outcome, { timeout: 5_000 }).toBeDefined()
    await expect(outcome).resolves.toBe('stopped')
    expect(aborted).toBe(true)
    // How fast a stop lands is measured by npm run bench:steer.
    await expect.poll(() => reply()?.status, { timeout: 5_000 }).toBe('stopped')
    const text = reply()?.text ?? ''
    expect(text).toBe(expectedText(produced.count).slice(0, text.length))
    expect(text.endsWith(' ')).toBe(true)
    await phone.waitForSynced()
    await expect
      .poll(() => phone.messages().find((message) => message.role === 'assistant')?.status, { timeout: 5_000 })
      .toBe('stopped')
    expect(phone.messages().find((message) => message.role === 'assistant')?.text).toBe(text)
    expect(agent.client.messages().find((message) => message.role === 'assistant')?.text).toBe(text)
    const steers = getSessionRoots(laptop.doc).steering.map(readSteer)
    await expect
      .poll(() => getSessionRoots(laptop.doc).steering.map(readSteer)[0]?.handledBy, { timeout: 5_000 })
      .toBe('agent-1')
    expect(steers.map((steer) => steer.id)).toEqual([steerId])
  })

  test('a stop for a finished reply is marked handled with nothing to stop, once', async ({
    connectClient,
    connectAgent,
  }) => {
    const user = connectClient()
    await user.waitForSynced()
    const first = await connectAgent()
    const reply = first.startReply()
    reply.append('all done ')
    await reply.end()
    await user.waitForSynced()
    await expect.poll(() => user.messages()[0]?.status, { timeout: 5_000 }).toBe('done')
    user.steer({ kind: 'stop', target: reply.id })
    await expect
      .poll(() => getSessionRoots(user.doc).steering.map(readSteer)[0]?.handledBy, { timeout: 5_000 })
      .toBe('agent-1')
    const handledAt = getSessionRoots(user.doc).steering.map(readSteer)[0]?.handledAt
    await first.close()
    const second = await connectAgent()
    await second.client.waitUntilDurable()
    expect(getSessionRoots(second.client.doc).steering.map(readSteer)[0]?.handledAt).toBe(handledAt)
    expect(user.messages()[0]?.text).toBe('all done ')
  })
})

describe('steers while the agent is away', () => {
  test('steers posted while no agent is connected are handled once when it returns', async ({
    connectClient,
    connectAgent,
  }) => {
    const user = connectClient()
    await user.waitForSynced()
    const first = await connectAgent()
    const reply = first.startReply()
    reply.append('partial ')
    await reply.end()
    await first.close()
    const note = user.steer({ kind: 'note', text: 'written while the agent was away' })
    const stop = user.steer({ kind: 'stop', target: reply.id })
    await user.waitUntilDurable()
    const returned = await connectAgent()
    const delivered: string[] = []
    returned.onSteer((steer) => {
      delivered.push(steer.id)
    })
    const handled = () =>
      getSessionRoots(user.doc)
        .steering.map(readSteer)
        .map((steer) => `${steer.id}:${steer.handledBy ?? '-'}`)
    await expect.poll(handled, { timeout: 5_000 }).toEqual([`${note}:agent-1`, `${stop}:agent-1`])
    expect(delivered).toEqual([note])
    await returned.close()
    const again = await connectAgent()
    const redelivered: string[] = []
    again.onSteer((steer) => {
      redelivered.push(steer.id)
    })
    await again.client.waitUntilDurable()
    expect(redelivered).toEqual([])
  })
})

describe('redirect and note steers', () => {
  test('a redirect stops the reply, reaches onSteer once, and is not redelivered to a restarted agent', async ({
    connectClient,
    connectAgent,
  }) => {
    const user = connectClient()
    await user.waitForSynced()
    const first = await connectAgent()
    const received: string[] = []
    first.onSteer((steer) => {
      received.push(`${steer.kind}:${steer.text ?? ''}`)
    })
    const reply = first.startReply()
    const produced = { count: 0 }
    const outcome = reply.pipe(tokensUntilAborted(reply.signal, produced, 5_000))
    await expect.poll(() => user.messages()[0]?.text.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(200)
    user.steer({ kind: 'redirect', target: reply.id, text: 'answer in French' })
    user.steer({ kind: 'note', text: 'I am on my phone' })
    await expect(outcome).resolves.toBe('stopped')
    await expect
      .poll(() => received, { timeout: 5_000 })
      .toEqual(['redirect:answer in French', 'note:I am on my phone'])
    await first.close()
    const second = await connectAgent()
    const redelivered: string[] = []
    second.onSteer((steer) => {
      redelivered.push(steer.id)
    })
    const afterRestart = user.steer({ kind: 'note', text: 'after the restart' })
    await expect.poll(() => redelivered, { timeout: 5_000 }).toEqual([afterRestart])
    // The agent marks the steer handled after onSteer: wait for that mark to reach the user.
    await expect
      .poll(() =>
        getSessionRoots(user.doc)
          .steering.map(readSteer)
          .map((steer) => steer.handledBy),
      )
      .toEqual(['agent-1', 'agent-1', 'agent-1'])
  })
})
