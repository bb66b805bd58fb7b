/**
 * traceUpdateLog: an UpdateLog decorator that wraps every `append` in a `lifeline.persist` span (store, session,
 * writer, updates and bytes; error status on failure), the child of the span the appended update belongs to when its
 * origin names one (PROTOCOL.md §12). Every other member is forwarded untouched, as in meter-update-log.ts. Nothing
 * but the span itself is allocated when the tracer does not record (the API's no-op tracer).
 */
import { context, trace, type Tracer } from '@opentelemetry/api'
import { recordSpanError } from './record-span-error.ts'
import { SPAN_NAMES, TRACE_ATTRIBUTES } from '../../shared/observe/trace-names.ts'
import type { UpdateLog } from '../persistence/update-log.ts'

/** Returns `log` with each append traced by `tracer`. */
export function traceUpdateLog(log: UpdateLog, tracer: Tracer): UpdateLog {
  const store = log.kind ?? 'custom'
  const append = async (...args: Parameters<UpdateLog['append']>): ReturnType<UpdateLog['append']> => {
    const [sessionId, updates, origin] = args
    const parent = origin?.traceParent
    const span = tracer.startSpan(
      SPAN_NAMES.PERSIST,
      {},
      parent === undefined ? context.active() : trace.setSpanContext(context.active(), parent),
    )
    if (span.isRecording()) {
      span.setAttributes({
        [TRACE_ATTRIBUTES.STORE]: store,
        [TRACE_ATTRIBUTES.SESSION_ID]: sessionId,
        [TRACE_ATTRIBUTES.WRITER]: origin?.principal ?? 'server',
        [TRACE_ATTRIBUTES.UPDATES]: updates.length,
        [TRACE_ATTRIBUTES.BYTES]: updates.reduce((sum, update) => sum + update.byteLength, 0),
      })
    }
    try {
      return await log.append(...args)
    } catch (error) {
      recordSpanError(span, error)
      throw error
    } finally {
      span.end()
    }
  }
  return new Proxy(log, {
    get(target, property) {
      if (property === 'append') return append
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
