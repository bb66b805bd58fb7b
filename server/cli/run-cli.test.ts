/**
 * The scripts' command-line handling: value checks, and a real script (`chaos:kill`, which checks its options before
 * it starts anything) answering `--help` with exit 0 and a bad option with `error: …`, its usage and exit 2.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { CliUsageError, integerOption, oneOf } from './run-cli.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Runs the chaos script with `args`; resolves with its exit code and output. */
function runChaosScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'e2e/chaos/kill-chaos.ts', ...args],
      { cwd: ROOT, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr })
      },
    )
  })
}

describe('value checks', () => {
  test('integerOption takes integers at or above the minimum only', () => {
    expect(integerOption('kills', '200')).toBe(200)
    expect(integerOption('seed', '0', 0)).toBe(0)
    for (const raw of ['0', '-1', '1.5', 'x', '', '9007199254740993'])
      expect(() => integerOption('kills', raw)).toThrow(CliUsageError)
    expect(() => integerOption('kills', 'x')).toThrow('--kills needs an integer of at least 1, got "x"')
  })

  test('oneOf takes the allowed values only', () => {
    expect(oneOf('store', 'postgres', ['sqlite', 'postgres'])).toBe('postgres')
    expect(() => oneOf('store', 'mysql', ['sqlite', 'postgres'])).toThrow(
      '--store must be one of sqlite, postgres, got "mysql"',
    )
  })
})

describe('a script run with', () => {
  test('--help prints its usage and exits 0', async () => {
    const { code, stdout } = await runChaosScript(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('npm run chaos:kill -- [options]')
    expect(stdout).toContain('--store <sqlite | postgres>')
  })

  test('a bad value or an unknown option prints the error and the usage and exits 2, with no stack trace', async () => {
    for (const [args, message] of [
      [['--store', 'mysql'], 'error: --store must be one of sqlite, postgres, got "mysql"'],
      [['--bogus'], "error: Unknown option '--bogus'"],
    ] as const) {
      const { code, stderr } = await runChaosScript([...args])
      expect(code).toBe(2)
      expect(stderr).toContain(message)
      expect(stderr).toContain('npm run chaos:kill -- [options]')
      expect(stderr).not.toMatch(/^\s+at /m)
    }
  })
})
