/**
 * Scale-out bench (`npm run bench:scale`), node processes on 127.0.0.1 over PostgreSQL and Redis:
 * 1. Latency: an agent on node A streams 50 tok/s; viewers on A (same node, the baseline) and on B (through Redis).
 *    Prints p50/p99 of both and the cross-node/same-node ratio.
 * 2. Capacity: agents flooding sessions spread over 1, 2 and 3 nodes (with Redis), each session watched from another
 *    node, against one node without Redis measured in the same run. Prints durable tokens/s (median of repeats,
 *    with the range), the CPU time all nodes together spend per token, and the ratios.
 * 3. Paced sessions: node CPU per agent streaming 50 tok/s with a viewer, on 1 and 2 nodes (sessions per core).
 * 4. Memory: resident size a node gains per idle loaded session (one viewer each), after a first batch of sessions
 *    has warmed it up (compiled code, heap growth), so the figure is what each further session adds.
 * The bench's own agents and viewers, PostgreSQL and Redis share the machine with the nodes: the load average is
 * printed so a reader can tell a quiet run from a noisy one.
 */
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { createAgentSession } from '../client/agent/agent-session.ts'
import { NodeWebSocket } from '../client/agent/node-websocket.ts'
import { createSessionClient, type SessionClient } from '../client/core/session-client.ts'
import { ROUTES } from '../shared/protocol/routes.ts'
import { createRandomId } from '../shared/session/session-id.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'
import { createArrivalTracker, type StreamStats } from './arrival-tracker.ts'
import { processCpuMicros } from './cpu-meter.ts'
import { floodSessions } from './flood-sessions.ts'
import { startCluster, type Cluster } from './start-cluster.ts'
import { timedTokens } from './stream-plan.ts'
import { followTokens } from './scenarios/follow-tokens.ts'
import { tokenEndOffsets, watchReplyLength } from './watch-reply-length.ts'

const POSTGRES_URL = process.env.LIFELINE_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.LIFELINE_BENCH_REDIS ?? 'redis://127.0.0.1:6379/0'
const TIMEOUT_MS = 120_000
const LATENCY = { tokens: 500, tokensPerSecond: 50, viewersPerNode: 5, coalesceMs: 5 } as const
const CAPACITY = { sessions: 12, tokensPerSession: 10_000, repeats: 3 } as const
const IDLE_SESSIONS = 200
/** Sessions opened (and kept open) before the measured ones: a fresh node's first sessions pay for its warm-up. */
const WARM_UP_SESSIONS = 50
const PACED = { sessions: 20, tokens: 250, tokensPerSecond: 50 } as const

interface CapacityRow {
  readonly label: string
  readonly nodes: number
  readonly runs: FloodRun[]
}
interface FloodRun {
  readonly tokensPerSecond: number
  readonly nodeCpuMicrosPerToken: number
}

const wsUrl = (node: { port: number }): string => `ws://127.0.0.1:${node.port}${ROUTES.WEBSOCKET}`
const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')

/** Same-node and cross-node latency on a 2-node cluster, after a warm-up stream (node processes start cold). */
async function measureLatency(): Promise<{ same: StreamStats; cross: StreamStats }> {
  const cluster = await startCluster({ nodes: 2, postgresUrl: POSTGRES_URL, redisUrl: REDIS_URL })
  try {
    await streamToViewers(cluster, 100)
    return await streamToViewers(cluster, LATENCY.tokens)
  } finally {
    await cluster.stop()
  }
}

/** An agent on the first node streams `tokens` paced tokens to viewers on the first and second nodes. */
async function streamToViewers(cluster: Cluster, tokens: number): Promise<{ same: StreamStats; cross: StreamStats }> {
  const [a, b] = cluster.nodes as [Cluster['nodes'][number], Cluster['nodes'][number]]
  const sessionId = `latency-${createRandomId(8)}`
  const viewers: SessionClient[] = []
  const agent = await createAgentSession({
    url: wsUrl(a),
    sessionId,
    agentId: 'bench-agent',
    coalesceMs: LATENCY.coalesceMs,
    syncTimeoutMs: TIMEOUT_MS,
  })
  try {
    const trackers = [a, b].map((node) => {
      const tracker = createArrivalTracker(LATENCY.viewersPerNode, tokens)
      for (let index = 0; index < LATENCY.viewersPerNode; index++) {
        const viewer = createSessionClient({
          url: wsUrl(node),
          sessionId,
          principalId: `viewer-${index}`,
          WebSocket: NodeWebSocket,
          transport: false,
        })
        viewers.push(viewer)
        watchReplyLength(viewer, followTokens(tracker, index, tokenEndOffsets(tokens)))
      }
      return tracker
    })
    await Promise.all(viewers.map((viewer) => viewer.waitForSynced(TIMEOUT_MS)))
    const sentAt = new Float64Array(tokens)
    const ended = await agent
      .startReply()
      .pipe(
        asTokens(
          timedTokens({ scenario: 'paced', viewers: 0, tokens, tokensPerSecond: LATENCY.tokensPerSecond }, sentAt),
        ),
      )
    if (ended !== 'done') throw new Error(`latency reply ended ${ended}`)
    await Promise.all(trackers.map((tracker) => tracker.waitForAll(TIMEOUT_MS)))
    const [same, cross] = trackers.map((tracker) => tracker.stats(sentAt)) as [StreamStats, StreamStats]
    return { same, cross }
  } finally {
    for (const viewer of viewers) viewer.destroy()
    await agent.close()
  }
}

/**
 * CAPACITY.sessions agents flooding, spread round robin over the cluster's nodes, each session watched by one
 * viewer on the next node (the same node in a one-node cluster). Durable tokens/s and node CPU per token.
 */
async function floodCluster(cluster: Cluster): Promise<FloodRun> {
  const nodes = cluster.nodes
  const groups = nodes.map(() => [] as string[])
  const viewers: SessionClient[] = []
  for (let index = 0; index < CAPACITY.sessions; index++) {
    const sessionId = `flood-${createRandomId(8)}`
    groups[index % nodes.length]?.push(sessionId)
    const viewerNode = nodes[(index + 1) % nodes.length] as Cluster['nodes'][number]
    viewers.push(
      createSessionClient({
        url: wsUrl(viewerNode),
        sessionId,
        principalId: 'viewer',
        WebSocket: NodeWebSocket,
        transport: false,
      }),
    )
  }
  try {
    await Promise.all(viewers.map((viewer) => viewer.waitForSynced(TIMEOUT_MS)))
    const cpuBefore = nodes.map((node) => processCpuMicros(node.pid))
    const results = await Promise.all(
      nodes.map((node, index) =>
        floodSessions({
          url: wsUrl(node),
          sessionIds: groups[index] ?? [],
          tokensPerSession: CAPACITY.tokensPerSession,
          timeoutMs: TIMEOUT_MS,
          chargePostgresCpu: false,
        }),
      ),
    )
    const nodeCpuMicros = nodes.reduce(
      (sum, node, index) => sum + processCpuMicros(node.pid) - (cpuBefore[index] ?? 0),
      0,
    )
    const tokens = results.reduce((sum, result) => sum + result.tokens, 0)
    // Each group times itself from its first token; the slowest group bounds the cluster's throughput.
    const elapsedMs = Math.max(...results.map((result) => result.elapsedMs))
    const run = { tokensPerSecond: tokens / (elapsedMs / 1000), nodeCpuMicrosPerToken: nodeCpuMicros / tokens }
    console.error(
      `    ${Math.round(run.tokensPerSecond)} tok/s, node CPU ${run.nodeCpuMicrosPerToken.toFixed(1)} µs/token (load ${load()})`,
    )
    return run
  } finally {
    for (const viewer of viewers) viewer.destroy()
  }
}

async function measureCapacity(): Promise<CapacityRow[]> {
  const configs = [
    { label: '1 node, no Redis (baseline)', nodes: 1, redis: false },
    { label: '1 node + Redis', nodes: 1, redis: true },
    { label: '2 nodes + Redis', nodes: 2, redis: true },
    { label: '3 nodes + Redis', nodes: 3, redis: true },
  ]
  const rows: CapacityRow[] = []
  for (const config of configs) {
    console.error(`  ${config.label}`)
    const cluster = await startCluster({
      nodes: config.nodes,
      postgresUrl: POSTGRES_URL,
      ...(config.redis ? { redisUrl: REDIS_URL } : {}),
    })
    try {
      await floodCluster(cluster) // warm-up: JIT, connections, schema
      const runs: FloodRun[] = []
      for (let repeat = 0; repeat < CAPACITY.repeats; repeat++) runs.push(await floodCluster(cluster))
      rows.push({ label: config.label, nodes: config.nodes, runs })
    } finally {
      await cluster.stop()
    }
  }
  return rows
}

/**
 * PACED.sessions agents streaming PACED.tokensPerSecond each (SDK default coalescing) over `nodes` nodes, each
 * session watched from the next node: the CPU cores all nodes use per streaming session.
 */
async function measurePacedSessions(nodes: number): Promise<number> {
  const cluster = await startCluster({ nodes, postgresUrl: POSTGRES_URL, redisUrl: REDIS_URL })
  const viewers: SessionClient[] = []
  try {
    const agents = await Promise.all(
      Array.from({ length: PACED.sessions }, async (_, index) => {
        const sessionId = `paced-${createRandomId(8)}`
        const node = cluster.nodes[index % nodes] as Cluster['nodes'][number]
        const viewerNode = cluster.nodes[(index + 1) % nodes] as Cluster['nodes'][number]
        viewers.push(
          createSessionClient({
            url: wsUrl(viewerNode),
            sessionId,
            principalId: 'viewer',
            WebSocket: NodeWebSocket,
            transport: false,
          }),
        )
        return await createAgentSession({
          url: wsUrl(node),
          sessionId,
          agentId: `paced-${index}`,
          syncTimeoutMs: TIMEOUT_MS,
          ackTimeoutMs: TIMEOUT_MS,
        })
      }),
    )
    await Promise.all(viewers.map((viewer) => viewer.waitForSynced(TIMEOUT_MS)))
    const cpuBefore = cluster.nodes.reduce((sum, node) => sum + processCpuMicros(node.pid), 0)
    const started = performance.now()
    const plan = {
      scenario: 'paced',
      viewers: 0,
      tokens: PACED.tokens,
      tokensPerSecond: PACED.tokensPerSecond,
    } as const
    await Promise.all(
      agents.map(async (agent) => {
        const ended = await agent.startReply().pipe(asTokens(timedTokens(plan, new Float64Array(PACED.tokens))))
        if (ended !== 'done') throw new Error(`paced reply ended ${ended}`)
      }),
    )
    const wallMicros = (performance.now() - started) * 1000
    const cores = (cluster.nodes.reduce((sum, node) => sum + processCpuMicros(node.pid), 0) - cpuBefore) / wallMicros
    await Promise.all(agents.map((agent) => agent.close()))
    return cores / PACED.sessions
  } finally {
    for (const viewer of viewers) viewer.destroy()
    await cluster.stop()
  }
}

/** Resident memory a node gains per loaded idle session (one viewer connection each), in KiB. */
async function measureIdleSessionMemory(): Promise<number> {
  const cluster = await startCluster({ nodes: 1, postgresUrl: POSTGRES_URL, redisUrl: REDIS_URL })
  const viewers: SessionClient[] = []
  const openSessions = async (node: Cluster['nodes'][number], count: number): Promise<void> => {
    const opened: SessionClient[] = []
    for (let index = 0; index < count; index++) {
      opened.push(
        createSessionClient({
          url: wsUrl(node),
          sessionId: `idle-${viewers.length + index}-${createRandomId(6)}`,
          principalId: 'viewer',
          WebSocket: NodeWebSocket,
          transport: false,
        }),
      )
    }
    viewers.push(...opened)
    await Promise.all(opened.map((viewer) => viewer.waitForSynced(TIMEOUT_MS)))
  }
  try {
    const node = cluster.nodes[0] as Cluster['nodes'][number]
    await openSessions(node, WARM_UP_SESSIONS)
    const before = residentKiB(node.pid)
    await openSessions(node, IDLE_SESSIONS)
    return (residentKiB(node.pid) - before) / IDLE_SESSIONS
  } finally {
    for (const viewer of viewers) viewer.destroy()
    await cluster.stop()
  }
}

function residentKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match?.[1] ?? Number.NaN)
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function* asTokens(indices: AsyncIterable<number>): AsyncGenerator<string> {
  for await (const index of indices) yield tokenAt(index)
}

console.log(`scale-out bench: ${cpus().length} CPUs, Node ${process.version}, load average ${load()} at start`)
console.error('latency: agent on node A, viewers on A and B')
const { same, cross } = await measureLatency()
console.log(
  `\nlatency, ${LATENCY.tokensPerSecond} tok/s, coalesceMs ${LATENCY.coalesceMs}, ${LATENCY.viewersPerNode} viewers per node`,
)
console.log('| viewers | p50 | p99 |\n|---|---|---|')
console.log(`| same node (baseline) | ${same.p50Ms.toFixed(1)} ms | ${same.p99Ms.toFixed(1)} ms |`)
console.log(
  `| other node (via Redis) | ${cross.p50Ms.toFixed(1)} ms (${(cross.p50Ms / same.p50Ms).toFixed(2)}×) | ${cross.p99Ms.toFixed(1)} ms (${(cross.p99Ms / same.p99Ms).toFixed(2)}×) |`,
)

console.error('capacity: flooding agents over 1, 2, 3 nodes')
const rows = await measureCapacity()
const throughputs = (row: CapacityRow | undefined): number[] => row?.runs.map((run) => run.tokensPerSecond) ?? []
const cpuPerToken = (row: CapacityRow | undefined): number =>
  median(row?.runs.map((run) => run.nodeCpuMicrosPerToken) ?? [])
const baseline = median(throughputs(rows[0]))
const baselineCpu = cpuPerToken(rows[0])
console.log(
  `\ncapacity: ${CAPACITY.sessions} agents × ${CAPACITY.tokensPerSession} tokens, one viewer per session on another node; medians of ${CAPACITY.repeats} (range)`,
)
console.log(
  '| cluster | durable tok/s | vs 1 node without Redis | node CPU per token | vs baseline |\n|---|---|---|---|---|',
)
for (const row of rows) {
  const values = throughputs(row)
  const value = median(values)
  const range = `${Math.round(Math.min(...values) / 1000)}k–${Math.round(Math.max(...values) / 1000)}k`
  const cpu = cpuPerToken(row)
  console.log(
    `| ${row.label} | ${Math.round(value / 1000)}k (${range}) | ${(value / baseline).toFixed(2)}× | ${cpu.toFixed(1)} µs | ${(cpu / baselineCpu).toFixed(2)}× |`,
  )
}

console.error('paced sessions: CPU per streaming session on 1 and 2 nodes')
const pacedOne = await measurePacedSessions(1)
const pacedTwo = await measurePacedSessions(2)
console.log(
  `\npaced: ${PACED.sessions} agents at ${PACED.tokensPerSecond} tok/s, one viewer each (on the other node with 2 nodes)`,
)
console.log('| cluster | node CPU per streaming session | streaming sessions per core |\n|---|---|---|')
for (const [label, share] of [
  ['1 node + Redis (baseline)', pacedOne],
  ['2 nodes + Redis', pacedTwo],
] as const) {
  console.log(
    `| ${label} | ${(share * 100).toFixed(2)}% of a core (${(share / pacedOne).toFixed(2)}×) | ${Math.round(1 / share)} |`,
  )
}

console.error('memory: idle sessions on one node')
const perSession = await measureIdleSessionMemory()
console.log(
  `\nidle loaded session (one viewer each, ${IDLE_SESSIONS} sessions after ${WARM_UP_SESSIONS} warm-up ones): ${perSession.toFixed(0)} KiB resident per session`,
)
console.log(`load average ${load()} at end`)
process.exit(0) // reason: ioredis and pg sockets of the finished clusters may keep the event loop alive briefly
