/**
 * formatBenchTable: renders the suite's rows as one aligned text table — the absolute value for every system,
 * then Lifeline ÷ each peer — with `n/a` cells numbered into footnotes printed below it.
 */
import type { BenchRow } from './scenarios/bench-scenario.ts'
import { SYSTEM_LABELS, type SystemName } from './systems/bench-system.ts'

/** Formats `rows` for `systems` (column order; ratios are drawn for every system but `lifeline`). */
export function formatBenchTable(rows: readonly BenchRow[], systems: readonly SystemName[]): string {
  const footnotes: string[] = []
  const mark = (note: string): string => {
    let index = footnotes.indexOf(note)
    if (index < 0) index = footnotes.push(note) - 1
    return `n/a[${index + 1}]`
  }
  const peers = systems.includes('lifeline') ? systems.filter((system) => system !== 'lifeline') : []
  const header = [
    'scenario',
    'metric',
    ...systems.map((system) => SYSTEM_LABELS[system]),
    ...peers.map((peer) => `Lifeline ÷ ${SYSTEM_LABELS[peer]}`),
  ]
  const cells = rows.map((row) => [
    row.scenario,
    row.metric,
    ...systems.map((system) => {
      const value = row.values[system]
      if (value !== undefined) return formatValue(value)
      const note = row.notApplicable?.[system]
      return note === undefined ? '–' : mark(note)
    }),
    ...peers.map((peer) => ratio(row.values.lifeline, row.values[peer])),
  ])
  const all = [header, ...cells]
  const widths = header.map((_, column) => Math.max(...all.map((line) => (line[column] ?? '').length)))
  const render = (line: readonly string[]): string =>
    line
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd()
  return [
    render(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map(render),
    ...footnotes.map((note, index) => `[${index + 1}] ${note}`),
  ].join('\n')
}

/** Three significant digits, thousands as `k`. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const magnitude = Math.abs(value)
  if (magnitude >= 10_000) return `${(value / 1000).toFixed(magnitude >= 100_000 ? 0 : 1)}k`
  if (magnitude >= 100) return value.toFixed(0)
  if (magnitude >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

function ratio(value: number | undefined, reference: number | undefined): string {
  if (value === undefined || reference === undefined || !(reference > 0)) return ''
  const quotient = value / reference
  return `${quotient >= 0.01 ? quotient.toFixed(2) : quotient.toPrecision(1)}×`
}
