/**
 * downloadRows: the two table rows of a scenario that times a client fetching text (resume, cold open): the
 * median time over each system's runs, and the bytes received in that median run.
 */
import type { SystemName } from '../systems/bench-system.ts'
import type { BenchRow } from './bench-scenario.ts'
import { medianBy } from './median-by.ts'
import type { FailureNotes } from './try-measure.ts'

/** One timed download. */
export interface TimedDownload {
  readonly ms: number
  readonly bytes: number
}

/** Rows `<timeMetric>` (ms) and `KB received` of `scenario` from each system's runs; `failures` explain missing systems. */
export function downloadRows(
  scenario: string,
  timeMetric: string,
  runs: ReadonlyMap<SystemName, readonly TimedDownload[]>,
  failures: FailureNotes,
): BenchRow[] {
  const ms: BenchRow['values'] = {}
  const kb: BenchRow['values'] = {}
  for (const [system, downloads] of runs) {
    const median = medianBy(downloads, (run) => run.ms)
    ms[system] = median.ms
    kb[system] = median.bytes / 1024
  }
  return [
    { scenario, metric: timeMetric, values: ms, notApplicable: failures, lowerIsBetter: true },
    { scenario, metric: 'KB received', values: kb, notApplicable: failures, lowerIsBetter: true },
  ]
}
