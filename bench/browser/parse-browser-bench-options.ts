/**
 * parseBrowserBenchOptions: the command line of `npm run bench:browser` (bench/browser-paint.ts), apart from the
 * script so its rules are tested without a browser.
 */
import { parseArgs } from 'node:util'
import { CliUsageError, integerOption } from '../../server/cli/run-cli.ts'

/** What one run of the browser bench does. */
export interface BrowserBenchOptions {
  readonly quick: boolean
  /** Repetitions of every measurement (each on a fresh browser context). */
  readonly runs: number
  /** Tokens of the paced reply of the token-to-paint measurement, per run. */
  readonly tokens: number
  /** Earlier messages of the conversation in the second token-to-paint measurement; 0 leaves it out. */
  readonly history: number
  /** Messages sent per run in the send-to-reply measurement. */
  readonly sends: number
  /** Reply sizes, in tokens, of the cached sessions reloaded; the first is the small baseline. */
  readonly sessionTokens: readonly number[]
  /** Where the results go as JSON. */
  readonly json: string
}

/** Usage text printed by `--help` and on a bad command line. */
export const BROWSER_BENCH_USAGE = `npm run bench:browser -- [options]
  --quick                 one run of small sizes (a smoke test)
  --runs <n>              repetitions of every measurement (default 3)
  --tokens <n>            tokens of the paced reply per run (default 300)
  --history <n>           earlier messages of the conversation the reply is measured in again (default 400; 0: not measured)
  --sends <n>             messages sent per run (default 20)
  --sizes <n>,<n>,…       reply sizes of the cached sessions, in tokens (default 10,10000,100000; the first is the baseline)
  --json <file>           where to write the results (default bench/results/browser-latest.json)`

const DEFAULTS = { runs: 3, tokens: 300, history: 400, sends: 20, sessionTokens: [10, 10_000, 100_000] } as const
const QUICK = { runs: 1, tokens: 30, history: 40, sends: 3, sessionTokens: [10, 1_000] } as const

/** Reads `args` (process.argv without node and the script). @throws CliUsageError */
export function parseBrowserBenchOptions(args: readonly string[], defaultJson: string): BrowserBenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      tokens: { type: 'string' },
      history: { type: 'string' },
      sends: { type: 'string' },
      sizes: { type: 'string' },
      json: { type: 'string', default: defaultJson },
    },
  })
  const base = values.quick ? QUICK : DEFAULTS
  const sessionTokens =
    values.sizes === undefined
      ? [...base.sessionTokens]
      : values.sizes.split(',').map((size) => integerOption('sizes', size))
  if (sessionTokens.length < 2) throw new CliUsageError('--sizes needs a baseline and at least one size to compare')
  return {
    quick: values.quick,
    runs: values.runs === undefined ? base.runs : integerOption('runs', values.runs),
    tokens: values.tokens === undefined ? base.tokens : integerOption('tokens', values.tokens),
    history: values.history === undefined ? base.history : integerOption('history', values.history, 0),
    sends: values.sends === undefined ? base.sends : integerOption('sends', values.sends),
    sessionTokens,
    json: values.json,
  }
}
