/**
 * Scenario `resume`: a viewer holding the first BEFORE tokens of a reply disconnects; the agent writes GAP more
 * tokens (at 50 tokens/s that is a 5 s gap); the viewer reconnects. Reported: payload bytes it received from
 * reconnecting until it holds the whole reply, and that time. A second viewer stays connected as the witness that
 * the server holds every token before the reconnect.
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

/** The resume-after-a-gap scenario. */
export const resumeAfterGap: BenchScenario = {
  name: 'resume',
  async run({ quick, systems, progress }) {
    const before = quick ? 100 : 1_000
    const gap = quick ? 50 : 250
    const runs = new Map<SystemName, TimedDownload[]>()
    const failures: FailureNotes = {}
    for (const system of systems) {
      const resumed: TimedDownload[] = []
      for (let repeat = 0; repeat < (quick ? 1 : REPEATS); repeat++) {
        const run = await tryMeasure(system, failures, progress, () => resumeOnce(system, before, gap))
        if (run === undefined) break
        progress(`  resume ${system}: ${run.ms.toFixed(2)} ms, ${run.bytes} bytes`)
        resumed.push(run)
      }
      if (failures[system] === undefined) runs.set(system, resumed)
    }
    return {
      rows: downloadRows(`resume after ${gap} missed tokens (of ${before + gap})`, 'ms to caught-up', runs, failures),
    }
  },
}

function resumeOnce(system: SystemName, before: number, gap: number): Promise<TimedDownload> {
  const driver = BENCH_SYSTEMS[system]
  return withSystemServer(system, async (server) => {
    const streamId = `resume-${createRandomId(8)}`
    const witness = createLengthWatch()
    const follower = createLengthWatch()
    const producer = await driver.openProducer(server.url, streamId)
    const witnessViewer = await driver.openViewer(server.url, streamId, witness.onLength)
    const viewer = await driver.openViewer(server.url, streamId, follower.onLength)
    try {
      const beforeLength = expectedText(before).length
      const total = expectedText(before + gap).length
      await producer.stream(
        (async function* () {
          for (let index = 0; index < before; index++) yield tokenAt(index)
          await follower.waitFor(beforeLength, DELIVERY_TIMEOUT_MS, `the viewer to hold ${before} tokens`)
          viewer.pause()
          for (let index = before; index < before + gap; index++) yield tokenAt(index)
        })(),
      )
      await witness.waitFor(total, DELIVERY_TIMEOUT_MS, 'the witness to hold every token')
      const bytesBefore = viewer.bytesReceived
      const started = performance.now()
      viewer.resume()
      await follower.waitFor(total, DELIVERY_TIMEOUT_MS, 'the resumed viewer to catch up')
      return { ms: performance.now() - started, bytes: viewer.bytesReceived - bytesBefore }
    } finally {
      await Promise.all([viewer.close(), witnessViewer.close()])
      await producer.close()
    }
  })
}
