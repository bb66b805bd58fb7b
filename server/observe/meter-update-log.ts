/**
 * meterUpdateLog: an UpdateLog decorator that times every `append` (persist-before-ack latency), counts the
 * updates and bytes it stored, and logs failed appends (their client is closed with PERSISTENCE_FAILED). Every
 * other member, and every argument of `append`, is forwarded untouched, so a store keeps working when the
 * interface grows (a Proxy rather than a list of methods).
 */
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { UpdateLog } from '../persistence/update-log.ts'
import type { ServerMetrics } from './server-metrics.ts'

/** Returns `log` with its appends measured into `metrics` and failures logged to `logger`. */
export function meterUpdateLog(
  log: UpdateLog,
  observers: { metrics: Pick<ServerMetrics, 'recordAppend' | 'recordAppendFailure'>; logger: Logger },
): UpdateLog {
  const { metrics, logger } = observers
  const append = async (...args: Parameters<UpdateLog['append']>): ReturnType<UpdateLog['append']> => {
    const startedAt = performance.now()
    try {
      const seqs = await log.append(...args)
      const updates = args[1]
      metrics.recordAppend({
        updates: updates.length,
        bytes: updates.reduce((sum, update) => sum + update.byteLength, 0),
        seconds: (performance.now() - startedAt) / 1000,
      })
      return seqs
    } catch (error) {
      metrics.recordAppendFailure((performance.now() - startedAt) / 1000)
      logger.error({ event: 'append-failed', err: error, sessionId: args[0] }, 'update log append failed')
      throw error
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
