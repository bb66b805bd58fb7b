/**
 * Stream bench (`npm run bench`): one agent → K viewers (K = 1, 10, 100), paced at 50 tok/s and at flood.
 * Prints p50/p99 token latency and delivered tokens/s for Lifeline and for a raw `ws` relay measured in the same
 * run, and the Lifeline/raw ratios. Everything runs in this process on 127.0.0.1, so one clock times both ends.
 */
import { cpus } from 'node:os'
import type { StreamStats } from './arrival-tracker.ts'
import { formatTable, type TableRow } from './format-table.ts'
import { runLifeline, type LifelineTuning } from './run-lifeline.ts'
import { runRawRelay } from './run-raw-relay.ts'
import type { StreamPlan } from './stream-plan.ts'

const VIEWER_COUNTS = [1, 10, 100] as const
const PACED_TOKENS = 250
const PACED_RATE = 50
const FLOOD_TOKENS: Record<(typeof VIEWER_COUNTS)[number], number> = { 1: 50_000, 10: 20_000, 100: 4_000 }
const DELIVERY_TIMEOUT_MS = 60_000
/** Flood runs are short (0.1–3 s) and noisy: each is repeated and the run with the median tokens/s reported. */
const FLOOD_REPEATS = 3

/** A system the bench compares; the raw relay comes first and is every ratio's denominator. */
interface System {
  readonly label: string
  run (plan: StreamPlan): Promise<StreamStats>
}

const RAW: System = { label: 'raw ws relay', run: (plan) => runRawRelay(plan, DELIVERY_TIMEOUT_MS) }

function lifeline (label: string, tuning: LifelineTuning): System {
  return { label, run: (plan) => runLifeline(plan, tuning, DELIVERY_TIMEOUT_MS) }
}

const PACED_SYSTEMS = [RAW, lifeline('lifeline (coalesce 30 ms, default)', {}), lifeline('lifeline (coalesce 5 ms)', { coalesceMs: 5 })]
const FLOOD_SYSTEMS = [RAW, lifeline('lifeline (coalesce 30 ms, default)', {})]

function plans (): Array<{ plan: StreamPlan, systems: System[] }> {
  const paced = VIEWER_COUNTS.map((viewers) => ({
    plan: { scenario: 'paced', viewers, tokens: PACED_TOKENS, tokensPerSecond: PACED_RATE } satisfies StreamPlan,
    systems: PACED_SYSTEMS,
  }))
  const flood = VIEWER_COUNTS.map((viewers) => ({
    plan: { scenario: 'flood', viewers, tokens: FLOOD_TOKENS[viewers] } satisfies StreamPlan,
    systems: FLOOD_SYSTEMS,
  }))
  return [...paced, ...flood]
}

function describe (plan: StreamPlan): string {
  const pace = plan.tokensPerSecond === undefined ? `flood (${FLOOD_REPEATS} runs each)` : `${plan.tokensPerSecond} tok/s`
  return `${pace}, K=${plan.viewers}, ${plan.tokens} tokens`
}

/** Warms up the JIT and both code paths on a small flood so the first measured row is not penalised. */
async function warmUp (): Promise<void> {
  const plan: StreamPlan = { scenario: 'flood', viewers: 2, tokens: 500 }
  for (const system of FLOOD_SYSTEMS) await system.run(plan)
}

/** Runs `plan` on `system` `repeats` times and returns the run with the median throughput. */
async function runMedian (system: System, plan: StreamPlan, repeats: number): Promise<StreamStats> {
  const runs: StreamStats[] = []
  for (let attempt = 0; attempt < repeats; attempt++) {
    const started = performance.now()
    const stats = await system.run(plan)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.error(`  ${system.label}: mean ${stats.meanMs.toFixed(2)} ms, p50 ${stats.p50Ms.toFixed(2)} ms, ` +
      `p99 ${stats.p99Ms.toFixed(2)} ms, ${Math.round(stats.tokensPerSecond)} tok/s (${seconds} s)`)
    runs.push(stats)
  }
  runs.sort((a, b) => a.tokensPerSecond - b.tokensPerSecond)
  const median = runs[Math.floor(runs.length / 2)]
  if (median === undefined) throw new Error('runMedian needs at least one repeat')
  return median
}

async function measure (plan: StreamPlan, systems: System[]): Promise<TableRow[]> {
  const rows: TableRow[] = []
  let baseline: StreamStats | undefined
  for (const system of systems) {
    const stats = await runMedian(system, plan, plan.scenario === 'flood' ? FLOOD_REPEATS : 1)
    rows.push({ plan, system: system.label, stats, ...(baseline === undefined ? {} : { baseline }) })
    baseline ??= stats
  }
  return rows
}

async function main (): Promise<void> {
  const started = performance.now()
  const cpu = cpus()
  console.log(`node ${process.version} on ${process.platform}/${process.arch}, ${cpu.length} CPUs (${cpu[0]?.model ?? 'unknown model'})`)
  console.error('warming up')
  await warmUp()
  const rows: TableRow[] = []
  for (const { plan, systems } of plans()) {
    console.error(describe(plan))
    rows.push(...await measure(plan, systems))
  }
  console.log(formatTable(rows))
  console.log('latency: viewer first holds the token − producer sent/appended it (same clock), over every viewer and token;')
  console.log('tok/s: tokens ÷ (last viewer holds last token − first token sent); ratio = lifeline ÷ raw in the same scenario.')
  console.log(`flood rows: the run with the median tok/s of ${FLOOD_REPEATS}; paced rows: one run.`)
  console.log(`total runtime ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

await main()
