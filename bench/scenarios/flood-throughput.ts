/**
 * Scenario `flood`: one agent streams as fast as it can to one viewer; tokens/s = tokens ÷ (viewer holds the last
 * token − first token handed over). Each system runs REPEATS times and the median is reported.
 */
import type { BenchScenario } from './bench-scenario.ts'
import { measureStream } from './measure-stream.ts'
import { tryMeasure, type FailureNotes } from './try-measure.ts'

const REPEATS = 3

/** The flood scenario. */
export const floodThroughput: BenchScenario = {
  name: 'flood',
  async run({ quick, systems, progress }) {
    const tokens = quick ? 2_000 : 50_000
    const values: Record<string, number> = {}
    const failures: FailureNotes = {}
    for (const system of systems) {
      const runs: number[] = []
      for (let repeat = 0; repeat < (quick ? 1 : REPEATS); repeat++) {
        const run = await tryMeasure(system, failures, progress, () =>
          measureStream(system, { scenario: 'flood', viewers: 1, tokens }),
        )
        if (run === undefined) break
        progress(`  flood ${system}: ${Math.round(run.stats.tokensPerSecond)} tok/s`)
        runs.push(run.stats.tokensPerSecond)
      }
      if (failures[system] !== undefined) continue
      runs.sort((a, b) => a - b)
      values[system] = runs[Math.floor(runs.length / 2)] ?? Number.NaN
    }
    return {
      rows: [
        {
          scenario: `flood, 1 viewer, ${tokens} tokens`,
          metric: 'tok/s',
          values,
          notApplicable: failures,
          lowerIsBetter: false,
        },
      ],
    }
  },
}
