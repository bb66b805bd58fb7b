/**
 * traceHttpAppend: runs an HTTP append to a session stream (PROTOCOL.md §9.7) inside a `lifeline.http.append` span,
 * the child of the request's `traceparent` header when it has a valid one (PROTOCOL.md §12). The append's persist
 * span is made the child of this one through the span context handed to `append`.
 */
import type { IncomingMessage } from 'node:http'
import { context, isSpanContextValid, SpanKind, trace, type SpanContext, type Tracer } from '@opentelemetry/api'
import { recordSpanError } from './record-span-error.ts'
import { SPAN_NAMES, TRACE_ATTRIBUTES } from '../../shared/observe/trace-names.ts'
import { parseTraceParent, TRACEPARENT } from '../../shared/observe/trace-parent.ts'

/** Runs `append` in the span; its failure sets the span's error status and is rethrown. */
export async function traceHttpAppend<T>(
  tracer: Tracer,
  request: IncomingMessage,
  attributes: { readonly sessionId: string; readonly principalId: string | undefined },
  append: (traceParent: SpanContext | undefined) => Promise<T>,
): Promise<T> {
  const parent = parseTraceParent(request.headers[TRACEPARENT])
  const span = tracer.startSpan(
    SPAN_NAMES.HTTP_APPEND,
    { kind: SpanKind.SERVER },
    parent === undefined ? context.active() : trace.setSpanContext(context.active(), parent),
  )
  if (span.isRecording()) {
    span.setAttribute(TRACE_ATTRIBUTES.SESSION_ID, attributes.sessionId)
    if (attributes.principalId !== undefined) span.setAttribute(TRACE_ATTRIBUTES.PRINCIPAL_ID, attributes.principalId)
  }
  const own = span.spanContext()
  try {
    return await append(isSpanContextValid(own) ? own : undefined)
  } catch (error) {
    recordSpanError(span, error)
    throw error
  } finally {
    span.end()
  }
}
