import { TraceFlags } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { formatTraceParent, parseTraceParent } from './trace-parent.ts'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN_ID = '00f067aa0ba902b7'

describe('traceparent', () => {
  it('formats a span context and reads it back as a remote parent', () => {
    const text = formatTraceParent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })
    expect(text).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`)
    expect(parseTraceParent(text)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    })
  })

  it('writes nothing for the invalid context of a no-op span', () => {
    expect(formatTraceParent({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 })).toBeUndefined()
  })

  it('accepts a later version with extra fields, as the W3C format asks', () => {
    expect(parseTraceParent(`cc-${TRACE_ID}-${SPAN_ID}-00-future`)?.traceFlags).toBe(TraceFlags.NONE)
  })

  it.each([
    ['not a string', 42],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['extra fields on version 00', `00-${TRACE_ID}-${SPAN_ID}-01-x`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['an all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
  ])('refuses %s', (_name, value) => {
    expect(parseTraceParent(value)).toBeUndefined()
  })
})
