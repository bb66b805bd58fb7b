/**
 * meterUpdateLog: a metered log still passes the UpdateLog contract; appends are counted and timed into a real
 * registry, failures too; extra arguments of `append` and members outside the interface reach the store.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { SessionError } from '../../shared/errors/session-error.ts'
import { createMemoryUpdateLog } from '../persistence/memory-update-log.ts'
import { describeUpdateLogContract } from '../persistence/update-log.contract.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { meterUpdateLog } from './meter-update-log.ts'
import { createServerMetrics, type ServerMetrics } from './server-metrics.ts'

const silent = pino({ level: 'silent' })
const newMetrics = (): ServerMetrics =>
  createServerMetrics({ connectionCounts: () => ({ websocket: 0, sse: 0, 'long-poll': 0 }), sessionsLoaded: () => 0 })
/** The unlabelled sample `name` (a histogram's `_count` included) from the registry. */
async function sample(metrics: ServerMetrics, name: string): Promise<number | undefined> {
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    for (const value of metric.values as ReadonlyArray<{ value: number; labels: object; metricName?: string }>) {
      if ((value.metricName ?? metric.name) === name && Object.keys(value.labels).length === 0) return value.value
    }
  }
  return undefined
}

describeUpdateLogContract(
  'metered memory',
  async () => meterUpdateLog(createMemoryUpdateLog(), { metrics: newMetrics(), logger: silent }),
  async (closed) => closed,
)

describe('meterUpdateLog', () => {
  it('counts updates and bytes and times each append call', async () => {
    const metrics = newMetrics()
    const log = meterUpdateLog(createMemoryUpdateLog(), { metrics, logger: silent })
    await log.createSession({ id: 's1', title: '', createdAt: 0 })
    await log.append('s1', [new Uint8Array(3), new Uint8Array(5)])
    await log.append('s1', [new Uint8Array(7)])
    expect(await sample(metrics, 'lifeline_updates_appended_total')).toBe(3)
    expect(await sample(metrics, 'lifeline_update_bytes_appended_total')).toBe(15)
    expect(await sample(metrics, 'lifeline_persist_duration_seconds_count')).toBe(2)
    expect(await sample(metrics, 'lifeline_persist_failures_total')).toBe(0)
  })

  it('forwards extra append arguments and other members to the store, and counts and rethrows failures', async () => {
    const metrics = newMetrics()
    const store = createMemoryUpdateLog()
    await store.createSession({ id: 's1', title: '', createdAt: 0 })
    const seen: unknown[][] = []
    const extended = {
      ...store,
      async append(...args: unknown[]) {
        seen.push(args)
        if (args[0] === 'broken') throw new SessionError('PERSISTENCE_FAILED', 'disk full')
        return await store.append(args[0] as string, args[1] as Uint8Array[])
      },
      describe: () => 'extended store',
    }
    const log = meterUpdateLog(extended as UpdateLog, { metrics, logger: silent }) as UpdateLog & {
      append: (...args: unknown[]) => Promise<number[]>
      describe: () => string
    }
    await expect(log.append('s1', [new Uint8Array(1)], { origin: 'audit' })).resolves.toEqual([1])
    expect(seen).toEqual([['s1', [new Uint8Array(1)], { origin: 'audit' }]])
    expect(log.describe()).toBe('extended store')
    await expect(log.append('broken', [new Uint8Array(1)])).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED' })
    expect(await sample(metrics, 'lifeline_persist_failures_total')).toBe(1)
    expect(await sample(metrics, 'lifeline_updates_appended_total')).toBe(1)
  })
})
