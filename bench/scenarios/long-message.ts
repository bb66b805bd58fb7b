/**
 * Scenario `long-message`: one agent streams a single reply of 130k tokens at 2000 tokens/s to one viewer over the
 * wire, and the token latency of each 10k-token window is compared: first window vs the windows past 100k tokens
 * (a system whose appends slow down falls behind the pace and its latency grows).
 * Yjs' Y.Text slows down as one text grows by many small inserts; Lifeline's agent SDK starts a new text part every
 * MAX_TEXT_PART_CHARS characters and coalesces tokens, so its appends should not slow down. Detail lines add the
 * in-process Yjs contrast (append throughput per window): Lifeline's part layout, one Y.Text with the same
 * batches, one Y.Text with one insert per token.
 */
import type * as Y from 'yjs'
import { appendMessage, appendText } from '../../shared/session/session-doc.ts'
import { MAX_TEXT_PART_CHARS } from '../../shared/session/session-schema.ts'
import { formatValue } from '../format-bench-table.ts'
import type { SystemName } from '../systems/bench-system.ts'
import type { BenchScenario } from './bench-scenario.ts'
import { measureStream } from './measure-stream.ts'
import { tryMeasure, type FailureNotes } from './try-measure.ts'
import { windowLatencies } from './window-latencies.ts'
import { windowRates } from './window-rates.ts'
import { yjsAppendWindows, type YjsAppend } from './yjs-append-windows.ts'

/**
 * Batch size of the in-process contrast: the reply writer's default buffer when this bench was written. The default is
 * now 8 KB (32 KB while an update is unacknowledged); 2 KB batches are the harder case for one Y.Text.
 */
const SDK_BATCH_CHARS = 2048

/** Tokens per second of the over-the-wire stream: far above an LLM's, well below the flood rates of the systems that do not stall. */
const RATE = 2_000

/** The long-message scenario. */
export const longMessage: BenchScenario = {
  name: 'long-message',
  async run({ quick, systems, progress }) {
    const tokens = quick ? 6_000 : 130_000
    const window = quick ? 1_000 : 10_000
    const lateFrom = quick ? 4_000 : 100_000
    const late = (index: number): boolean => index * window >= lateFrom
    const figures: Record<
      'firstP50' | 'lateP50' | 'firstP99' | 'lateP99' | 'ratio',
      Partial<Record<SystemName, number>>
    > = { firstP50: {}, lateP50: {}, firstP99: {}, lateP99: {}, ratio: {} }
    const failures: FailureNotes = {}
    for (const system of systems) {
      const run = await tryMeasure(system, failures, progress, () =>
        measureStream(system, { scenario: 'paced', viewers: 1, tokens, tokensPerSecond: RATE }),
      )
      if (run === undefined) continue
      const windows = windowLatencies(run.firstViewerArrivals, run.sentAt, window)
      const first = windows[0]
      const lateP50 = median(windows.filter((_, index) => late(index)).map((entry) => entry.p50Ms))
      const lateP99 = median(windows.filter((_, index) => late(index)).map((entry) => entry.p99Ms))
      progress(`  long message ${system}: window p50 ${windows.map((entry) => entry.p50Ms.toFixed(1)).join(' ')} ms`)
      figures.firstP50[system] = first?.p50Ms ?? Number.NaN
      figures.firstP99[system] = first?.p99Ms ?? Number.NaN
      figures.lateP50[system] = lateP50
      figures.lateP99[system] = lateP99
      figures.ratio[system] = lateP50 / (first?.p50Ms ?? Number.NaN)
    }
    const details = [
      ``,
      `long message, in-process Yjs contrast (writer → replica, no network), ${tokens / 1000}k tokens, ${window / 1000}k-token windows:`,
    ]
    const contrast: Array<[string, number, YjsAppend]> = [
      [
        `Lifeline parts (≤ ${MAX_TEXT_PART_CHARS} chars), ${SDK_BATCH_CHARS}-char batches`,
        SDK_BATCH_CHARS,
        appendToReply,
      ],
      [`one Y.Text, ${SDK_BATCH_CHARS}-char batches`, SDK_BATCH_CHARS, appendToText],
      ['one Y.Text, one insert per token (raw Yjs)', 1, appendToText],
    ]
    for (const [label, batchChars, append] of contrast) {
      yjsAppendWindows(window, batchChars, append) // warm-up
      const { arrivals, startedAt } = yjsAppendWindows(tokens, batchChars, append)
      const rates = windowRates(arrivals, startedAt, window)
      const first = rates[0] ?? Number.NaN
      const lateRate = median(rates.filter((_, index) => late(index)))
      details.push(
        `  ${label}: first window ${formatValue(first)} tok/s, past ${lateFrom / 1000}k ${formatValue(lateRate)} tok/s (median window), ` +
          `ratio ${(lateRate / first).toFixed(2)}×`,
      )
    }
    const scenario = `long reply, ${tokens / 1000}k tokens at ${RATE} tok/s, ${window / 1000}k windows`
    const past = `windows past ${lateFrom / 1000}k (median)`
    return {
      rows: [
        {
          scenario,
          metric: 'p50 ms, first window',
          values: figures.firstP50,
          notApplicable: failures,
          lowerIsBetter: true,
        },
        { scenario, metric: `p50 ms, ${past}`, values: figures.lateP50, notApplicable: failures, lowerIsBetter: true },
        {
          scenario,
          metric: 'p99 ms, first window',
          values: figures.firstP99,
          notApplicable: failures,
          lowerIsBetter: true,
        },
        { scenario, metric: `p99 ms, ${past}`, values: figures.lateP99, notApplicable: failures, lowerIsBetter: true },
        {
          scenario,
          metric: 'p50 late ÷ first window',
          values: figures.ratio,
          notApplicable: failures,
          lowerIsBetter: true,
        },
      ],
      details,
    }
  },
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

function appendToText(doc: Y.Doc, text: string): void {
  const reply = doc.getText('reply')
  reply.insert(reply.length, text)
}

/** The assistant reply of each writer document of the contrast. */
const replies = new WeakMap<Y.Doc, Y.Map<unknown>>()

/** Appends through Lifeline's document layout (one assistant reply, text parts capped by appendText). */
function appendToReply(doc: Y.Doc, text: string): void {
  let reply = replies.get(doc)
  if (reply === undefined) {
    reply = appendMessage(doc, { id: 'm_long', role: 'assistant', author: 'bench-agent', status: 'streaming' })
    replies.set(doc, reply)
  }
  const message = reply
  doc.transact(() => {
    appendText(message, text)
  })
}
