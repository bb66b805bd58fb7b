/**
 * Run leases over a session holding quarantined runs (PROTOCOL.md §1.3, §3.8): the lease check skips them and still
 * interrupts a silent run that fits, with no failure reported.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, getSessionRoots, readMessages, readRuns, startRun } from '../../shared/session/session-doc.ts'
import { yMapOf } from '../../shared/testing/y-map-of.ts'
import { createRunLease } from './run-lease.ts'

describe('run leases with quarantined runs', () => {
  it('interrupts the silent run that fits and leaves the quarantined ones alone', async () => {
    const document = new Y.Doc()
    appendMessage(document, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', runId: 'run1' })
    startRun(document, { id: 'run1', agent: 'bot', messageId: 'r1', startedAt: 1 })
    const runs = getSessionRoots(document).runs as Y.Map<unknown>
    runs.set('run_string', 'running')
    runs.set('run_no_agent', yMapOf({ state: 'running', messageId: 'r1' }))
    let time = 0
    const errors: unknown[] = []
    const changes: string[] = []
    const lease = createRunLease({
      leaseMs: 100,
      checkEveryMs: 5,
      now: () => time,
      onError: (error) => {
        errors.push(error)
      },
      applyServerChange: async (doc, sessionId, change) => {
        changes.push(sessionId)
        doc.transact(() => {
          change(doc)
        })
      },
    })
    try {
      await lease.extension.afterLoadDocument?.({ document, documentName: 's' } as Parameters<
        NonNullable<typeof lease.extension.afterLoadDocument>
      >[0])
      time = 1_000
      await expect.poll(() => readRuns(document).map((run) => run.state), { timeout: 5_000 }).toEqual(['interrupted'])
      expect(readMessages(document).map((message) => message.status)).toEqual(['interrupted'])
      expect(runs.get('run_string')).toBe('running')
      expect((runs.get('run_no_agent') as Y.Map<unknown>).get('state')).toBe('running')
      expect(changes).toEqual(['s'])
      expect(errors).toEqual([])
    } finally {
      lease.stop()
    }
  })
})
