/**
 * recordSpanError: marks a span failed by `error` — the exception event and an error status with its message — the
 * same way on every server span that wraps a failing call.
 */
import { type Span, SpanStatusCode } from '@opentelemetry/api'

/** Records `error` on `span` (an exception event and an error status). */
export function recordSpanError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  span.recordException(error instanceof Error ? error : message)
  span.setStatus({ code: SpanStatusCode.ERROR, message })
}
