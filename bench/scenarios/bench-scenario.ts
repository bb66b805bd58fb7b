/**
 * BenchScenario: one scenario of the benchmark suite, and the rows it reports. A row holds one metric's value
 * for every system it applies to; a system it does not apply to gets a footnote instead of a value.
 */
import type { SystemName } from '../systems/bench-system.ts'

/** One metric of one scenario, measured side by side. */
export interface BenchRow {
  readonly scenario: string
  /** Metric and unit, e.g. `p50 ms`. */
  readonly metric: string
  readonly values: Partial<Record<SystemName, number>>
  /** Why a system has no value (printed as `n/a` with this footnote). */
  readonly notApplicable?: Partial<Record<SystemName, string>>
  /** Lower values are better (latency, bytes, memory); ratios are printed either way as lifeline ÷ peer. */
  readonly lowerIsBetter: boolean
}

/** What a scenario reports: table rows, and optional extra lines (a detail table) printed after the main table. */
export interface ScenarioResult {
  readonly rows: readonly BenchRow[]
  readonly details?: readonly string[]
}

/** How the suite runs. */
export interface ScenarioContext {
  /** Small sizes for a smoke test. */
  readonly quick: boolean
  /** Sessions of the idle-rss scenario (default 10 000; 100 when quick). */
  readonly idleSessions?: number
  /** The idle-rss scenario also prints each system's heap per session by component (`--breakdown`). */
  readonly breakdown?: boolean
  /** Systems to measure, in column order. */
  readonly systems: readonly SystemName[]
  /** Reports progress (stderr). */
  progress(line: string): void
}

/** One named scenario. */
export interface BenchScenario {
  /** Name used by `--only`. */
  readonly name: string
  run(context: ScenarioContext): Promise<ScenarioResult>
}
