/**
 * The browser bench's command line: defaults, the quick sizes, explicit values, and the refusals a person would hit.
 */
import { describe, expect, test } from 'vitest'
import { CliUsageError } from '../../server/cli/run-cli.ts'
import { parseBrowserBenchOptions } from './parse-browser-bench-options.ts'

describe('parseBrowserBenchOptions', () => {
  test('defaults to three runs over the 10k and 100k sessions, with a 10-token baseline and 400 earlier messages', () => {
    expect(parseBrowserBenchOptions([], 'out.json')).toEqual({
      quick: false,
      runs: 3,
      tokens: 300,
      history: 400,
      sends: 20,
      sessionTokens: [10, 10_000, 100_000],
      json: 'out.json',
    })
  })

  test('--quick shrinks every size, and explicit values win over it', () => {
    const quick = parseBrowserBenchOptions(['--quick'], 'out.json')
    expect(quick).toMatchObject({ quick: true, runs: 1, sessionTokens: [10, 1_000] })
    expect(quick.tokens).toBeLessThan(300)
    expect(
      parseBrowserBenchOptions(['--quick', '--runs', '5', '--sizes', '5,50', '--json', 'x.json'], 'out.json'),
    ).toMatchObject({ runs: 5, sessionTokens: [5, 50], json: 'x.json' })
    expect(parseBrowserBenchOptions(['--history', '0'], 'out.json').history).toBe(0)
  })

  test('refuses a size list without a baseline, a bad count and an unknown option', () => {
    expect(() => parseBrowserBenchOptions(['--sizes', '100000'], 'out.json')).toThrow(CliUsageError)
    expect(() => parseBrowserBenchOptions(['--runs', '0'], 'out.json')).toThrow(/--runs needs an integer/)
    expect(() => parseBrowserBenchOptions(['--history', 'many'], 'out.json')).toThrow(/--history needs an integer/)
    expect(() => parseBrowserBenchOptions(['--sizes', '10,ten'], 'out.json')).toThrow(/--sizes needs an integer/)
    expect(() => parseBrowserBenchOptions(['--viewers', '3'], 'out.json')).toThrow(/Unknown option/)
  })
})
