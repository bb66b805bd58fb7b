/**
 * floodSessions: one agent per session, all piping numbered tokens as fast as they can (default coalescing) at
 * once. Durable tok/s = tokens ÷ (last `waitUntilDurable` resolved − first token produced); CPU time recorded too.
 */
import { createAgentSession, type AgentSession } from '../client/agent/agent-session.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'
import { startCpuMeter } from './cpu-meter.ts'
import { timedTokens } from './stream-plan.ts'

/** Outcome of one flood. */
export interface FloodResult {
  readonly tokens: number
  readonly elapsedMs: number
  readonly tokensPerSecond: number
  /** CPU time of this process (plus the PostgreSQL server's when charged), first token to all durable, in µs. */
  readonly cpuMicros: number
  /** Share of all CPUs that uncharged processes used meanwhile; undefined off Linux. */
  readonly othersCpuShare: number | undefined
  /** Updates the agents wrote for their replies: how their adaptive flushing batched the tokens. */
  readonly updates: number
}

/** What to flood and how long any wait may take. */
export interface FloodOptions {
  readonly url: string
  /** Session ids, one agent each. */
  readonly sessionIds: readonly string[]
  readonly tokensPerSession: number
  readonly timeoutMs: number
  /** Charge the local PostgreSQL server's CPU time to this run (the store under test is PostgreSQL). */
  readonly chargePostgresCpu: boolean
}

/** Connects one agent per session, floods them all at once and resolves once every token is durable. */
export async function floodSessions(options: FloodOptions): Promise<FloodResult> {
  const { url, sessionIds, tokensPerSession, timeoutMs, chargePostgresCpu } = options
  const agents: AgentSession[] = []
  try {
    const connected = await Promise.allSettled(
      sessionIds.map((sessionId, index) =>
        createAgentSession({
          url,
          sessionId,
          agentId: `flooder-${index}`,
          syncTimeoutMs: timeoutMs,
          ackTimeoutMs: timeoutMs,
        }),
      ),
    )
    for (const outcome of connected) if (outcome.status === 'fulfilled') agents.push(outcome.value)
    for (const outcome of connected) if (outcome.status === 'rejected') throw outcome.reason
    const sentAt = agents.map(() => new Float64Array(tokensPerSession))
    let updates = 0
    const countUpdate = (): void => {
      updates++
    }
    for (const agent of agents) agent.client.doc.on('update', countUpdate)
    const readCpu = startCpuMeter(chargePostgresCpu)
    const durableAt = await Promise.all(
      agents.map(async (agent, index) => {
        const ended = await agent
          .startReply()
          .pipe(
            asTokens(
              timedTokens(
                { scenario: 'flood', viewers: 0, tokens: tokensPerSession },
                sentAt[index] ?? new Float64Array(0),
              ),
            ),
          )
        if (ended !== 'done') throw new Error(`flood reply in ${agent.client.sessionId} ended ${ended}`)
        await agent.client.waitUntilDurable(timeoutMs)
        return performance.now()
      }),
    )
    const { cpuMicros, othersCpuShare } = readCpu()
    for (const agent of agents) agent.client.doc.off('update', countUpdate)
    const firstToken = Math.min(...sentAt.map((times) => times[0] ?? Number.POSITIVE_INFINITY))
    const elapsedMs = Math.max(...durableAt) - firstToken
    const tokens = tokensPerSession * sessionIds.length
    return { tokens, elapsedMs, tokensPerSecond: tokens / (elapsedMs / 1000), cpuMicros, othersCpuShare, updates }
  } finally {
    await Promise.allSettled(agents.map((agent) => agent.close()))
  }
}

async function* asTokens(indices: AsyncIterable<number>): AsyncGenerator<string> {
  for await (const index of indices) yield tokenAt(index)
}
