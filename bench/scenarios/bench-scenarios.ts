/**
 * BENCH_SCENARIOS: every scenario of the suite, in the order they run.
 */
import type { BenchScenario } from './bench-scenario.ts'
import { coldOpen } from './cold-open.ts'
import { floodThroughput } from './flood-throughput.ts'
import { idleSessionRss } from './idle-session-rss.ts'
import { longMessage } from './long-message.ts'
import { persistAckCost } from './persist-ack-cost.ts'
import { resumeAfterGap } from './resume-after-gap.ts'
import { tokenLatency } from './token-latency.ts'

/** The scenarios, in run order (the slowest, idle-rss, last). */
export const BENCH_SCENARIOS: readonly BenchScenario[] = [
  tokenLatency,
  floodThroughput,
  resumeAfterGap,
  coldOpen,
  persistAckCost,
  longMessage,
  idleSessionRss,
]
