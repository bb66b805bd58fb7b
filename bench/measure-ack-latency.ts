/**
 * measureAckLatency: one agent writes one token at a time — append, flush (one update on the wire), await
 * `waitUntilDurable` — and reports flush→durable percentiles via the stream bench's ArrivalTracker.
 */
import { createAgentSession } from '../client/agent/agent-session.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'
import { createArrivalTracker, type StreamStats } from './arrival-tracker.ts'

/** Runs the closed loop against the session `sessionId` at `url`. */
export async function measureAckLatency(options: {
  url: string
  sessionId: string
  updates: number
  timeoutMs: number
}): Promise<StreamStats> {
  const { url, sessionId, updates, timeoutMs } = options
  const agent = await createAgentSession({
    url,
    sessionId,
    agentId: 'ack-probe',
    syncTimeoutMs: timeoutMs,
    ackTimeoutMs: timeoutMs,
  })
  try {
    const reply = agent.startReply()
    await agent.client.waitUntilDurable(timeoutMs) // the reply's opening transaction is not a sample
    const tracker = createArrivalTracker(1, updates)
    const flushedAt = new Float64Array(updates)
    for (let index = 0; index < updates; index++) {
      reply.append(tokenAt(index))
      flushedAt[index] = performance.now()
      reply.flush()
      await agent.client.waitUntilDurable(timeoutMs)
      tracker.markReceived(0, index + 1, performance.now())
    }
    await reply.end()
    return tracker.stats(flushedAt)
  } finally {
    await agent.close()
  }
}
