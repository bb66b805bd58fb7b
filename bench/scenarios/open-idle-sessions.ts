/**
 * openIdleSessions: opens `sessions` sessions on one system's server, each holding a short reply (REPLY_TOKENS
 * tokens written by a producer that then leaves) and one idle viewer, CONCURRENCY at a time. Each viewer has a
 * connection of its own, as one device would (no system's viewers share a socket, so per-connection costs count
 * alike); by default Lifeline's viewers run without the heartbeat probes no peer's client sends (ViewerOptions).
 */
import { createRandomId } from '../../shared/session/session-id.ts'
import { expectedText, tokenAt } from '../../shared/testing/token-stream.ts'
import type { BenchViewer, SystemName, ViewerOptions } from '../systems/bench-system.ts'
import { BENCH_SYSTEMS } from '../systems/bench-systems.ts'
import { DELIVERY_TIMEOUT_MS } from './measure-stream.ts'
import { createLengthWatch } from './wait-for-length.ts'

const REPLY_TOKENS = 20
/** Sessions opened at once. */
const CONCURRENCY = 50
/** Progress is reported every this many sessions. */
const PROGRESS_EVERY = 1_000

/** Opens the sessions; resolves their viewers (the caller closes them). Viewers opened before a failure are closed. */
export async function openIdleSessions(
  system: SystemName,
  url: string,
  sessions: number,
  progress: (line: string) => void,
  viewer: ViewerOptions = { idle: true },
): Promise<BenchViewer[]> {
  const driver = BENCH_SYSTEMS[system]
  const viewers: BenchViewer[] = []
  const run = createRandomId(6)
  const reply = expectedText(REPLY_TOKENS)
  const openSession = async (index: number): Promise<void> => {
    const streamId = `idle-${run}-${index}`
    const watch = createLengthWatch()
    const producer = await driver.openProducer(url, streamId)
    try {
      viewers.push(await driver.openViewer(url, streamId, watch.onLength, viewer))
      await producer.stream(
        (async function* () {
          for (let token = 0; token < REPLY_TOKENS; token++) yield tokenAt(token)
        })(),
      )
      await watch.waitFor(reply.length, DELIVERY_TIMEOUT_MS, `the viewer of ${streamId} to hold the reply`)
    } finally {
      await producer.close()
    }
  }
  try {
    for (let next = 0; next < sessions; next += CONCURRENCY) {
      // allSettled: every session of the batch has finished opening (and its viewer is in `viewers`) before a failure is thrown
      const batch = await Promise.allSettled(
        Array.from({ length: Math.min(CONCURRENCY, sessions - next) }, (_, offset) => openSession(next + offset)),
      )
      for (const outcome of batch) if (outcome.status === 'rejected') throw outcome.reason
      if ((next + CONCURRENCY) % PROGRESS_EVERY === 0) progress(`    ${system}: ${next + CONCURRENCY} sessions open`)
    }
    return viewers
  } catch (error) {
    await Promise.all(viewers.map((viewer) => viewer.close()))
    throw error
  }
}
