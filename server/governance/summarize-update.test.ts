/**
 * Audit summaries: which session entries an inbound update (summarizeUpdate, also behind inspectUpdate's accept
 * verdict) or a server transaction (summarizeTransaction) touches.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  appendMessage,
  appendSteer,
  appendText,
  findMessage,
  getSessionRoots,
  initializeSession,
  markSteerHandled,
  setMessageStatus,
  startRun,
} from '../../shared/session/session-doc.ts'
import { createClientBindings } from './client-bindings.ts'
import { decodeInboundUpdate } from './decoded-update.ts'
import { inspectUpdate } from './inspect-update.ts'
import { createStructLocator } from './struct-locator.ts'
import { summarizeUpdate } from './summarize-update.ts'
import { summarizeTransaction } from './summarize-transaction.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'

let live: Y.Doc

beforeEach(() => {
  live = new Y.Doc()
  initializeSession(live, { title: 't', createdAt: 1 })
  appendMessage(live, { id: 'm-old', role: 'user', author: 'user-1', status: 'done', text: 'earlier' })
})

function summarizeInboundUpdate(doc: Y.Doc, update: Uint8Array): ReturnType<typeof summarizeUpdate> {
  const decoded = decodeInboundUpdate(update)
  return summarizeUpdate(doc, decoded, createStructLocator(doc, decoded))
}

/** The update `change` makes on a replica of the live document (not applied to it). */
function edit(change: (doc: Y.Doc) => void): Uint8Array {
  return changeReplica(live, change).update
}

describe('summarizeUpdate', () => {
  it('names a new message and a new steer by their ids', () => {
    const update = edit((doc) => {
      appendMessage(doc, { id: 'm-new', role: 'user', author: 'user-1', status: 'done', text: 'hello' })
      appendSteer(doc, { id: 'st-1', kind: 'stop', author: 'user-1', target: 'm-old' })
    })
    expect(summarizeInboundUpdate(live, update)).toEqual({ messages: ['m-new'], steering: ['st-1'] })
  })

  it('names the existing message a token goes into, and a new run by its key', () => {
    const update = edit((doc) => {
      const message = findMessage(doc, 'm-old') as Y.Map<unknown>
      appendText(message, ' more')
      startRun(doc, { id: 'run-1', agent: 'agent-1', messageId: 'm-old', startedAt: 2 })
    })
    expect(summarizeInboundUpdate(live, update)).toEqual({ messages: ['m-old'], runs: ['run-1'] })
  })

  it('names the entry whose content an update deletes', () => {
    const update = edit((doc) => {
      setMessageStatus(findMessage(doc, 'm-old') as Y.Map<unknown>, 'interrupted')
    })
    expect(summarizeInboundUpdate(live, update)).toEqual({ messages: ['m-old'] })
  })

  it('returns an empty summary for an update that only repeats what the session has', () => {
    expect(summarizeInboundUpdate(live, Y.encodeStateAsUpdate(live))).toEqual({})
  })
})

describe('inspectUpdate', () => {
  it('returns the summary with an accepted update', () => {
    const { update } = changeReplica(
      live,
      (replica) => {
        appendSteer(replica, { id: 'st-2', kind: 'note', author: 'user-1', text: 'shorter' })
      },
      4242,
    )
    const inspection = inspectUpdate({
      doc: live,
      update,
      principal: { id: 'user-1', role: 'user' },
      bindings: createClientBindings({ doc: live, isLive: () => true }),
      holder: {},
    })
    expect(inspection).toMatchObject({ verdict: 'accept', summary: { steering: ['st-2'] } })
  })
})

describe('summarizeTransaction', () => {
  function summaryOf(change: () => void): unknown {
    let summary: unknown
    const listen = (transaction: Y.Transaction): void => {
      summary = summarizeTransaction(transaction)
    }
    live.on('afterTransaction', listen)
    live.transact(change)
    live.off('afterTransaction', listen)
    return summary
  }

  it('names the meta keys a session init writes', () => {
    const fresh = new Y.Doc()
    let summary: unknown
    fresh.on('afterTransaction', (transaction: Y.Transaction) => {
      summary = summarizeTransaction(transaction)
    })
    initializeSession(fresh, { title: 'x', createdAt: 5 })
    expect(summary).toEqual({ meta: ['schema', 'title', 'createdAt'] })
  })

  it('names the run and message a lease expiry marks interrupted (inserts and the values they replace)', () => {
    startRun(live, { id: 'run-9', agent: 'agent-1', messageId: 'm-old', startedAt: 2 })
    const steer = appendSteer(live, { id: 'st-9', kind: 'stop', author: 'user-1' })
    expect(
      summaryOf(() => {
        getSessionRoots(live).runs.get('run-9')?.set('state', 'interrupted')
        setMessageStatus(findMessage(live, 'm-old') as Y.Map<unknown>, 'interrupted')
        markSteerHandled(steer, 'agent-1', 3)
      }),
    ).toEqual({ runs: ['run-9'], messages: ['m-old'], steering: ['st-9'] })
  })
})
