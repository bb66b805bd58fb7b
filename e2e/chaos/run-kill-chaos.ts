/**
 * The kill -9 harness: an agent streams numbered tokens through a server process that is killed with
 * SIGKILL at seeded random points and restarted on the same port and store, while viewers stay connected.
 * After every kill, storage is read directly and must hold every token the agent had seen acknowledged; at the
 * end the agent, every viewer and storage must hold each token exactly once, in order.
 */
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { createSeededRandom } from '../../shared/testing/seeded-random.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import type { UpdateLog } from '../../server/persistence/update-log.ts'
import { countDuplicates, countMissing, countTokens, storedText, textOf, waitForText } from './replica-text.ts'
import { startServerProcess, type ServerProcess } from './server-process.ts'

/** Options of {@link runKillChaos}. */
export interface KillChaosOptions {
  /** How many times the server is killed. */
  readonly kills: number
  /** LIFELINE_STORE of the server process. */
  readonly store: string
  /** Opens the same store from this process, to inspect it while the server is dead. */
  readonly openLog: () => Promise<UpdateLog>
  readonly seed: number
  /** Tokens streamed (default 60 per kill, at least 2000). */
  readonly tokens?: number
  readonly viewers?: number
  readonly log?: (line: string) => void
}

/** What the harness observed. */
export interface KillChaosResult {
  readonly seed: number
  readonly kills: number
  readonly tokens: number
  /** Tokens the agent had seen acknowledged at the last kill. */
  readonly acked: number
  /** Acknowledged tokens missing from storage right after a kill, summed over kills. */
  readonly lost: number
  /** Extra copies of tokens, summed over the agent, viewers and storage at the end. */
  readonly duplicated: number
  /** Replicas (agent, viewers, storage) whose final text differs from the expected text. */
  readonly divergent: number
  /** What the agent's client reported as errors (code, reason, message, details): a refused update, for one. */
  readonly agentErrors: readonly string[]
}

const CHECKPOINT_EVERY_TOKENS = 100

/** Runs the harness; the caller checks `lost`, `duplicated` and `divergent` are 0. */
export async function runKillChaos(options: KillChaosOptions): Promise<KillChaosResult> {
  const run: ChaosRun = { server: await startServerProcess({ store: options.store, port: 0 }), closers: [] }
  try {
    return await streamThroughKills(options, run)
  } finally {
    for (const close of run.closers) close()
    await run.server.kill()
  }
}

/** What a run has running, ended whether it succeeds or fails: the current server process and the clients. */
interface ChaosRun {
  server: ServerProcess
  /** Close the clients. */
  readonly closers: Array<() => void>
}

/** The run itself; each restart replaces `run.server`. */
async function streamThroughKills(options: KillChaosOptions, run: ChaosRun): Promise<KillChaosResult> {
  const { closers } = run
  const log = options.log ?? (() => undefined)
  const random = createSeededRandom(options.seed)
  const tokenCount = options.tokens ?? Math.max(2_000, options.kills * 60)
  const port = run.server.port
  const websocketUrl = `ws://127.0.0.1:${port}${ROUTES.WEBSOCKET}`
  const sessionId = `chaos-${options.seed}-${Date.now()}`
  const agent = await createAgentSession({
    url: websocketUrl,
    sessionId,
    agentId: 'chaos-agent',
    maxBufferChars: 48,
    maxBusyBufferChars: 48,
    reconnectDelayMs: 50,
    ackTimeoutMs: 60_000,
    syncTimeoutMs: 30_000,
  })
  closers.push(() => agent.client.destroy())
  const viewers: SessionClient[] = Array.from({ length: options.viewers ?? 2 }, (_, index) =>
    createSessionClient({
      url: websocketUrl,
      sessionId,
      principalId: 'viewer',
      device: `viewer-${index}`,
      WebSocket: NodeWebSocket,
      reconnectDelayMs: 50,
    }),
  )
  closers.push(() => {
    for (const viewer of viewers) viewer.destroy()
  })
  const agentErrors: string[] = []
  agent.client.on('error', (error) => {
    agentErrors.push(`${error.code} ${error.message} ${JSON.stringify(error.details)}`)
  })
  /** The agent's last connection events, to tell a stuck reconnect from a slow one when the reply fails. */
  const timeline: string[] = []
  const note = (event: string): void => {
    timeline.push(`${Math.round(performance.now())} ms ${event}`)
    if (timeline.length > 24) timeline.shift()
  }
  agent.client.on('status', (status) => note(`status ${status}`))
  agent.client.on('transport', (transport) => note(`transport ${transport}`))
  const reply = agent.startReply()
  let acknowledged = ''
  agent.client.on('durable', () => {
    acknowledged = textOf(agent.client)
  })

  let appended = 0
  const killAt = Array.from({ length: options.kills }, (_, index) =>
    Math.floor(((index + random.next()) * tokenCount) / (options.kills + 1)),
  ).sort((a, b) => a - b)
  let lost = 0
  let acked = 0
  let kills = 0
  const streamed = reply.pipe(
    numberedTokens(tokenCount, async (index) => {
      appended = index
      // Checkpoint: confirm durability now and then, so `acknowledged` keeps up while tokens stream.
      if (index % CHECKPOINT_EVERY_TOKENS === 0) await agent.client.waitUntilDurable(60_000)
      while (killAt[kills] !== undefined && (killAt[kills] ?? 0) <= appended) {
        reply.flush()
        const ackedText = acknowledged
        note(`kill ${kills + 1}`)
        await run.server.kill()
        kills++
        const stored = await storedText(options.openLog, sessionId)
        const missing = countMissing(ackedText, stored)
        lost += missing
        acked = countTokens(ackedText)
        if (kills % 10 === 0 || missing > 0)
          log(
            `kill ${kills}/${options.kills} at token ${index}: acked=${acked} stored=${countTokens(stored)} missing=${missing}`,
          )
        run.server = await startServerProcess({ store: options.store, port })
        note('server listening')
      }
    }),
  )
  await streamed.catch((error: unknown) => {
    note(
      `failed: status ${agent.client.status}, unsynced ${agent.client.unsyncedChanges}; server ${run.server.report()}`,
    )
    const errors = agentErrors.join(' | ') || 'none'
    throw new Error(
      `the reply failed after ${kills} kills; the agent's errors: ${errors}; its last events: ${timeline.join(', ')}`,
      {
        cause: error,
      },
    )
  })
  await agent.client.waitUntilDurable(60_000)
  const expected = expectedText(tokenCount)
  await Promise.all(viewers.map((viewer) => waitForText(viewer, expected)))
  const replicas = [textOf(agent.client), ...viewers.map(textOf)]
  await run.server.kill()
  replicas.push(await storedText(options.openLog, sessionId))
  const duplicated = replicas.reduce((sum, text) => sum + countDuplicates(text), 0)
  const divergent = replicas.filter((text) => text !== expected).length
  return { seed: options.seed, kills, tokens: tokenCount, acked, lost, duplicated, divergent, agentErrors }
}

/** The one-line summary the harness prints. */
export function formatKillChaos(result: KillChaosResult): string {
  const errors = result.agentErrors.length === 0 ? '' : ` agent errors: ${result.agentErrors.join(' | ')}`
  return `kills=${result.kills} tokens=${result.tokens} acked=${result.acked} lost=${result.lost} duplicated=${result.duplicated} divergent=${result.divergent} seed=${result.seed}${errors}`
}
