/**
 * Token cost bench (`npm run bench:token-cost`): CPU time per token of each stage of the paced path — the producer
 * (agent SDK), the server, one viewer — for Lifeline and stock Hocuspocus in the same run. CPU time, unlike latency,
 * barely moves with other load on the machine. Each system's server runs in a child process (startSystemServer), the
 * viewer in another (token-cost-viewer.ts), the producer in this one; after a warm-up stream on the same server, the
 * producer streams TOKENS tokens at RATE tokens/s to the viewer and each process's CPU time over the stream is divided
 * by the tokens. Rounds alternate the systems' order. The producer's figure includes its pacing timers (the same for
 * both systems) and the server's includes its idle work during the stream (heartbeats, presence renewals).
 * `--profile <dir>` also writes CPU profiles of the server and the producer over each measured stream there
 * (`<system>-server-<round>.cpuprofile`); profiling adds to the CPU figures of that run.
 *
 *   npm run bench:token-cost -- [--tokens 1000] [--rate 100] [--rounds 3] [--systems hocuspocus,lifeline] [--profile <dir>]
 */
import { fork } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { integerOption, oneOf, runCli } from '../server/cli/run-cli.ts'
import { percentile } from './browser/percentile.ts'
import { startCpuProfile } from './cpu-profile.ts'
import { replyReader } from '../e2e/testing/reply-reader.ts'
import { createRandomId } from '../shared/session/session-id.ts'
import { asTokens, warmUp } from './scenarios/measure-stream.ts'
import { withSystemServer } from './scenarios/with-system-server.ts'
import { timedTokens } from './stream-plan.ts'
import { SYSTEM_NAMES, type SystemName } from './systems/bench-system.ts'
import { BENCH_SYSTEMS } from './systems/bench-systems.ts'
import type { ViewerReply } from './token-cost-viewer.ts'

const VIEWER_ENTRY = fileURLToPath(new URL('./token-cost-viewer.ts', import.meta.url))
const STEP_TIMEOUT_MS = 60_000

/** CPU µs per token of each stage in one stream, and the producer's updates where its driver counts them. */
interface StageCost {
  readonly producer: number
  readonly server: number
  readonly viewer: number
  readonly writes: number | undefined
}

const USAGE = `npm run bench:token-cost -- [options]
  --tokens <n>             tokens of each measured stream (default 1000)
  --rate <n>               tokens per second (default 100)
  --rounds <n>             measured streams per system (default 3)
  --systems <system>[,…]   of ${SYSTEM_NAMES.join(', ')} (default hocuspocus,lifeline)
  --profile <dir>          also write CPU profiles of the server and the producer there`

const { tokens, rate, rounds, systems, profileDir } = runCli(USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      tokens: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '100' },
      rounds: { type: 'string', default: '3' },
      systems: { type: 'string', default: 'hocuspocus,lifeline' },
      profile: { type: 'string' },
    },
  })
  return {
    tokens: integerOption('tokens', values.tokens),
    rate: integerOption('rate', values.rate),
    rounds: integerOption('rounds', values.rounds),
    systems: values.systems.split(',').map((system) => oneOf('systems', system, SYSTEM_NAMES)),
    profileDir: values.profile,
  }
})
if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true })

/** One measured stream of `system`. */
function measure(system: SystemName, round: number): Promise<StageCost> {
  const driver = BENCH_SYSTEMS[system]
  return withSystemServer(system, async (server) => {
    await warmUp(system, server.url)
    const streamId = `cost-${createRandomId(8)}`
    const viewer = fork(VIEWER_ENTRY, [system, server.url, streamId, String(tokens)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const nextReply = replyReader<ViewerReply>(viewer, 'viewer')
    try {
      await nextReply('ready', STEP_TIMEOUT_MS)
      const producer = await driver.openProducer(server.url, streamId)
      try {
        const started = nextReply('started', STEP_TIMEOUT_MS)
        viewer.send({ type: 'start' })
        await started
        const done = nextReply('done', STEP_TIMEOUT_MS)
        const stopProfiles =
          profileDir === undefined ? undefined : await Promise.all([server.cpuProfile(), startCpuProfile()])
        const serverBefore = await server.cpuMicros()
        const ownBefore = process.cpuUsage()
        const sentAt = new Float64Array(tokens)
        await producer.stream(
          asTokens(timedTokens({ scenario: 'paced', viewers: 1, tokens, tokensPerSecond: rate }, sentAt)),
        )
        const own = process.cpuUsage(ownBefore)
        const { micros: viewerMicros } = await done
        const serverMicros = (await server.cpuMicros()) - serverBefore
        if (stopProfiles !== undefined) {
          const [stopServer, stopProducer] = stopProfiles
          await stopServer(join(profileDir as string, `${system}-server-${round + 1}.cpuprofile`))
          await stopProducer(join(profileDir as string, `${system}-producer-${round + 1}.cpuprofile`))
        }
        return {
          producer: (own.user + own.system) / tokens,
          server: serverMicros / tokens,
          viewer: viewerMicros / tokens,
          writes: producer.writes,
        }
      } finally {
        await producer.close()
      }
    } finally {
      if (viewer.exitCode === null) viewer.kill()
    }
  })
}

function spread(samples: readonly number[]): string {
  const [median, min, max] = [percentile(samples, 50), percentile(samples, 0), percentile(samples, 100)]
  return `${median.toFixed(0)} (${min.toFixed(0)}–${max.toFixed(0)})`
}

const results = new Map<SystemName, StageCost[]>(systems.map((system) => [system, []]))
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? systems : [...systems].reverse()
  for (const system of order) {
    const cost = await measure(system, round)
    results.get(system)?.push(cost)
    console.error(
      `round ${round + 1} ${system}: producer ${cost.producer.toFixed(0)} µs/token, server ${cost.server.toFixed(0)}, ` +
        `viewer ${cost.viewer.toFixed(0)}${cost.writes === undefined ? '' : `, ${cost.writes} updates`}`,
    )
  }
}
console.log(`CPU µs per token, ${tokens} tokens at ${rate} tok/s, 1 viewer; median (min–max) of ${rounds} rounds`)
console.log('| system | producer | server | viewer |')
console.log('|---|---|---|---|')
for (const [system, costs] of results) {
  const row = (['producer', 'server', 'viewer'] as const).map((stage) => spread(costs.map((cost) => cost[stage])))
  console.log(`| ${system} | ${row.join(' | ')} |`)
}
console.log(
  `load average ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ')}`,
)
