/**
 * Persist-before-ack for the server's own changes (PROTOCOL.md §3): when the run lease marks a crashed agent's run
 * `interrupted`, no client sees that change before it is in the log, and a change whose append fails is never
 * seen at all (it is retried on the next lease check).
 *
 * Flow: an agent writes part of a reply and vanishes; the log holds back (or fails) the append of the server's
 * change; a viewer completes a round trip through the server (its own message, acknowledged) — any broadcast of
 * the server change would have reached it first — and still sees `streaming`; once the append goes through,
 * the viewer sees `interrupted`.
 * What this catches: a server change applied to the live document (and so broadcast) before its append.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import type { UpdateLog } from '../../server/persistence/update-log.ts'
import { interceptAppends } from '../testing/intercept-appends.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'

const LEASE_MS = 400

/** A log whose appends of updates written by none of `clientIds()` (so by the server) wait for `release` or fail on `failAll`. */
function holdServerAppends(log: UpdateLog, clientIds: () => readonly number[]) {
  let held: Array<{ go: () => void; fail: (error: Error) => void }> = []
  let heldCount = 0
  const isServerUpdate = (update: Uint8Array): boolean => {
    const clients = clientIds()
    return clients.length > 0 && Y.decodeUpdate(update).structs.some((struct) => !clients.includes(struct.id.client))
  }
  const gated = interceptAppends(log, async (_sessionId, updates) => {
    if (!updates.some(isServerUpdate)) return
    heldCount++
    await new Promise<void>((resolve, reject) => {
      held.push({ go: resolve, fail: reject })
    })
  })
  return {
    log: gated,
    heldCount: () => heldCount,
    release: () => {
      for (const entry of held) entry.go()
      held = []
    },
    failAll: () => {
      for (const entry of held) entry.fail(new Error('disk full'))
      held = []
    },
  }
}

describe('server changes', () => {
  const test = testWithStore('sqlite')

  test('reach clients only after their append, and never when it fails', async ({ store, startServer, sessionId }) => {
    let clientIds: number[] = []
    const gate = holdServerAppends(await store.open(), () => clientIds)
    const errors: unknown[] = []
    const server = await startServer({
      updateLog: gate.log,
      runLeaseMs: LEASE_MS,
      onError: (error) => {
        errors.push(error)
      },
    })
    const viewer = createSessionClient({
      url: server.websocketUrl,
      sessionId,
      principalId: 'user-1',
      WebSocket: NodeWebSocket,
    })
    const agent = await createAgentSession({
      url: server.websocketUrl,
      sessionId,
      agentId: 'agent-1',
      heartbeatMs: 100,
    })
    try {
      await viewer.waitForSynced()
      clientIds = [viewer.doc.clientID, agent.client.doc.clientID]
      const reply = agent.startReply({ replyTo: viewer.sendMessage('question') })
      reply.append('partial answer')
      reply.flush()
      await agent.client.waitUntilDurable()
      agent.client.destroy() // crashed: no more heartbeats
      const status = (): string | undefined => viewer.messages().find((message) => message.id === reply.id)?.status

      await expect.poll(gate.heldCount, { timeout: 10_000 }).toBe(1)
      gate.failAll()
      await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0)
      await expect.poll(gate.heldCount, { timeout: 10_000 }).toBe(2) // the next lease check tries again
      viewer.sendMessage('round trip behind any broadcast')
      await viewer.waitUntilDurable()
      expect(status()).toBe('streaming')

      gate.release()
      await expect.poll(status, { timeout: 5_000 }).toBe('interrupted')
      const stored = await store.open()
      try {
        const { entries } = await stored.load(sessionId)
        const lastEntry = entries.at(-1)
        expect(
          lastEntry &&
            Y.decodeUpdate(lastEntry.update).structs.every((struct) => !clientIds.includes(struct.id.client)),
        ).toBe(true)
      } finally {
        await stored.close()
      }
    } finally {
      viewer.destroy()
      await agent.close()
    }
  })
})
