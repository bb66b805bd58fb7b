import { SpanStatusCode } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { SPAN_NAMES, TRACE_ATTRIBUTES } from '../../shared/observe/trace-names.ts'
import { createMemoryUpdateLog } from '../persistence/memory-update-log.ts'
import { traceUpdateLog } from './trace-update-log.ts'

describe('traceUpdateLog', () => {
  const exporter = new InMemorySpanExporter()
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test')

  it('records each append with its store, size and writer, and a refused one as an error', async () => {
    const log = traceUpdateLog(createMemoryUpdateLog(), tracer)
    expect(log.kind).toBe('memory')
    await log.createSession({ id: 's1', title: '', createdAt: 1 })
    await log.append('s1', [new Uint8Array(7), new Uint8Array(5)])
    await expect(log.append('gone', [new Uint8Array(3)])).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' })

    const [stored, refused] = exporter.getFinishedSpans()
    expect(stored?.name).toBe(SPAN_NAMES.PERSIST)
    expect(stored?.attributes).toEqual({
      [TRACE_ATTRIBUTES.STORE]: 'memory',
      [TRACE_ATTRIBUTES.SESSION_ID]: 's1',
      [TRACE_ATTRIBUTES.WRITER]: 'server',
      [TRACE_ATTRIBUTES.UPDATES]: 2,
      [TRACE_ATTRIBUTES.BYTES]: 12,
    })
    expect(stored?.status.code).toBe(SpanStatusCode.UNSET)
    expect(refused?.status.code).toBe(SpanStatusCode.ERROR)
    expect(refused?.events.map((event) => event.name)).toEqual(['exception'])
    expect((await log.readSince('s1', 0)).map((entry) => entry.seq)).toEqual([1, 2])
  })
})
