/**
 * Browser benchmarks (`npm run bench:browser`): Debian's Chromium (/usr/bin/chromium, headless) against a real
 * Lifeline server (SQLite) serving the demo page, with the agent in this process. It measures, over fresh browser
 * contexts and repeated runs:
 *
 * 1. token → glyph painted: the agent hands a token to the reply writer; the frame showing it is painted (with the
 *    page's main-thread CPU time per token), in a new conversation and in one of `--history` earlier messages;
 * 2. send → first reply text painted, with an agent that answers at once;
 * 3. offline reload → transcript of a cached session (`context.setOffline(true)`), per reply size;
 * 4. first paint, first contentful paint and transcript on an online reload of a cached session.
 *
 * For 3 and 4, "transcript" is the frame showing the whole reply, "transcript end" the first frame showing its last
 * characters: what the reader sees first, the page opening scrolled to the bottom. The first online reload follows
 * the first visit at once (the page's code not yet in the browser's code cache, the service worker just installed);
 * "later reloads" is the median of three more, a session opened again later.
 *
 * Before them it reports the frame interval, and how long a frame asked for takes to be painted on an idle page and
 * on a page running a CSS animation (bench/browser/measure-frame-start.ts).
 *
 * 1 and 2 run the same steps against the peer page: the demo's HTML, style sheet and message list drawing fed by a
 * raw `ws` relay (bench/browser/serve-relay-chat.ts). 3 and 4 have no such peer (the relay keeps nothing across a
 * reload); they are compared with a small session's reload in the same run. How paints are observed and clocks
 * aligned: bench/browser/observe-paints.ts and measure-clock-offset.ts. Prints one table (medians of the runs) and
 * each run's figures; writes the results as JSON.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import { createDemoAppHandler } from '../demo/serve-demo-app.ts'
import { runCli } from '../server/cli/run-cli.ts'
import { createSqliteUpdateLog } from '../server/persistence/sqlite-update-log.ts'
import { DEFAULT_SESSION_LIMITS } from '../shared/limits/session-limits.ts'
import { createSessionServer } from '../server/session-server.ts'
import { createSeededRandom, testSeed } from '../shared/testing/seeded-random.ts'
import { type BenchChat, lifelineChat, relayChat } from './browser/bench-chat.ts'
import { openBenchPage } from './browser/bench-page.ts'
import { measureCachedReload, writeBenchSession } from './browser/measure-cached-reload.ts'
import { measureFrameStart } from './browser/measure-frame-start.ts'
import { measureSendToReply } from './browser/measure-send-to-reply.ts'
import { measureTokenPaint } from './browser/measure-token-paint.ts'
import { BROWSER_BENCH_USAGE, parseBrowserBenchOptions } from './browser/parse-browser-bench-options.ts'
import { percentile } from './browser/percentile.ts'
import { serveRelayChat } from './browser/serve-relay-chat.ts'
import { formatBenchTable, formatValue } from './format-bench-table.ts'
import type { BenchRow } from './scenarios/bench-scenario.ts'

const options = runCli(BROWSER_BENCH_USAGE, (args) =>
  parseBrowserBenchOptions(args, fileURLToPath(new URL('./results/browser-latest.json', import.meta.url))),
)
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking']
const NO_PEER = 'the raw relay page keeps nothing across a reload: compare with the baseline session below'

/** One measured figure per run, per system. */
type Samples = Partial<Record<'raw' | 'lifeline', number[]>>
const figures = new Map<string, { scenario: string; metric: string; samples: Samples }>()
const record = (scenario: string, metric: string, system: 'raw' | 'lifeline', value: number): void => {
  const key = `${scenario}\u0000${metric}`
  const entry = figures.get(key) ?? { scenario, metric, samples: {} }
  entry.samples[system] = [...(entry.samples[system] ?? []), value]
  figures.set(key, entry)
}
const median = (values: readonly number[]): number => percentile(values, 50)

const started = performance.now()
const header = `${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, load average ${loadavg()
  .map((load) => load.toFixed(2))
  .join(' / ')}`
const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-browser-'))
const server = await createSessionServer({
  port: 0,
  host: '127.0.0.1',
  // A conversation's earlier messages are written at once, as one principal (bench/browser/bench-chat.ts).
  limits: { messageBurst: Math.max(DEFAULT_SESSION_LIMITS.messageBurst, options.history) },
  updateLog: createSqliteUpdateLog({ path: join(dir, 'bench.sqlite') }),
  handleRequest: await createDemoAppHandler(),
})
const relay = await serveRelayChat()
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
const details: string[] = []
try {
  const version = browser.version()
  const frameMs = await frameInterval()
  details.push(`Chromium ${version} headless, frame interval ${frameMs.toFixed(1)} ms (median of 60 frames)`)
  const frameStart = await measureFrameStart(browser)
  details.push(
    `asked-for frame painted after (median of 60): ${frameStart.idleMs.toFixed(1)} ms on an idle page, ${frameStart.animatingMs.toFixed(1)} ms on a page running a CSS animation`,
  )
  const random = createSeededRandom(testSeed(7))
  const chats: BenchChat[] = [relayChat(relay), lifelineChat(server)]
  const tokenScenario = `token → glyph painted, ${options.tokens} paced tokens`
  const historyScenario = `${tokenScenario}, after ${options.history} earlier messages`
  const sendScenario = `send → first reply text painted, ${options.sends} sends`
  for (let run = 0; run < options.runs; run++) {
    for (const [scenario, history] of [
      [tokenScenario, 0],
      [historyScenario, options.history],
    ] as const) {
      if (scenario === historyScenario && history === 0) continue
      for (const chat of chats) {
        console.error(`run ${run + 1}/${options.runs}: ${chat.system} token → paint, ${history} earlier messages`)
        const paint = await measureTokenPaint(browser, chat, {
          name: `paint-${run}-${history}`,
          tokens: options.tokens,
          random,
          history,
        })
        record(scenario, 'p50 ms', chat.system, percentile(paint.paintMs, 50))
        record(scenario, 'p99 ms', chat.system, percentile(paint.paintMs, 99))
        record(scenario, 'p50 ms, token → DOM', chat.system, percentile(paint.domMs, 50))
        record(scenario, 'p99 ms, token → DOM', chat.system, percentile(paint.domMs, 99))
        record(scenario, 'clock offset error ms', chat.system, paint.clockErrorMs)
        record(scenario, 'page main-thread CPU ms per token', chat.system, paint.taskMsPerToken)
        record(scenario, 'page JavaScript CPU ms per token', chat.system, paint.scriptMsPerToken)
      }
    }
    for (const chat of chats) {
      console.error(`run ${run + 1}/${options.runs}: ${chat.system} send → reply`)
      const latencies = await measureSendToReply(browser, chat, { name: `send-${run}`, sends: options.sends })
      record(sendScenario, 'p50 ms', chat.system, percentile(latencies, 50))
      record(sendScenario, 'p99 ms', chat.system, percentile(latencies, 99))
    }
  }
  for (const tokens of options.sessionTokens) {
    const name = `cached-${tokens}`
    await writeBenchSession(server, name, tokens)
    for (let run = 0; run < options.runs; run++) {
      console.error(`run ${run + 1}/${options.runs}: reloads of a ${tokens}-token session`)
      const reload = await measureCachedReload(browser, server, { name, tokens })
      const online = `online reload, cached ${tokens}-token session`
      const offline = `offline reload, cached ${tokens}-token session`
      record(online, 'ms to first paint', 'lifeline', reload.online.firstPaintMs)
      record(online, 'ms to first contentful paint', 'lifeline', reload.online.firstContentfulPaintMs)
      record(online, 'ms to transcript in DOM', 'lifeline', reload.online.transcriptInDomMs)
      record(online, 'ms to transcript painted', 'lifeline', reload.online.transcriptMs)
      record(online, 'ms to transcript end painted', 'lifeline', reload.online.transcriptEndMs)
      record(online, 'ms to transcript end painted, later reloads', 'lifeline', reload.laterTranscriptEndMs)
      record(offline, 'ms to first contentful paint', 'lifeline', reload.offline.firstContentfulPaintMs)
      record(offline, 'ms to transcript in DOM', 'lifeline', reload.offline.transcriptInDomMs)
      record(offline, 'ms to transcript painted', 'lifeline', reload.offline.transcriptMs)
      record(offline, 'ms to transcript end painted', 'lifeline', reload.offline.transcriptEndMs)
    }
  }
} finally {
  await browser.close()
  await relay.close()
  await server.close()
  rmSync(dir, { recursive: true, force: true })
}

const rows: BenchRow[] = [...figures.values()].map(({ scenario, metric, samples }) => ({
  scenario,
  metric,
  lowerIsBetter: true,
  values: {
    ...(samples.raw === undefined ? {} : { raw: median(samples.raw) }),
    ...(samples.lifeline === undefined ? {} : { lifeline: median(samples.lifeline) }),
  },
  ...(samples.raw === undefined ? { notApplicable: { raw: NO_PEER } } : {}),
}))
const runsOf = (values: readonly number[] | undefined): string =>
  values === undefined
    ? '–'
    : `${values.map(formatValue).join(' / ')} (spread ${formatValue(Math.max(...values) - Math.min(...values))})`
details.push(`Each run (${options.runs} runs; the table shows their medians):`)
for (const { scenario, metric, samples } of figures.values())
  details.push(`  ${scenario} | ${metric} | Lifeline ${runsOf(samples.lifeline)} | raw ws relay ${runsOf(samples.raw)}`)
const baseline = options.sessionTokens[0]
for (const tokens of options.sessionTokens.slice(1)) {
  for (const mode of ['online', 'offline']) {
    const of = (size: number | undefined): number | undefined =>
      figures
        .get(`${mode} reload, cached ${size}-token session\u0000ms to transcript painted`)
        ?.samples.lifeline?.map((v) => v)
        .sort((a, b) => a - b)[Math.floor(options.runs / 2)]
    const [big, small] = [of(tokens), of(baseline)]
    if (big !== undefined && small !== undefined)
      details.push(`${mode} reload to transcript, ${tokens} ÷ ${baseline} tokens: ${(big / small).toFixed(2)}×`)
  }
}
const seconds = (performance.now() - started) / 1000
mkdirSync(dirname(options.json), { recursive: true })
writeFileSync(
  options.json,
  JSON.stringify({ machine: header, options, rows, details, samples: [...figures.values()], seconds }, null, 2),
)
console.log(header)
console.log(formatBenchTable(rows, ['raw', 'lifeline']))
for (const line of details) console.log(line)
console.log(
  `load average at the end ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' / ')}; total runtime ${seconds.toFixed(0)} s`,
)

/** The page's frame interval: median gap between 60 animation frames of a blank page. */
async function frameInterval(): Promise<number> {
  const bench = await openBenchPage(browser)
  try {
    const times = await bench.page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const seen: number[] = []
          const frame = (time: number): void => {
            seen.push(time)
            if (seen.length < 61) requestAnimationFrame(frame)
            else resolve(seen)
          }
          requestAnimationFrame(frame)
        }),
    )
    return median(times.slice(1).map((time, index) => time - (times[index] ?? time)))
  } finally {
    await bench.close()
  }
}
