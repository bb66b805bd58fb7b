/**
 * Message policy cost bench (`npm run bench:policy`): what a no-op message policy (PROTOCOL.md §8.8) adds to token
 * latency, against the same server without one, in the same run. Two session servers run in this process on
 * in-memory logs (no fsync, so the policy's own cost is as visible as it can be), one with `policy: async () =>
 * ({ action: 'allow' })` and no hold-back. One agent writes one token at a time — append, flush, await durable — and
 * the p50 of flush→durable is taken per block of UPDATES tokens; blocks alternate between the servers (A B B A …) so
 * drift on a loaded machine hits both alike. Prints each round's ratio p50(policy) ÷ p50(none), and their median,
 * minimum and maximum; and, less sensitive to other load on a shared machine, the same for the process CPU time per
 * token of each block (both servers and the agent run in this process, so it is the policy's share of the whole). The
 * latency scenario of `npm run bench` (`--systems lifeline,lifeline-policy`) measures the same with viewers, end to
 * end, and is far noisier.
 */
import { createSessionServer, type SessionServer } from '../server/session-server.ts'
import { createMemoryUpdateLog } from '../server/persistence/memory-update-log.ts'
import { createRandomId } from '../shared/session/session-id.ts'
import { measureAckLatency } from './measure-ack-latency.ts'

const ROUNDS = Number(process.env.POLICY_BENCH_ROUNDS ?? 20)
const UPDATES = 500
const TIMEOUT_MS = 30_000

async function start(withPolicy: boolean): Promise<SessionServer> {
  return await createSessionServer({
    port: 0,
    updateLog: createMemoryUpdateLog(),
    ...(withPolicy ? { policy: async () => ({ action: 'allow' as const }), policyHoldBackChars: 0 } : {}),
  })
}

/** One block: the p50 of flush→durable, in ms, and the process CPU time per token, in µs. */
interface BlockCost {
  readonly p50Ms: number
  readonly cpuUs: number
}

async function block(server: SessionServer): Promise<BlockCost> {
  const before = process.cpuUsage()
  const stats = await measureAckLatency({
    url: server.websocketUrl,
    sessionId: `policy-${createRandomId(8)}`,
    updates: UPDATES,
    timeoutMs: TIMEOUT_MS,
  })
  const cpu = process.cpuUsage(before)
  return { p50Ms: stats.p50Ms, cpuUs: (cpu.user + cpu.system) / UPDATES }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const none = await start(false)
const policed = await start(true)
try {
  await block(none) // warm-up of both servers and the JIT
  await block(policed)
  const ratios: number[] = []
  const cpuRatios: number[] = []
  const rows: string[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [none, policed] : [policed, none]
    const results = new Map<SessionServer, BlockCost>()
    for (const server of order) results.set(server, await block(server))
    const [base, cost] = [results.get(none) as BlockCost, results.get(policed) as BlockCost]
    ratios.push(cost.p50Ms / base.p50Ms)
    cpuRatios.push(cost.cpuUs / base.cpuUs)
    rows.push(
      `round ${round + 1}: p50 none ${base.p50Ms.toFixed(3)} ms, no-op policy ${cost.p50Ms.toFixed(3)} ms, ratio ` +
        `${(cost.p50Ms / base.p50Ms).toFixed(3)}; CPU per token ${base.cpuUs.toFixed(0)} µs, ${cost.cpuUs.toFixed(0)} µs, ` +
        `ratio ${(cost.cpuUs / base.cpuUs).toFixed(3)}`,
    )
    console.error(rows.at(-1))
  }
  const load = (await import('node:os')).loadavg().map((value) => value.toFixed(1))
  console.log(rows.join('\n'))
  console.log(
    `p50 ack latency with a no-op policy ÷ without, ${ROUNDS} rounds of ${UPDATES} tokens: median ${median(ratios).toFixed(3)}, ` +
      `min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)} (load average ${load.join(' / ')})`,
  )
  console.log(
    `process CPU per token with a no-op policy ÷ without: median ${median(cpuRatios).toFixed(3)}, ` +
      `min ${Math.min(...cpuRatios).toFixed(3)}, max ${Math.max(...cpuRatios).toFixed(3)}`,
  )
} finally {
  await none.close()
  await policed.close()
}
