/**
 * formatTable: renders the stream bench results as an aligned text table, with Lifeline/raw ratios on every
 * row that has a baseline.
 */
import type { StreamStats } from './arrival-tracker.ts'
import type { StreamPlan } from './stream-plan.ts'

/** One measured row; `baseline` is the raw relay's result for the same plan. */
export interface TableRow {
  readonly plan: StreamPlan
  readonly system: string
  readonly stats: StreamStats
  readonly baseline?: StreamStats
}

const HEADER = ['scenario', 'K', 'tokens', 'system', 'mean ms', 'p50 ms', 'p99 ms', 'tok/s', 'p50 ×raw', 'p99 ×raw', 'tok/s ×raw']
const LEFT_ALIGNED = new Set([0, 3])

/** Formats `rows` as a table with a header and a separator line. */
export function formatTable (rows: readonly TableRow[]): string {
  const cells = [HEADER, ...rows.map(toCells)]
  const widths = HEADER.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)))
  const line = (row: readonly string[]): string => row
    .map((cell, column) => LEFT_ALIGNED.has(column) ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))
    .join('  ')
  const separator = widths.map((width) => '-'.repeat(width)).join('  ')
  return [line(HEADER), separator, ...cells.slice(1).map(line)].join('\n')
}

function toCells ({ plan, system, stats, baseline }: TableRow): string[] {
  const scenario = plan.tokensPerSecond === undefined ? 'flood' : `paced ${plan.tokensPerSecond}/s`
  return [
    scenario, String(plan.viewers), String(plan.tokens), system,
    stats.meanMs.toFixed(2), stats.p50Ms.toFixed(2), stats.p99Ms.toFixed(2), String(Math.round(stats.tokensPerSecond)),
    baseline === undefined ? '' : ratio(stats.p50Ms, baseline.p50Ms),
    baseline === undefined ? '' : ratio(stats.p99Ms, baseline.p99Ms),
    baseline === undefined ? '' : ratio(stats.tokensPerSecond, baseline.tokensPerSecond),
  ]
}

function ratio (value: number, reference: number): string {
  return reference > 0 ? `${(value / reference).toFixed(2)}×` : 'n/a'
}
