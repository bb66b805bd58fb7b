/**
 * formatPersistTable: the persistence-cost results as an aligned text table; each row is compared with the
 * in-memory log's row of the same scenario and metric (ratio; cost = 1 − ratio for throughput, added ms for latency).
 */

/** One repeat of a throughput scenario. */
export interface RepeatResult {
  readonly tokensPerSecond: number
  /** Share of all CPUs other processes used during the run (undefined when unknown). */
  readonly othersCpuShare: number | undefined
  /** Updates the agents wrote in the run. */
  readonly updates: number
}

/** One measured value; `baseline` is the in-memory log's value of the same scenario and metric. */
export interface PersistRow {
  readonly scenario: string
  readonly store: string
  readonly metric: 'tok/s' | 'p50 ms' | 'p99 ms'
  readonly value: number
  readonly baseline?: number
  /** Every repeat (throughput rows), shown sorted so the spread is visible, each with others' CPU share. */
  readonly runs?: readonly RepeatResult[]
  /** Others' CPU share during the run (latency rows). */
  readonly othersCpuShare?: number | undefined
  /** CPU time of the bench process per token (median over repeats), in µs; throughput rows only. */
  readonly cpuMicrosPerToken?: number
}

const HEADER = [
  'scenario',
  'store',
  'metric',
  'value',
  '×memory',
  'cost',
  'cpu µs/tok',
  "runs, sorted by tok/s (others' CPU %, updates)",
]
const LEFT_ALIGNED = new Set([0, 1, 2, 7])

/** Formats `rows` as a table with a header and a separator line. */
export function formatPersistTable(rows: readonly PersistRow[]): string {
  const cells = [HEADER, ...rows.map(toCells)]
  const widths = HEADER.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)))
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) =>
        LEFT_ALIGNED.has(column) ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd()
  const separator = widths.map((width) => '-'.repeat(width)).join('  ')
  return [line(HEADER), separator, ...cells.slice(1).map(line)].join('\n')
}

/** Throughput cost of `value` against `baseline`: 1 − value/baseline (negative when faster than memory). */
export function throughputCost(value: number, baseline: number): number {
  return 1 - value / baseline
}

function toCells({
  scenario,
  store,
  metric,
  value,
  baseline,
  runs,
  cpuMicrosPerToken,
  othersCpuShare,
}: PersistRow): string[] {
  const throughput = metric === 'tok/s'
  const hasBaseline = baseline !== undefined && baseline > 0
  let cost = 'baseline'
  if (hasBaseline)
    cost = throughput
      ? `${(throughputCost(value, baseline) * 100).toFixed(1)}%`
      : `${value >= baseline ? '+' : ''}${(value - baseline).toFixed(2)} ms`
  return [
    scenario,
    store,
    metric,
    throughput ? String(Math.round(value)) : value.toFixed(2),
    hasBaseline ? `${(value / baseline).toFixed(2)}×` : '',
    cost,
    cpuMicrosPerToken === undefined ? '' : cpuMicrosPerToken.toFixed(2),
    runs === undefined
      ? othersCpuShare === undefined
        ? ''
        : `(${Math.round(othersCpuShare * 100)})`
      : [...runs]
          .sort((a, b) => a.tokensPerSecond - b.tokensPerSecond)
          .map(formatRun)
          .join(' / '),
  ]
}

function formatRun({ tokensPerSecond, othersCpuShare, updates }: RepeatResult): string {
  const others = othersCpuShare === undefined ? '' : `${Math.round(othersCpuShare * 100)}, `
  return `${Math.round(tokensPerSecond)} (${others}${updates} upd)`
}
