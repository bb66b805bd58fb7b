/**
 * The durable log's load of a session with quarantined entries (PROTOCOL.md §1.3): the document loads whole and the
 * entries are reported with their seqs; a failing report never fails the load.
 */
import type { Document } from '@hocuspocus/server'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, getSessionRoots, initializeSession, readMessages } from '../../shared/session/session-doc.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { createMemoryUpdateLog } from '../persistence/memory-update-log.ts'
import type { LocatedQuarantine } from '../persistence/locate-quarantined.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { createDurableLog } from './durable-log.ts'

/** A stored session with one good message (seq 1) and a string where a message belongs (seq 2). */
async function storedSession(): Promise<UpdateLog> {
  const log = createMemoryUpdateLog()
  await log.createSession({ id: 's', title: '', createdAt: 1 })
  const good = changeReplica(new Y.Doc(), (doc) => {
    initializeSession(doc, { title: '', createdAt: 1 })
    appendMessage(doc, { id: 'm1', role: 'user', author: 'alice', status: 'done', text: 'hi' })
  })
  const bad = changeReplica(good.doc, (doc) => {
    ;(getSessionRoots(doc).messages as Y.Array<unknown>).push(['not a message'])
  })
  await log.append('s', [good.update, bad.update])
  return log
}

async function load(
  log: UpdateLog,
  onQuarantine: (sessionId: string, entries: readonly LocatedQuarantine[]) => void,
  errors: unknown[],
): Promise<Y.Doc> {
  const durableLog = createDurableLog({
    log,
    onQuarantine,
    onBackgroundError: (error) => {
      errors.push(error)
    },
  })
  const document = new Y.Doc()
  await durableLog.extension.onLoadDocument?.({ document: document as Document, documentName: 's' } as Parameters<
    NonNullable<typeof durableLog.extension.onLoadDocument>
  >[0])
  return document
}

describe('durable log: loading quarantined entries', () => {
  it('loads the session whole and reports each quarantined entry with the seq that wrote it', async () => {
    const reports: Array<[string, readonly LocatedQuarantine[]]> = []
    const errors: unknown[] = []
    const document = await load(
      await storedSession(),
      (sessionId, entries) => {
        reports.push([sessionId, entries])
      },
      errors,
    )
    expect(getSessionRoots(document).messages.length).toBe(2)
    expect(readMessages(document).map((message) => message.id)).toEqual(['m1'])
    expect(reports).toEqual([
      ['s', [{ root: 'messages', index: 1, path: [], reason: 'a message must be a Y.Map', fromSeq: 2, toSeq: 2 }]],
    ])
    expect(errors).toEqual([])
  })

  it('still loads when reporting fails, and hands the failure to onBackgroundError', async () => {
    const errors: unknown[] = []
    const failure = new Error('log sink down')
    const document = await load(
      await storedSession(),
      () => {
        throw failure
      },
      errors,
    )
    expect(readMessages(document).map((message) => message.id)).toEqual(['m1'])
    expect(errors).toEqual([failure])
  })
})
