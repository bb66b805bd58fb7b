/**
 * Connection spans: one `lifeline.connection` span per client connection (a WebSocket or an HTTP fallback
 * connection), started when the transport accepts it and ended when it closes, with the close code and reason (error
 * status when the reason is an error code, PROTOCOL.md §5: a refused token, a limit, a bad frame). The Hocuspocus extension adds the
 * `lifeline.connection.authenticated` event, with session, principal and role, when the connection joins a session —
 * after its token was accepted, or at once without auth; a refused token adds `lifeline.connection.refused` instead.
 */
import { SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api'
import type { Extension, connectedPayload } from '@hocuspocus/server'
import { SPAN_EVENTS, SPAN_NAMES, TRACE_ATTRIBUTES } from '../../shared/observe/trace-names.ts'
import { isErrorCode } from '../../shared/errors/error-codes.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { principalOf } from '../auth/connection-principal.ts'
import { connectionTraceOf, type TransportContext } from '../transports/transport-context.ts'

/** The span of one connection, as its transport holds it. */
export interface ConnectionTrace {
  readonly span: Span
  /** Marks the connection's token refused for `sessionId` (error status); the close follows. */
  refused(sessionId: string, error: SessionError): void
  /** Ends the span with the connection's close code and reason; later calls do nothing. */
  end(code: number, reason: string): void
}

/** Opens connection spans and marks them when their connection joins a session. */
export interface ConnectionTracing {
  /** Starts the span of a connection the transport just accepted. */
  open(transport: NonNullable<TransportContext['transport']>): ConnectionTrace
  readonly extension: Extension
}

/** Creates connection tracing on `tracer`. */
export function createConnectionTracing(tracer: Tracer): ConnectionTracing {
  return {
    open(transport) {
      const span = tracer.startSpan(SPAN_NAMES.CONNECTION, { attributes: { [TRACE_ATTRIBUTES.TRANSPORT]: transport } })
      let ended = false
      return {
        span,
        refused(sessionId, error) {
          if (ended || !span.isRecording()) return
          span.setAttribute(TRACE_ATTRIBUTES.SESSION_ID, sessionId)
          span.addEvent(SPAN_EVENTS.REFUSED, { [TRACE_ATTRIBUTES.ERROR_CODE]: error.code })
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.code })
        },
        end(code, reason) {
          if (ended) return
          ended = true
          if (span.isRecording()) {
            span.setAttributes({ [TRACE_ATTRIBUTES.CLOSE_CODE]: code, [TRACE_ATTRIBUTES.CLOSE_REASON]: reason })
            if (isErrorCode(reason)) span.setStatus({ code: SpanStatusCode.ERROR, message: reason })
          }
          span.end()
        },
      }
    },
    extension: {
      extensionName: 'lifeline-connection-tracing',
      async connected({ context, documentName }: connectedPayload) {
        const span = connectionTraceOf(context)?.span
        if (span === undefined || !span.isRecording()) return
        const principal = principalOf(context)
        const attributes = {
          [TRACE_ATTRIBUTES.SESSION_ID]: documentName,
          ...(principal === undefined
            ? {}
            : { [TRACE_ATTRIBUTES.PRINCIPAL_ID]: principal.id, [TRACE_ATTRIBUTES.ROLE]: principal.role }),
        }
        span.setAttributes(attributes)
        span.addEvent(SPAN_EVENTS.AUTHENTICATED, attributes)
      },
    },
  }
}
