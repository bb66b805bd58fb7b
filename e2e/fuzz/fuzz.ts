/**
 * `npm run fuzz -- --frames 1000000 [--seed N] [--connections K]` (`--help` lists them): the live-server frame fuzz on a fresh SQLite
 * file (e2e/fuzz/run-frame-fuzz.ts). Prints progress every 50 000 frames, then the summary line
 * `frames=… rejected=… accepted=… crashes=0 hangs=0 divergent=0 …` and the throughput of every 100 000 frames, and
 * exits non-zero on any crash, hang or divergence.
 */
import { parseArgs } from 'node:util'
import { createSessionServer } from '../../server/session-server.ts'
import { integerOption, runCli } from '../../server/cli/run-cli.ts'
import { createTestStore } from '../testing/test-store.ts'
import { formatFrameFuzz, formatThroughputCurve, runFrameFuzz } from './run-frame-fuzz.ts'

const USAGE = `npm run fuzz -- [options]
  --frames <n>        frames to send (default 1 000 000)
  --seed <n>          replays a run (default: from the clock)
  --connections <n>   fuzzing connections (default 6: user, agent, observer, user, agent, unauthenticated)`

const { frames, seed, connections } = runCli(USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      frames: { type: 'string', default: '1000000' },
      seed: { type: 'string' },
      connections: { type: 'string' },
    },
  })
  return {
    frames: integerOption('frames', values.frames),
    seed: values.seed === undefined ? Date.now() % 1_000_000 : integerOption('seed', values.seed, 0),
    connections: values.connections === undefined ? undefined : integerOption('connections', values.connections),
  }
})
const store = createTestStore('sqlite')
console.error(`fuzz: ${frames} frames, seed ${seed}, store ${store.location}`)
try {
  const result = await runFrameFuzz({
    frames,
    seed,
    secret: 'lifeline-fuzz-secret-0123456789abcdef',
    sessionId: 'fuzz-session',
    startServer: async (options) => createSessionServer({ ...options, port: 0, updateLog: await store.open() }),
    ...(connections === undefined ? {} : { connections }),
    log: (line) => {
      process.stderr.write(`${line}\n`)
    },
  })
  console.log(formatFrameFuzz(result))
  console.log(formatThroughputCurve(result))
  console.log(`by kind ${JSON.stringify(result.byKind)}; closes ${JSON.stringify(result.closeReasons)}`)
  process.exitCode =
    result.crashes === 0 && result.hangs === 0 && result.divergent === 0 && result.reloadIdentical ? 0 : 1
} finally {
  await store.remove()
}
process.exit() // reason: closed sockets may keep the event loop alive briefly
