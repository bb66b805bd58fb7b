/**
 * The benchmark suite (`npm run bench`): every scenario for every system side by side in one run — raw `ws`
 * relay (the limit), stock Hocuspocus (default configuration), the Durable Streams reference server and Lifeline —
 * printing one table of absolute figures and Lifeline ÷ peer ratios on stdout (progress on stderr) and writing
 * the results to bench/results/latest.json.
 *
 * Options: `--quick` (small sizes, a smoke test), `--only <scenario>` (repeatable or comma-separated),
 * `--systems <a,b>` (a subset of raw, hocuspocus, durable-streams, lifeline), `--json <file>` (where to write the
 * results instead of bench/results/latest.json), `--idle-sessions <n>` (sessions of idle-rss instead of 10 000),
 * `--breakdown` (idle-rss also prints each system's heap per session by component, from a run of at most 1 000).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { integerOption, oneOf, runCli } from '../server/cli/run-cli.ts'
import { formatBenchTable } from './format-bench-table.ts'
import type { BenchRow, BenchScenario } from './scenarios/bench-scenario.ts'
import { BENCH_SCENARIOS } from './scenarios/bench-scenarios.ts'
import { DEFAULT_SYSTEMS, SYSTEM_NAMES, type SystemName } from './systems/bench-system.ts'

const DEFAULT_RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url))

const USAGE = `npm run bench -- [options]
  --quick                  small sizes (a smoke test)
  --only <scenario>[,…]    repeatable; one of ${BENCH_SCENARIOS.map((scenario) => scenario.name).join(', ')}
  --systems <system>[,…]   of ${SYSTEM_NAMES.join(', ')} (default: all but lifeline-window)
  --json <file>            where to write the results (default bench/results/latest.json)
  --idle-sessions <n>      sessions of idle-rss (default 10 000)
  --breakdown              idle-rss also prints the heap per session by component (a run of at most 1 000)`

function parseOptions(): {
  quick: boolean
  scenarios: BenchScenario[]
  systems: SystemName[]
  json: string
  idleSessions?: number
  breakdown: boolean
} {
  return runCli(USAGE, (args) => {
    const { values } = parseArgs({
      args,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        systems: { type: 'string' },
        json: { type: 'string', default: DEFAULT_RESULTS },
        'idle-sessions': { type: 'string' },
        breakdown: { type: 'boolean', default: false },
      },
    })
    const idleSessions =
      values['idle-sessions'] === undefined ? undefined : integerOption('idle-sessions', values['idle-sessions'])
    const names = (values.only ?? [])
      .flatMap((value) => value.split(','))
      .map((name) =>
        oneOf(
          'only',
          name,
          BENCH_SCENARIOS.map((scenario) => scenario.name),
        ),
      )
    const systems =
      values.systems === undefined
        ? [...DEFAULT_SYSTEMS]
        : values.systems.split(',').map((system) => oneOf('systems', system, SYSTEM_NAMES))
    return {
      quick: values.quick,
      json: values.json,
      breakdown: values.breakdown,
      ...(idleSessions === undefined ? {} : { idleSessions }),
      scenarios:
        names.length === 0 ? [...BENCH_SCENARIOS] : BENCH_SCENARIOS.filter((scenario) => names.includes(scenario.name)),
      systems: SYSTEM_NAMES.filter((system) => systems.includes(system)),
    }
  })
}

function machine(): string {
  const cpu = cpus()
  return (
    `${new Date().toISOString()}, node ${process.version} on ${process.platform}/${process.arch}, ${cpu.length} CPUs ` +
    `(${cpu[0]?.model ?? 'unknown model'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' / ')}`
  )
}

async function main(): Promise<void> {
  const { quick, scenarios, systems, json, idleSessions, breakdown } = parseOptions()
  const started = performance.now()
  const header = machine()
  const rows: BenchRow[] = []
  const details: string[] = []
  const save = (complete: boolean): void => {
    mkdirSync(dirname(json), { recursive: true })
    writeFileSync(
      json,
      JSON.stringify(
        { machine: header, quick, systems, complete, rows, details, seconds: (performance.now() - started) / 1000 },
        null,
        2,
      ),
    )
  }
  for (const scenario of scenarios) {
    console.error(`${scenario.name}${quick ? ' (quick)' : ''}`)
    const result = await scenario.run({
      quick,
      systems,
      breakdown,
      progress: (line) => {
        console.error(line)
      },
      ...(idleSessions === undefined ? {} : { idleSessions }),
    })
    rows.push(...result.rows)
    details.push(...(result.details ?? []))
    save(false) // what is measured so far survives an interrupted run
  }
  save(true)
  console.log(header)
  console.log(formatBenchTable(rows, systems))
  for (const line of details) console.log(line)
  const seconds = (performance.now() - started) / 1000
  console.log(
    `load average at the end ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' / ')}; total runtime ${seconds.toFixed(0)} s`,
  )
}

await main()
