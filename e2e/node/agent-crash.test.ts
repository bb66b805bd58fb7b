/**
 * An agent that vanishes mid-reply leaves a run that the server marks `interrupted` once its
 * lease runs out, visible to every client; a restarted agent (a new Yjs clientID) resumes the same reply.
 */
import { describe, expect } from 'vitest'
import { getSessionRoots } from '../../shared/session/session-doc.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { STORE_KINDS } from '../testing/test-store.ts'

const LEASE_MS = 600

describe.each(STORE_KINDS)('agent crash on %s', (kind) => {
  const test = testWithStore(kind, { runLeaseMs: LEASE_MS })

  test('interrupts the run within the lease and lets a restarted agent resume the reply', async ({
    connectClient,
    connectAgent,
  }) => {
    const viewer = connectClient()
    await viewer.waitForSynced()
    const crashed = await connectAgent({ heartbeatMs: 100 })
    const question = viewer.sendMessage('write a long answer')
    const partial = crashed.startReply({ replyTo: question })
    partial.append(expectedText(50))
    partial.flush()
    await crashed.client.waitUntilDurable()
    const crashedClientId = crashed.client.doc.clientID
    crashed.client.destroy() // the process is gone: no end(), no more heartbeats
    const reply = () => viewer.messages().find((message) => message.role === 'assistant')
    await expect.poll(() => reply()?.status, { timeout: 10_000 }).toBe('interrupted')
    // Not before the lease ran out: the server ends a run no earlier than LEASE_MS after it last saw the agent's
    // heartbeat, which the agent stamped before sending (both on this machine's clock; how fast it is detected is a
    // matter for the benches, not this test).
    const [run] = [...getSessionRoots(viewer.doc).runs.values()]
    expect(run?.get('state')).toBe('interrupted')
    expect(Number(run?.get('endedAt')) - Number(run?.get('heartbeatAt'))).toBeGreaterThanOrEqual(LEASE_MS)
    expect(reply()?.text).toBe(expectedText(50))

    const restarted = await connectAgent({ heartbeatMs: 100 })
    expect(restarted.client.doc.clientID).not.toBe(crashedClientId)
    const redelivered: string[] = []
    restarted.onUserMessage((message) => {
      redelivered.push(message.id)
    })
    expect(restarted.interruptedReplies().map((message) => message.id)).toEqual([partial.id])
    const resumed = restarted.resumeReply(partial.id)
    await expect(resumed.pipe(numberedTokens(100))).resolves.toBe('done')
    await expect.poll(() => reply()?.status, { timeout: 5_000 }).toBe('done')
    expect(reply()?.text).toBe(expectedText(50) + expectedText(100))
    const transcript = viewer.messages()
    expect(transcript).toHaveLength(2)
    expect(redelivered).toEqual([])
    expect(() => restarted.resumeReply(partial.id)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
  })

  test("keeps a live agent's run running past the lease while it sends heartbeats", async ({
    connectClient,
    connectAgent,
  }) => {
    const viewer = connectClient()
    await viewer.waitForSynced()
    const agent = await connectAgent({ heartbeatMs: 100 })
    const writer = agent.startReply()
    writer.append('thinking ')
    const heartbeats = (): number => Number(getSessionRoots(viewer.doc).runs.get(writer.runId)?.get('heartbeatAt') ?? 0)
    await expect.poll(heartbeats, { timeout: 5_000 }).toBeGreaterThan(0)
    const first = heartbeats()
    await expect.poll(heartbeats, { timeout: 5_000 }).toBeGreaterThan(first + 2 * LEASE_MS)
    expect(viewer.messages().find((message) => message.role === 'assistant')?.status).toBe('streaming')
    await writer.end()
    await expect
      .poll(() => viewer.messages().find((message) => message.role === 'assistant')?.status, { timeout: 5_000 })
      .toBe('done')
  })
})
