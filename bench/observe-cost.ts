/**
 * Observability cost bench (`npm run bench:observe`): what the metrics add on the server's hot path, each against
 * a baseline measured in the same run and process.
 * 1. Agent text counting: applying an agent's stream of coalesced token updates to a session document with the
 *    counter attached, against the same updates applied to a document without it.
 * 2. Append metering: appends through meterUpdateLog against the bare in-memory log (no I/O, so the decorator's
 *    own cost is as visible as it can be).
 * 3. Append tracing: appends through traceUpdateLog, each naming a reply's span as its parent, against the bare
 *    in-memory log — with the OpenTelemetry API alone (no provider: the no-op tracer every server has by default), and
 *    with a recording tracer whose spans are dropped (the SDK's own cost, without an exporter's).
 */
import type { Document } from '@hocuspocus/server'
import { TraceFlags, trace, type Tracer } from '@opentelemetry/api'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { pino } from 'pino'
import * as Y from 'yjs'
import { createAgentTextCounter } from '../server/observe/count-agent-text.ts'
import { meterUpdateLog } from '../server/observe/meter-update-log.ts'
import { traceUpdateLog } from '../server/observe/trace-update-log.ts'
import { createServerMetrics } from '../server/observe/server-metrics.ts'
import { createMemoryUpdateLog } from '../server/persistence/memory-update-log.ts'
import type { UpdateLog, WriteOrigin } from '../server/persistence/update-log.ts'
import { TRACER_NAME } from '../shared/observe/trace-names.ts'
import { appendMessage, appendText } from '../shared/session/session-doc.ts'
import { collectGarbage } from './collect-garbage.ts'

const REPLIES = 20
/** Coalesced updates per reply, each carrying CHUNK characters (about 15 tokens, a 30 ms window at 500 tok/s). */
const UPDATES_PER_REPLY = 500
const CHUNK = 'lorem ipsum dolor sit amet, consectetur adipiscing elit sed do '
const APPENDS = 50_000
const REPEATS = 7

/** The origin of an agent's token update whose reply is traced (PROTOCOL.md §12). */
const REPLY_ORIGIN: WriteOrigin = {
  principal: 'agent-1',
  role: 'agent',
  connection: 'bench',
  summary: { messages: ['m0'] },
  traceParent: {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  },
}

const updates = agentStream()
const expectedChars = REPLIES * (UPDATES_PER_REPLY * CHUNK.length + 1)
let counted = 0
const applyBare = (): void => {
  applyAll(new Y.Doc())
}
const applyCounted = (): void => {
  const doc = new Y.Doc()
  counted = 0
  void createAgentTextCounter((_part, chars) => {
    counted += chars
  }).afterLoadDocument?.({ document: doc as unknown as Document } as never)
  applyAll(doc)
}
const apply = await compare(applyBare, applyCounted)
if (counted !== expectedChars) throw new Error(`counter saw ${counted} characters, expected ${expectedChars}`)

const metrics = createServerMetrics({
  connectionCounts: () => ({ websocket: 0, sse: 0, 'long-poll': 0 }),
  sessionsLoaded: () => 0,
})
const appendBare = async (): Promise<void> => {
  await appendAll(createMemoryUpdateLog())
}
const appendMetered = async (): Promise<void> => {
  await appendAll(meterUpdateLog(createMemoryUpdateLog(), { metrics, logger: pino({ level: 'silent' }) }))
}
const append = await compare(appendBare, appendMetered)

const traced = (tracer: Tracer) => async (): Promise<void> => {
  await appendAll(traceUpdateLog(createMemoryUpdateLog(), tracer), REPLY_ORIGIN)
}
const noopTrace = await compare(appendBare, traced(trace.getTracer(TRACER_NAME)))
const recordedTrace = await compare(appendBare, traced(new BasicTracerProvider().getTracer(TRACER_NAME)))

console.log(`observability cost, median of ${REPEATS} runs each (same process, alternating)
| path | baseline | with observability | ratio |
|---|---|---|---|
| apply ${updates.length} agent updates (${expectedChars} chars) | ${apply.baseMs.toFixed(1)} ms | ${apply.withMs.toFixed(1)} ms | ${(apply.withMs / apply.baseMs).toFixed(2)}× |
| ${APPENDS} appends to the memory log | ${append.baseMs.toFixed(1)} ms | ${append.withMs.toFixed(1)} ms | ${(append.withMs / append.baseMs).toFixed(2)}× |
| ${APPENDS} traced appends, no tracer provider | ${noopTrace.baseMs.toFixed(1)} ms | ${noopTrace.withMs.toFixed(1)} ms | ${(noopTrace.withMs / noopTrace.baseMs).toFixed(2)}× |
| ${APPENDS} traced appends, spans recorded and dropped | ${recordedTrace.baseMs.toFixed(1)} ms | ${recordedTrace.withMs.toFixed(1)} ms | ${(recordedTrace.withMs / recordedTrace.baseMs).toFixed(2)}× |`)

/** The updates an agent's replica emits: REPLIES replies of UPDATES_PER_REPLY coalesced appends each. */
function agentStream(): Uint8Array[] {
  const doc = new Y.Doc()
  const emitted: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => {
    emitted.push(update)
  })
  for (let reply = 0; reply < REPLIES; reply++) {
    const message = appendMessage(doc, {
      id: `m${reply}`,
      role: 'assistant',
      author: 'agent-1',
      status: 'streaming',
      text: '>',
    })
    for (let index = 0; index < UPDATES_PER_REPLY; index++) appendText(message, CHUNK)
  }
  return emitted
}

function applyAll(doc: Y.Doc): void {
  for (const update of updates) Y.applyUpdate(doc, update)
  doc.destroy()
}

async function appendAll(log: UpdateLog, origin?: WriteOrigin): Promise<void> {
  const update = new Uint8Array(64)
  await log.createSession({ id: 'bench', title: '', createdAt: Date.now() })
  for (let index = 0; index < APPENDS; index++) await log.append('bench', [update], origin)
}

/** Median wall time of `base` and `withObservability`, run alternately after one warm-up each. */
async function compare(
  base: () => unknown,
  withObservability: () => unknown,
): Promise<{ baseMs: number; withMs: number }> {
  const baseRuns: number[] = []
  const withRuns: number[] = []
  for (let run = -1; run < REPEATS; run++) {
    for (const [task, runs] of [
      [base, baseRuns],
      [withObservability, withRuns],
    ] as const) {
      collectGarbage()
      const startedAt = performance.now()
      await task()
      if (run >= 0) runs.push(performance.now() - startedAt)
    }
  }
  return { baseMs: median(baseRuns), withMs: median(withRuns) }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
