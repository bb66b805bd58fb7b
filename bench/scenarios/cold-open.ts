/**
 * Scenario `cold-open`: an agent writes a TOKENS-token reply; then a new client opens the stream and the time
 * until it holds the full text (over the wire: connect, handshake, download, decode) and the payload bytes it
 * received are reported; the median of REPEATS fresh clients. The agent stays connected meanwhile: stock
 * Hocuspocus without a persistence extension would drop the document when its last client leaves, so every
 * server is measured with the session loaded in memory.
 */
import { createRandomId } from '../../shared/session/session-id.ts'
import { expectedText, tokenAt } from '../../shared/testing/token-stream.ts'
import type { SystemName } from '../systems/bench-system.ts'
import { BENCH_SYSTEMS } from '../systems/bench-systems.ts'
import type { BenchRow, BenchScenario } from './bench-scenario.ts'
import { DELIVERY_TIMEOUT_MS } from './measure-stream.ts'
import { medianBy } from './median-by.ts'
import { createLengthWatch } from './wait-for-length.ts'
import { withSystemServer } from './with-system-server.ts'

const REPEATS = 3

/** One cold open. */
interface Opened {
  readonly ms: number
  readonly bytes: number
}

/** The cold-open scenario. */
export const coldOpen: BenchScenario = {
  name: 'cold-open',
  async run ({ quick, systems, progress }) {
    const tokens = quick ? 5_000 : 100_000
    const ms: BenchRow['values'] = {}
    const kb: BenchRow['values'] = {}
    for (const system of systems) {
      const opened = await openCold(system, tokens, quick ? 1 : REPEATS)
      for (const run of opened) progress(`  cold open ${system}: ${run.ms.toFixed(1)} ms, ${run.bytes} bytes`)
      const median = medianBy(opened, (run) => run.ms)
      ms[system] = median.ms
      kb[system] = median.bytes / 1024
    }
    const scenario = `cold open of a ${tokens / 1000}k-token reply`
    return {
      rows: [
        { scenario, metric: 'ms to full text', values: ms, lowerIsBetter: true },
        { scenario, metric: 'KB received', values: kb, lowerIsBetter: true },
      ],
    }
  },
}

function openCold (system: SystemName, tokens: number, repeats: number): Promise<Opened[]> {
  const driver = BENCH_SYSTEMS[system]
  return withSystemServer(system, async (server) => {
    const streamId = `cold-${createRandomId(8)}`
    const total = expectedText(tokens).length
    const producer = await driver.openProducer(server.url, streamId)
    try {
      const witness = createLengthWatch()
      const witnessViewer = await driver.openViewer(server.url, streamId, witness.onLength)
      await producer.stream((async function * () { for (let index = 0; index < tokens; index++) yield tokenAt(index) })())
      await witness.waitFor(total, DELIVERY_TIMEOUT_MS, 'the witness to hold every token')
      await witnessViewer.close()
      const opened: Opened[] = []
      for (let repeat = 0; repeat < repeats; repeat++) {
        const watch = createLengthWatch()
        const started = performance.now()
        const viewer = await driver.openViewer(server.url, streamId, watch.onLength)
        try {
          await watch.waitFor(total, DELIVERY_TIMEOUT_MS, 'the new client to hold the full text')
          opened.push({ ms: performance.now() - started, bytes: viewer.bytesReceived })
        } finally {
          await viewer.close()
        }
      }
      return opened
    } finally {
      await producer.close()
    }
  })
}
