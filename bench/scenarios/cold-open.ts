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
import type { BenchScenario } from './bench-scenario.ts'
import { downloadRows, type TimedDownload } from './download-rows.ts'
import { DELIVERY_TIMEOUT_MS } from './measure-stream.ts'
import { tryMeasure, type FailureNotes } from './try-measure.ts'
import { createLengthWatch } from './wait-for-length.ts'
import { withSystemServer } from './with-system-server.ts'

const REPEATS = 3

/** The cold-open scenario. */
export const coldOpen: BenchScenario = {
  name: 'cold-open',
  async run({ quick, systems, progress }) {
    const tokens = quick ? 5_000 : 100_000
    const runs = new Map<SystemName, TimedDownload[]>()
    const failures: FailureNotes = {}
    for (const system of systems) {
      const opened = await tryMeasure(system, failures, progress, () => openCold(system, tokens, quick ? 1 : REPEATS))
      if (opened === undefined) continue
      for (const run of opened) progress(`  cold open ${system}: ${run.ms.toFixed(1)} ms, ${run.bytes} bytes`)
      runs.set(system, opened)
    }
    return { rows: downloadRows(`cold open of a ${tokens / 1000}k-token reply`, 'ms to full text', runs, failures) }
  },
}

function openCold(system: SystemName, tokens: number, repeats: number): Promise<TimedDownload[]> {
  const driver = BENCH_SYSTEMS[system]
  return withSystemServer(system, async (server) => {
    const streamId = `cold-${createRandomId(8)}`
    const total = expectedText(tokens).length
    const producer = await driver.openProducer(server.url, streamId)
    try {
      const witness = createLengthWatch()
      const witnessViewer = await driver.openViewer(server.url, streamId, witness.onLength)
      try {
        await producer.stream(
          (async function* () {
            for (let index = 0; index < tokens; index++) yield tokenAt(index)
          })(),
        )
        await witness.waitFor(total, DELIVERY_TIMEOUT_MS, 'the witness to hold every token')
      } finally {
        // Also after a timeout: a viewer left open would keep reconnecting and the bench process would never exit.
        await witnessViewer.close()
      }
      const opened: TimedDownload[] = []
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
