/**
 * `npm run chaos:kill`: the full kill -9 run (default 200 kills) on SQLite, or on PostgreSQL with
 * `--store postgres`. Options: --kills N, --seed N (`--help` lists them). Prints progress, then
 * `kills=… acked=N lost=0 duplicated=0 divergent=0`, and exits non-zero if anything was lost or duplicated, or the
 * agent's client reported an error (e.g. a refused update).
 */
import { parseArgs } from 'node:util'
import { integerOption, oneOf, runCli } from '../../server/cli/run-cli.ts'
import { createTestStore, TEST_POSTGRES_URL } from '../testing/test-store.ts'
import { formatKillChaos, runKillChaos } from './run-kill-chaos.ts'

const USAGE = `npm run chaos:kill -- [options]
  --kills <n>                   server kills (default 200)
  --seed <n>                    replays a run (default: from the clock)
  --store <sqlite | postgres>   default sqlite`

const { kills, seed, kind } = runCli(USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      kills: { type: 'string', default: '200' },
      seed: { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
    },
  })
  return {
    kills: integerOption('kills', values.kills),
    seed: values.seed === undefined ? Date.now() % 1_000_000 : integerOption('seed', values.seed, 0),
    kind: oneOf('store', values.store, ['sqlite', 'postgres'] as const),
  }
})
const store = createTestStore(kind)
const started = Date.now()
console.error(`chaos:kill on ${kind} (${store.location}), ${kills} kills, seed ${seed}`)
try {
  const result = await runKillChaos({
    kills,
    seed,
    store: kind === 'sqlite' ? store.location : `${TEST_POSTGRES_URL}?schema=${store.location}`,
    openLog: () => store.open(),
    log: (line) => console.error(line),
  })
  console.log(formatKillChaos(result))
  console.error(`took ${((Date.now() - started) / 1000).toFixed(1)} s`)
  process.exitCode =
    result.lost === 0 && result.duplicated === 0 && result.divergent === 0 && result.agentErrors.length === 0 ? 0 : 1
} finally {
  await store.remove()
}
process.exit() // reason: the `pg` pool of the store and closed sockets may keep the event loop alive briefly
