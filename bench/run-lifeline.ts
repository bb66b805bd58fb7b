/**
 * runLifeline: the system under test. A real session server (SQLite, persist-before-ack) in a temporary folder,
 * one agent streaming numbered tokens into one reply through the agent SDK, and K viewer clients that stamp a
 * token when their copy of the reply text first reaches its end offset.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { createAgentSession, type AgentSession } from '../client/agent/agent-session.ts'
import { createSessionClient, type SessionClient } from '../client/core/session-client.ts'
import { createSessionServer } from '../server/session-server.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'
import { createArrivalTracker, type StreamStats } from './arrival-tracker.ts'
import { timedTokens, type StreamPlan } from './stream-plan.ts'
import { tokenEndOffsets, trackArrivals } from './watch-reply-length.ts'

const SESSION_ID = 'bench-stream'
const CONNECT_TIMEOUT_MS = 30_000

/** Agent SDK tuning of one Lifeline run. */
export interface LifelineTuning {
  /** coalesceMs of the reply writer (SDK default 30). */
  readonly coalesceMs?: number
}

/** Runs `plan` through a Lifeline server and returns its latency and throughput. */
export async function runLifeline (plan: StreamPlan, tuning: LifelineTuning, deliveryTimeoutMs: number): Promise<StreamStats> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-'))
  const server = await createSessionServer({ port: 0, dataPath: join(dir, 'bench.sqlite'), onError: reportError })
  const viewers: SessionClient[] = []
  let agent: AgentSession | undefined
  try {
    agent = await createAgentSession({
      url: server.websocketUrl, sessionId: SESSION_ID, agentId: 'bench-agent', syncTimeoutMs: CONNECT_TIMEOUT_MS,
      ...(tuning.coalesceMs === undefined ? {} : { coalesceMs: tuning.coalesceMs }),
    })
    for (let viewer = 0; viewer < plan.viewers; viewer++) {
      viewers.push(createSessionClient({ url: server.websocketUrl, sessionId: SESSION_ID, principalId: `viewer-${viewer}`, WebSocket }))
    }
    await Promise.all(viewers.map((viewer) => viewer.waitForSynced(CONNECT_TIMEOUT_MS)))

    const tracker = createArrivalTracker(plan.viewers, plan.tokens)
    const tokenEnds = tokenEndOffsets(plan.tokens)
    viewers.forEach((viewer, index) => {
      viewer.on('error', reportError)
      trackArrivals(viewer, index, tracker, tokenEnds)
    })

    const sentAt = new Float64Array(plan.tokens)
    const ended = await agent.startReply().pipe(asTokens(timedTokens(plan, sentAt)))
    if (ended !== 'done') throw new Error(`reply ended ${ended}`)
    await tracker.waitForAll(deliveryTimeoutMs)
    return tracker.stats(sentAt)
  } finally {
    for (const viewer of viewers) viewer.destroy()
    await agent?.close().catch(reportError)
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function * asTokens (indices: AsyncIterable<number>): AsyncGenerator<string> {
  for await (const index of indices) yield tokenAt(index)
}

function reportError (error: unknown): void {
  console.error('[lifeline]', error)
}
