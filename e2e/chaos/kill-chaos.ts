/**
 * `npm run chaos:kill`: the full kill -9 run (default 200 kills) on SQLite, or on PostgreSQL with
 * `--store postgres`. Options: --kills N, --seed N. Prints progress, then
 * `kills=… acked=N lost=0 duplicated=0 divergent=0`, and exits non-zero if anything was lost or duplicated.
 */
import { parseArgs } from 'node:util'
import { createTestStore, TEST_POSTGRES_URL } from '../testing/test-store.ts'
import { formatKillChaos, runKillChaos } from './run-kill-chaos.ts'

const { values } = parseArgs({ options: { kills: { type: 'string', default: '200' }, seed: { type: 'string' }, store: { type: 'string', default: 'sqlite' } } })
const kind = values.store === 'postgres' ? 'postgres' : 'sqlite'
const store = createTestStore(kind)
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed)
const started = Date.now()
console.error(`chaos:kill on ${kind} (${store.location}), ${values.kills} kills, seed ${seed}`)
try {
  const result = await runKillChaos({
    kills: Number(values.kills),
    seed,
    store: kind === 'sqlite' ? store.location : `${TEST_POSTGRES_URL}?schema=${store.location}`,
    openLog: () => store.open(),
    log: (line) => console.error(line),
  })
  console.log(formatKillChaos(result))
  console.error(`took ${((Date.now() - started) / 1000).toFixed(1)} s`)
  process.exitCode = result.lost === 0 && result.duplicated === 0 && result.divergent === 0 ? 0 : 1
} finally {
  await store.remove()
}
process.exit() // reason: the `pg` pool of the store and closed sockets may keep the event loop alive briefly
