/**
 * lifelineSystem: driver of Lifeline through its own SDKs: the producer is an agent session streaming one reply
 * (`startReply().pipe`, default coalescing and flow control); a viewer is a session client over WebSocket that
 * reports the length of the assistant reply (the sum of its text parts) and resumes by state vector.
 */
import * as Y from 'yjs'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import { getSessionRoots } from '../../shared/session/session-doc.ts'
import type { BenchSystem } from './bench-system.ts'
import { countingWebSocket, type ByteCounter } from './counting-web-socket.ts'

const SYNC_TIMEOUT_MS = 30_000

/** The Lifeline driver. */
export const lifelineSystem: BenchSystem = {
  name: 'lifeline',
  async openProducer (url, streamId) {
    const agent = await createAgentSession({ url, sessionId: streamId, agentId: 'bench-agent', syncTimeoutMs: SYNC_TIMEOUT_MS, ackTimeoutMs: SYNC_TIMEOUT_MS })
    return {
      async stream (tokens) {
        const ended = await agent.startReply().pipe(tokens)
        if (ended !== 'done') throw new Error(`Lifeline reply ended ${ended}`)
      },
      close: () => agent.close(),
    }
  },
  async openViewer (url, streamId, onLength) {
    const counter: ByteCounter = { bytes: 0 }
    const client = createSessionClient({ url, sessionId: streamId, principalId: 'bench-viewer', WebSocket: countingWebSocket(counter), transport: false })
    watchReplyLength(client, onLength)
    try {
      await client.waitForSynced(SYNC_TIMEOUT_MS)
    } catch (error) {
      client.destroy() // a client left behind would keep reconnecting
      throw error
    }
    return {
      get bytesReceived () { return counter.bytes },
      pause () { client.disconnect() },
      resume () { client.connect() },
      async close () { client.destroy() },
    }
  },
}

/**
 * Calls `onLength` with the length of the session's assistant reply after every transaction on the client's
 * document. Reads only the lengths of the reply's Y.Text parts, never the text itself.
 */
function watchReplyLength (client: SessionClient, onLength: (length: number) => void): void {
  const { messages } = getSessionRoots(client.doc)
  let reply: Y.Map<unknown> | undefined
  client.on('change', () => {
    reply ??= messages.toArray().find((message) => message.get('role') === 'assistant')
    const parts = reply?.get('parts')
    if (!(parts instanceof Y.Array)) return
    let length = 0
    for (const part of parts) {
      const text = part instanceof Y.Map ? part.get('text') : undefined
      if (text instanceof Y.Text) length += text.length
    }
    onLength(length)
  })
}
