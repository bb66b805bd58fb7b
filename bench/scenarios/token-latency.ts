/**
 * Scenario `latency`: one agent streams at 50 tokens/s to K = 1, 10, 100 viewers; p50/p99 of (viewer holds the
 * token − producer handed it over), over every viewer and token, and the updates the producer wrote for the reply
 * where its driver counts them (the cost of flushing tokens sooner).
 */
import type { BenchRow, BenchScenario } from './bench-scenario.ts'
import { measureStream } from './measure-stream.ts'
import { tryMeasure, type FailureNotes } from './try-measure.ts'

const VIEWER_COUNTS = [1, 10, 100] as const
const RATE = 50

/** The paced latency scenario. */
export const tokenLatency: BenchScenario = {
  name: 'latency',
  async run({ quick, systems, progress }) {
    const tokens = quick ? 25 : 250
    const rows: BenchRow[] = []
    for (const viewers of quick ? [1] : VIEWER_COUNTS) {
      const p50: BenchRow['values'] = {}
      const p99: BenchRow['values'] = {}
      const writes: BenchRow['values'] = {}
      const failures: FailureNotes = {}
      for (const system of systems) {
        const run = await tryMeasure(system, failures, progress, () =>
          measureStream(system, { scenario: 'paced', viewers, tokens, tokensPerSecond: RATE }),
        )
        if (run === undefined) continue
        const { stats } = run
        progress(`  latency K=${viewers} ${system}: p50 ${stats.p50Ms.toFixed(2)} ms, p99 ${stats.p99Ms.toFixed(2)} ms`)
        p50[system] = stats.p50Ms
        p99[system] = stats.p99Ms
        if (run.writes !== undefined) writes[system] = run.writes
      }
      const scenario = `latency ${RATE} tok/s, K=${viewers}`
      rows.push(
        { scenario, metric: 'p50 ms', values: p50, notApplicable: failures, lowerIsBetter: true },
        { scenario, metric: 'p99 ms', values: p99, notApplicable: failures, lowerIsBetter: true },
        {
          scenario,
          metric: `updates per ${tokens}-token reply`,
          values: writes,
          notApplicable: failures,
          lowerIsBetter: true,
        },
      )
    }
    return { rows }
  },
}
