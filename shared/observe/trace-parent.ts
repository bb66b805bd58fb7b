/**
 * The W3C Trace Context `traceparent` value (version 00) of a span context, and back (PROTOCOL.md §12). Written by
 * hand rather than through a propagator so that a reply carries its trace whatever propagator, if any, the
 * application registered, and so `shared/` needs nothing but `@opentelemetry/api`.
 */
import { isSpanContextValid, type SpanContext, TraceFlags } from '@opentelemetry/api'

/** The HTTP header and the message field that carry a traceparent. */
export const TRACEPARENT = 'traceparent'

const TRACEPARENT_PATTERN = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

/** The traceparent of `context`, or undefined when it has no valid context (the API's no-op spans). */
export function formatTraceParent(context: SpanContext): string | undefined {
  if (!isSpanContextValid(context)) return undefined
  const flags = (context.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0')
  return `00-${context.traceId}-${context.spanId}-${flags}`
}

/**
 * The remote span context `value` names, or undefined when it is not a traceparent: not a string, an unknown
 * format, version `ff`, an all-zero trace or span id, or extra fields on version 00.
 */
export function parseTraceParent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string') return undefined
  const match = TRACEPARENT_PATTERN.exec(value.trim())
  if (match === null) return undefined
  const [, version, traceId = '', spanId = '', flags = '', rest] = match
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined
  const context: SpanContext = { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true }
  return isSpanContextValid(context) ? context : undefined
}
