/**
 * lifelineSystem: driver of Lifeline through its own SDKs: the producer is an agent session streaming one reply
 * (`startReply().pipe`, default flushing and flow control; `lifelineWindowSystem` with the fixed 30 ms window); a viewer is a session client over WebSocket that
 * reports the length of the assistant reply (the sum of its text parts) and resumes by state vector.
 */
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { watchReplyLength } from '../watch-reply-length.ts'
import type { FlushMode } from '../../client/agent/flush-policy.ts'
import type { BenchSystem, SystemName } from './bench-system.ts'
import { countingWebSocket, type ByteCounter } from './counting-web-socket.ts'

const SYNC_TIMEOUT_MS = 30_000

/** The Lifeline driver (adaptive flushing, the default). */
export const lifelineSystem: BenchSystem = lifelineDriver('lifeline', 'adaptive')

/** The Lifeline driver with the reply writer's fixed coalescing window. */
export const lifelineWindowSystem: BenchSystem = lifelineDriver('lifeline-window', 'window')

/** The Lifeline driver against a server with a no-op message policy and no hold-back (serve-system.ts). */
export const lifelinePolicySystem: BenchSystem = lifelineDriver('lifeline-policy', 'adaptive')

/** The Lifeline driver against a server with a no-op message policy and the default hold-back. */
export const lifelinePolicyHoldSystem: BenchSystem = lifelineDriver('lifeline-policy-hold', 'adaptive')

function lifelineDriver(name: SystemName, flushMode: FlushMode): BenchSystem {
  return {
    name,
    async openProducer(url, streamId) {
      const agent = await createAgentSession({
        url,
        sessionId: streamId,
        agentId: 'bench-agent',
        syncTimeoutMs: SYNC_TIMEOUT_MS,
        ackTimeoutMs: SYNC_TIMEOUT_MS,
        flushMode,
      })
      let writes = 0
      const countWrite = (): void => {
        writes++
      }
      return {
        get writes() {
          return writes
        },
        async stream(tokens) {
          writes = 0
          agent.client.doc.on('update', countWrite)
          try {
            const ended = await agent.startReply().pipe(tokens)
            if (ended !== 'done') throw new Error(`Lifeline reply ended ${ended}`)
          } finally {
            agent.client.doc.off('update', countWrite)
          }
        },
        close: () => agent.close(),
      }
    },
    async openViewer(url, streamId, onLength, { idle = false } = {}) {
      const counter: ByteCounter = { bytes: 0 }
      const client = createSessionClient({
        url,
        sessionId: streamId,
        principalId: 'bench-viewer',
        WebSocket: countingWebSocket(counter),
        transport: false,
        ...(idle ? { heartbeat: false as const } : {}),
      })
      watchReplyLength(client, onLength)
      try {
        await client.waitForSynced(SYNC_TIMEOUT_MS)
      } catch (error) {
        client.destroy() // a client left behind would keep reconnecting
        throw error
      }
      return {
        get bytesReceived() {
          return counter.bytes
        },
        pause() {
          client.disconnect()
        },
        resume() {
          client.connect()
        },
        async close() {
          client.destroy()
        },
      }
    },
  }
}
