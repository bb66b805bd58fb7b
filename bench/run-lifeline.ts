/**
 * runLifeline: the system under test. A real session server (SQLite, persist-before-ack) in a temporary folder,
 * one agent streaming numbered tokens into one reply through the agent SDK, and K viewer clients that stamp a
 * token when their copy of the reply text first reaches its end offset.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { createAgentSession, type AgentSession } from '../client/agent/agent-session.ts'
import { createSessionClient, type SessionClient } from '../client/core/session-client.ts'
import { createSessionServer } from '../server/session-server.ts'
import { getSessionRoots } from '../shared/session/session-doc.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'
import { createArrivalTracker, type StreamStats } from './arrival-tracker.ts'
import { timedTokens, type StreamPlan } from './stream-plan.ts'

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
      watchReplyLength(viewer, (length) => {
        let count = tracker.received(index)
        while (count < plan.tokens && (tokenEnds[count] ?? Number.POSITIVE_INFINITY) <= length) count++
        tracker.markReceived(index, count, performance.now())
      })
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

/** End offset in the reply text of each numbered token. */
function tokenEndOffsets (count: number): Int32Array {
  const ends = new Int32Array(count)
  let offset = 0
  for (let index = 0; index < count; index++) {
    offset += tokenAt(index).length
    ends[index] = offset
  }
  return ends
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

async function * asTokens (indices: AsyncIterable<number>): AsyncGenerator<string> {
  for await (const index of indices) yield tokenAt(index)
}

function reportError (error: unknown): void {
  console.error('[lifeline]', error)
}
