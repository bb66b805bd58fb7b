/**
 * Smoke test of the browser bench: `browser-paint.ts` with the smallest sizes drives Debian's Chromium against a real
 * server and the raw relay peer (in a child process), also in a conversation with earlier messages, and writes a
 * positive, finite figure for every row — both systems where a peer applies, a footnote where none does — and
 * prints the table. No timing is asserted.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, test } from 'vitest'
import type { BenchRow } from './scenarios/bench-scenario.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')
let dir: string | undefined

afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('npm run bench:browser --quick', () => {
  test('measures every path in Chromium and prints one table with the relay ratios', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-browser-smoke-'))
    const json = join(dir, 'results.json')
    const { stdout } = await promisify(execFile)(
      TSX,
      ['bench/browser-paint.ts', '--quick', '--tokens', '8', '--sends', '2', '--sizes', '5,50', '--json', json],
      { cwd: ROOT, timeout: 100_000 },
    )

    const { rows } = JSON.parse(readFileSync(json, 'utf8')) as { rows: BenchRow[] }
    expect(rows.map((row) => row.scenario)).toEqual(
      expect.arrayContaining([
        'token → glyph painted, 8 paced tokens',
        'token → glyph painted, 8 paced tokens, after 40 earlier messages',
        'send → first reply text painted, 2 sends',
        'online reload, cached 50-token session',
        'offline reload, cached 50-token session',
      ]),
    )
    for (const row of rows) {
      const named = `${row.scenario} | ${row.metric}`
      expect(row.values.lifeline, named).toBeGreaterThan(0)
      expect(Number.isFinite(row.values.lifeline), named).toBe(true)
      if (row.scenario.includes('reload')) expect(row.notApplicable?.raw, named).toBeTypeOf('string')
      else expect(row.values.raw, named).toBeGreaterThan(0)
    }
    expect(stdout).toContain('Lifeline ÷ raw ws relay')
    // Seven figures each, in a new conversation and after the quick run's 40 earlier messages.
    expect(stdout.split('\n').filter((line) => line.startsWith('token → glyph painted'))).toHaveLength(14)
  }, 120_000) // a child process builds the demo page, starts two servers and Chromium, and reloads four sessions
})
