/**
 * The `lifeline.reply` span of one agent reply (PROTOCOL.md §12): started with the reply, the child of the active
 * OpenTelemetry context; events for the first token, each steer taken for the reply, and how it ended (`done`,
 * `stopped`, `failed`, error status for the last); ended once the end is durable. Its traceparent is written into the
 * reply's message so that the server's persist spans of the reply's updates become its children. A resumed reply's
 * span links to the span of the traceparent the message carried. A writer given up without an end is `abandoned`
 * (error status) and its span ends then. With the API's no-op tracer the span has no valid context: no traceparent
 * is written and every call is a no-op.
 */
import { type Link, SpanStatusCode, type Tracer } from '@opentelemetry/api'
import { SPAN_EVENTS, SPAN_NAMES, TRACE_ATTRIBUTES } from '../../shared/observe/trace-names.ts'
import { formatTraceParent, parseTraceParent } from '../../shared/observe/trace-parent.ts'
import type { SteerView } from '../../shared/session/session-schema.ts'

/** How a reply ended, as the writer reports it; `abandoned`: given up without an end. */
type ReplyEnding = 'done' | 'stopped' | 'failed' | 'abandoned'

/** The span of one reply. */
export interface ReplyTrace {
  /** The W3C traceparent to store in the reply's message; undefined when the span is not sampled or a no-op. */
  readonly traceparent: string | undefined
  /** Marks the first token or part (once; later calls do nothing). */
  firstToken(): void
  /** Marks a steer taken for this reply. */
  steered(steer: Pick<SteerView, 'id' | 'kind'>): void
  /** Marks how the reply ended (once). */
  ended(state: ReplyEnding, reason?: string): void
  /** Ends the span (once). */
  finish(): void
}

const END_EVENTS = {
  done: SPAN_EVENTS.DONE,
  stopped: SPAN_EVENTS.STOPPED,
  failed: SPAN_EVENTS.FAILED,
  abandoned: SPAN_EVENTS.ABANDONED,
} as const

/** Starts the span of reply `ids.messageId`; `resumes` is the traceparent the message carried before, if any. */
export function startReplyTrace(
  tracer: Tracer,
  ids: { readonly sessionId: string; readonly messageId: string; readonly runId: string; readonly agentId: string },
  resumes?: unknown,
): ReplyTrace {
  const earlier = parseTraceParent(resumes)
  const links: Link[] = earlier === undefined ? [] : [{ context: earlier }]
  const span = tracer.startSpan(SPAN_NAMES.REPLY, { links })
  if (span.isRecording()) {
    span.setAttributes({
      [TRACE_ATTRIBUTES.SESSION_ID]: ids.sessionId,
      [TRACE_ATTRIBUTES.MESSAGE_ID]: ids.messageId,
      [TRACE_ATTRIBUTES.RUN_ID]: ids.runId,
      [TRACE_ATTRIBUTES.AGENT_ID]: ids.agentId,
    })
  }
  let sawToken = false
  let endedAs: ReplyEnding | undefined
  let finished = false
  return {
    traceparent: formatTraceParent(span.spanContext()),
    firstToken() {
      if (sawToken) return
      sawToken = true
      span.addEvent(SPAN_EVENTS.FIRST_TOKEN)
    },
    steered(steer) {
      span.addEvent(SPAN_EVENTS.STEER_RECEIVED, {
        [TRACE_ATTRIBUTES.STEER_ID]: steer.id,
        [TRACE_ATTRIBUTES.STEER_KIND]: steer.kind,
      })
    },
    ended(state, reason) {
      if (endedAs !== undefined) return
      endedAs = state
      span.addEvent(END_EVENTS[state])
      span.setAttribute(TRACE_ATTRIBUTES.REPLY_END, state)
      if (state === 'failed' || state === 'abandoned')
        span.setStatus({ code: SpanStatusCode.ERROR, ...(reason === undefined ? {} : { message: reason }) })
    },
    finish() {
      if (finished) return
      finished = true
      span.end()
    },
  }
}
