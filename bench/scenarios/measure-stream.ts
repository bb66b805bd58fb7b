/**
 * measureStream: one agent streams `plan.tokens` numbered tokens into a fresh stream of a system's server (in a
 * child process) while `plan.viewers` viewers follow it; returns their latency and delivered throughput. The
 * producer and viewers share this process, so one clock times both ends. Each run starts with a warm-up stream.
 */
import { createRandomId } from '../../shared/session/session-id.ts'
import { tokenAt } from '../../shared/testing/token-stream.ts'
import { createArrivalTracker, type StreamStats } from '../arrival-tracker.ts'
import { timedTokens, type StreamPlan } from '../stream-plan.ts'
import type { BenchViewer, SystemName } from '../systems/bench-system.ts'
import { BENCH_SYSTEMS } from '../systems/bench-systems.ts'
import { tokenEndOffsets } from '../watch-reply-length.ts'
import { followTokens } from './follow-tokens.ts'
import { withSystemServer } from './with-system-server.ts'

/** Longest wait for every viewer to hold every token after the producer finished, in ms. */
export const DELIVERY_TIMEOUT_MS = 30_000
const WARM_UP_TOKENS = 2_000

/** One measured stream. */
export interface StreamRun {
  /** Over every (viewer, token). */
  readonly stats: StreamStats
  /** When each token was handed to the producer (performance.now()). */
  readonly sentAt: Float64Array
  /** When the first viewer held each token. */
  readonly firstViewerArrivals: Float64Array
  /** Updates the producer wrote for the stream, where its driver counts them. */
  readonly writes: number | undefined
}

/** Runs `plan` on `system`. */
export function measureStream(system: SystemName, plan: StreamPlan): Promise<StreamRun> {
  const driver = BENCH_SYSTEMS[system]
  return withSystemServer(system, async (server) => {
    await warmUp(system, server.url)
    const streamId = `bench-${createRandomId(8)}`
    const producer = await driver.openProducer(server.url, streamId)
    const viewers: BenchViewer[] = []
    try {
      const tracker = createArrivalTracker(plan.viewers, plan.tokens)
      const ends = tokenEndOffsets(plan.tokens)
      for (let viewer = 0; viewer < plan.viewers; viewer++) {
        viewers.push(await driver.openViewer(server.url, streamId, followTokens(tracker, viewer, ends)))
      }
      const sentAt = new Float64Array(plan.tokens)
      await producer.stream(asTokens(timedTokens(plan, sentAt)))
      await tracker.waitForAll(DELIVERY_TIMEOUT_MS)
      return {
        stats: tracker.stats(sentAt),
        sentAt,
        firstViewerArrivals: tracker.arrivalsOf(0),
        writes: producer.writes,
      }
    } finally {
      await Promise.all(viewers.map((viewer) => viewer.close()))
      await producer.close()
    }
  })
}

/**
 * Floods WARM_UP_TOKENS tokens through another stream of the fresh server to one viewer, so neither the server's
 * JIT nor this process's pays for warming up inside a measured run.
 */
export async function warmUp(system: SystemName, url: string): Promise<void> {
  const driver = BENCH_SYSTEMS[system]
  const streamId = `warm-up-${createRandomId(8)}`
  const tracker = createArrivalTracker(1, WARM_UP_TOKENS)
  const producer = await driver.openProducer(url, streamId)
  try {
    const viewer = await driver.openViewer(url, streamId, followTokens(tracker, 0, tokenEndOffsets(WARM_UP_TOKENS)))
    try {
      await producer.stream(
        asTokens(
          timedTokens({ scenario: 'flood', viewers: 1, tokens: WARM_UP_TOKENS }, new Float64Array(WARM_UP_TOKENS)),
        ),
      )
      await tracker.waitForAll(DELIVERY_TIMEOUT_MS)
    } finally {
      await viewer.close()
    }
  } finally {
    await producer.close()
  }
}

/** Numbered tokens for the given indices. */
export async function* asTokens(indices: AsyncIterable<number>): AsyncGenerator<string> {
  for await (const index of indices) yield tokenAt(index)
}
