/**
 * Scenario `persist`: what persisting before the acknowledgement costs, for the systems that do it. Lifeline: a
 * session server (in this process) over each UpdateLog — memory (no persistence), SQLite `process` and `power`,
 * PostgreSQL — measuring ack latency (one token flushed → durable) and one agent's durable flood throughput (as
 * `npm run bench:persist`, smaller). Durable Streams: its in-memory store vs its file store (fdatasync per
 * append): POST → 204 latency of one token, and a batched flood until the last POST is acknowledged.
 */
import { createSessionServer } from '../../server/session-server.ts'
import { createRandomId } from '../../shared/session/session-id.ts'
import { tokenAt } from '../../shared/testing/token-stream.ts'
import { openBenchStores, type BenchStore } from '../bench-stores.ts'
import { floodSessions } from '../flood-sessions.ts'
import { measureAckLatency } from '../measure-ack-latency.ts'
import { timedTokens } from '../stream-plan.ts'
import { durableStreamsSystem } from '../systems/durable-streams-system.ts'
import { serveSystem } from '../systems/serve-system.ts'
import type { BenchRow, BenchScenario } from './bench-scenario.ts'
import { asTokens } from './measure-stream.ts'
import { medianBy } from './median-by.ts'

const POSTGRES_URL = process.env.LIFELINE_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const TIMEOUT_MS = 60_000
const NOT_PERSISTED: BenchRow['notApplicable'] = {
  raw: 'the raw relay persists nothing',
  hocuspocus: 'stock Hocuspocus acknowledges on apply; its persistence (onStoreDocument) is debounced after the ack',
}
const NO_SUCH_STORE = 'Durable Streams has no such store'

/** Ack latency and durable flood throughput of one store. */
interface StoreFigures {
  readonly ackP50Ms: number
  readonly ackP99Ms: number
  readonly floodTokensPerSecond: number
}

/** The persist-before-ack cost scenario. */
export const persistAckCost: BenchScenario = {
  name: 'persist',
  async run({ quick, systems, progress }) {
    const acks = quick ? 50 : 500
    const floodTokens = quick ? 2_000 : 50_000
    const lifeline = systems.includes('lifeline')
      ? await measureLifeline(acks, floodTokens, progress)
      : new Map<string, StoreFigures>()
    const durableStreams = systems.includes('durable-streams')
      ? await measureDurableStreams(acks, floodTokens, progress)
      : new Map<string, StoreFigures>()
    const scenario = `persist-before-ack (${acks} acks, ${floodTokens / 1000}k-token flood)`
    const stores: Array<{ label: string; lifeline: string; durableStreams?: string }> = [
      { label: 'memory (no persistence)', lifeline: 'memory', durableStreams: 'memory' },
      { label: 'SQLite process / DS file', lifeline: 'sqlite process', durableStreams: 'file' },
      { label: 'SQLite power (fsync)', lifeline: 'sqlite power' },
      { label: 'PostgreSQL', lifeline: 'postgres' },
    ]
    const row = (
      metric: string,
      lowerIsBetter: boolean,
      pick: (figures: StoreFigures) => number,
      store: (typeof stores)[number],
    ): BenchRow => {
      const lifelineFigures = lifeline.get(store.lifeline)
      const dsFigures = store.durableStreams === undefined ? undefined : durableStreams.get(store.durableStreams)
      return {
        scenario,
        metric: `${metric}, ${store.label}`,
        values: {
          ...(lifelineFigures === undefined ? {} : { lifeline: pick(lifelineFigures) }),
          ...(dsFigures === undefined ? {} : { 'durable-streams': pick(dsFigures) }),
        },
        notApplicable: {
          ...NOT_PERSISTED,
          ...(store.durableStreams === undefined ? { 'durable-streams': NO_SUCH_STORE } : {}),
        },
        lowerIsBetter,
      }
    }
    const cost = (metric: string, pick: (figures: StoreFigures) => number, lowerIsBetter: boolean): BenchRow => {
      const values: BenchRow['values'] = {}
      for (const [system, figures, durable] of [
        ['lifeline', lifeline, 'sqlite process'],
        ['durable-streams', durableStreams, 'file'],
      ] as const) {
        const memory = figures.get('memory')
        const stored = figures.get(durable)
        if (memory !== undefined && stored !== undefined) values[system] = pick(stored) / pick(memory)
      }
      return {
        scenario,
        metric: `${metric}, SQLite process / DS file ÷ memory`,
        values,
        notApplicable: NOT_PERSISTED,
        lowerIsBetter,
      }
    }
    return {
      rows: [
        ...stores.map((store) => row('ack p50 ms', true, (figures) => figures.ackP50Ms, store)),
        ...stores.map((store) => row('ack p99 ms', true, (figures) => figures.ackP99Ms, store)),
        ...stores.map((store) => row('durable flood tok/s', false, (figures) => figures.floodTokensPerSecond, store)),
        cost('ack p50', (figures) => figures.ackP50Ms, true),
        cost('durable flood tok/s', (figures) => figures.floodTokensPerSecond, false),
      ],
    }
  },
}

async function measureLifeline(
  acks: number,
  floodTokens: number,
  progress: (line: string) => void,
): Promise<Map<string, StoreFigures>> {
  const benchStores = await openBenchStores(POSTGRES_URL)
  const figures = new Map<string, StoreFigures>()
  try {
    for (const fact of benchStores.facts) progress(`  ${fact}`)
    const [memory] = benchStores.stores
    if (memory !== undefined)
      await withLifeline(memory, (url) =>
        measureAckLatency({ url, sessionId: `warm-${createRandomId(8)}`, updates: 20, timeoutMs: TIMEOUT_MS }),
      )
    for (const store of benchStores.stores) {
      const ack = await withLifeline(store, (url) =>
        measureAckLatency({ url, sessionId: `ack-${createRandomId(8)}`, updates: acks, timeoutMs: TIMEOUT_MS }),
      )
      const floods = []
      for (let repeat = 0; repeat < 3; repeat++) {
        floods.push(
          await withLifeline(store, (url) =>
            floodSessions({
              url,
              sessionIds: [`flood-${createRandomId(8)}`],
              tokensPerSession: floodTokens,
              timeoutMs: TIMEOUT_MS,
              chargePostgresCpu: false,
            }),
          ),
        )
      }
      const flood = medianBy(floods, (run) => run.tokensPerSecond)
      figures.set(store.label, {
        ackP50Ms: ack.p50Ms,
        ackP99Ms: ack.p99Ms,
        floodTokensPerSecond: flood.tokensPerSecond,
      })
      progress(
        `  persist lifeline ${store.label}: ack p50 ${ack.p50Ms.toFixed(2)} ms, p99 ${ack.p99Ms.toFixed(2)} ms; flood ${Math.round(flood.tokensPerSecond)} tok/s`,
      )
    }
  } finally {
    await benchStores.dispose()
  }
  return figures
}

/** Runs `body` against a fresh Lifeline server over a fresh log of `store`; closing the server closes the log. */
async function withLifeline<T>(store: BenchStore, body: (url: string) => Promise<T>): Promise<T> {
  const { log, cleanUp } = await store.open()
  try {
    const server = await createSessionServer({
      port: 0,
      updateLog: log,
      onError: (error) => {
        console.error('[lifeline]', error)
      },
    })
    try {
      return await body(server.websocketUrl)
    } finally {
      await server.close()
    }
  } finally {
    cleanUp()
  }
}

async function measureDurableStreams(
  acks: number,
  floodTokens: number,
  progress: (line: string) => void,
): Promise<Map<string, StoreFigures>> {
  const figures = new Map<string, StoreFigures>()
  for (const [label, fileBacked] of [
    ['memory', false],
    ['file', true],
  ] as const) {
    const served = await serveSystem('durable-streams', fileBacked)
    try {
      const latencies = await postLatencies(`${served.url}/v1/stream/ack-${createRandomId(8)}`, acks)
      const floods: number[] = []
      for (let repeat = 0; repeat < 3; repeat++) {
        const producer = await durableStreamsSystem.openProducer(served.url, `flood-${createRandomId(8)}`)
        const sentAt = new Float64Array(floodTokens)
        await producer.stream(asTokens(timedTokens({ scenario: 'flood', viewers: 0, tokens: floodTokens }, sentAt)))
        floods.push(floodTokens / ((performance.now() - (sentAt[0] ?? 0)) / 1000))
      }
      const flood = medianBy(floods, (value) => value)
      figures.set(label, {
        ackP50Ms: percentile(latencies, 0.5),
        ackP99Ms: percentile(latencies, 0.99),
        floodTokensPerSecond: flood,
      })
      progress(
        `  persist durable-streams ${label}: ack p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms; flood ${Math.round(flood)} tok/s`,
      )
    } finally {
      await served.close()
    }
  }
  return figures
}

/** Creates the stream at `streamUrl`, then POSTs `count` one-token appends one at a time; returns sorted POST → 204 times. */
async function postLatencies(streamUrl: string, count: number): Promise<number[]> {
  const headers = { 'content-type': 'text/plain' }
  await fetch(streamUrl, { method: 'PUT', headers })
  const latencies: number[] = []
  for (let index = 0; index < count; index++) {
    const started = performance.now()
    const response = await fetch(streamUrl, { method: 'POST', headers, body: tokenAt(index) })
    if (!response.ok) throw new Error(`Durable Streams append failed: ${response.status}`)
    latencies.push(performance.now() - started)
  }
  return latencies.sort((a, b) => a - b)
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length))) - 1] ?? Number.NaN
}
