/**
 * Smoke test of the benchmark suite: `run-bench.ts --quick --only resume` against every system (real servers in
 * child processes) prints the table and writes a number for every system and metric. No timing is asserted.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, test } from 'vitest'
import type { BenchRow } from './scenarios/bench-scenario.ts'
import { DEFAULT_SYSTEMS, SYSTEM_LABELS } from './systems/bench-system.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')
let dir: string | undefined

afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('npm run bench --quick', () => {
  test('measures the resume scenario on every system and prints one table with ratios', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-smoke-'))
    const json = join(dir, 'results.json')
    const { stdout } = await promisify(execFile)(
      TSX,
      ['bench/run-bench.ts', '--quick', '--only', 'resume', '--json', json],
      { cwd: ROOT, timeout: 50_000 },
    )

    const results = JSON.parse(readFileSync(json, 'utf8')) as { rows: BenchRow[]; quick: boolean }
    expect(results.quick).toBe(true)
    expect(results.rows.map((row) => row.metric)).toEqual(['ms to caught-up', 'KB received'])
    for (const row of results.rows) {
      for (const system of DEFAULT_SYSTEMS) {
        const value = row.values[system]
        const measured = `${row.metric} of ${system} (${row.notApplicable?.[system] ?? 'no reason given'})`
        expect(value, measured).toBeTypeOf('number') // names the system and its reason when it was n/a
        expect(value, measured).toBeGreaterThan(0)
        expect(Number.isFinite(value), `${row.metric} of ${system} is finite`).toBe(true)
      }
    }
    const lines = stdout.split('\n')
    const header = lines.find((line) => line.startsWith('scenario '))
    for (const system of DEFAULT_SYSTEMS) expect(header).toContain(SYSTEM_LABELS[system])
    expect(header).toContain('Lifeline ÷ raw ws relay')
    const tableRows = lines.filter((line) => line.startsWith('resume after'))
    expect(tableRows).toHaveLength(2)
    for (const line of tableRows) expect(line.match(/\d\.\d\d×/g)).toHaveLength(3)
  }, 60_000) // a child process starts and warms up a server for each of four systems, one after another
})
