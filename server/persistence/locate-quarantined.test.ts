/**
 * locateQuarantined names the stored row that wrote each quarantined entry: the row that created a bad entry or
 * value, the later row that overwrote a good value with a bad one, the row whose deletion removed a required field,
 * and for content folded into a snapshot the snapshot's seq range.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { findQuarantined } from '../../shared/session/find-quarantined.ts'
import {
  appendMessage,
  appendText,
  findMessage,
  getSessionRoots,
  initializeSession,
} from '../../shared/session/session-doc.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { compactSession } from './compact-session.ts'
import { applyStoredSession } from './load-session-doc.ts'
import { locateQuarantined } from './locate-quarantined.ts'
import { createMemoryUpdateLog } from './memory-update-log.ts'
import type { UpdateLog } from './update-log.ts'

/** Appends the update `change` makes to the stored session; resolves its seq. */
async function write(log: UpdateLog, change: (doc: Y.Doc) => void): Promise<number> {
  const { doc } = applyStoredSession('s', await log.load('s'))
  const [seq] = await log.append('s', [changeReplica(doc, change).update])
  doc.destroy()
  return seq ?? 0
}

async function locate(
  log: UpdateLog,
): Promise<
  Array<{ root: string; index?: number; key?: string; path: readonly unknown[]; fromSeq: number; toSeq: number }>
> {
  const stored = await log.load('s')
  const { doc } = applyStoredSession('s', stored)
  return locateQuarantined(stored, doc, findQuarantined(doc)).map(({ root, index, key, path, fromSeq, toSeq }) => ({
    root,
    ...(index === undefined ? {} : { index }),
    ...(key === undefined ? {} : { key }),
    path,
    fromSeq,
    toSeq,
  }))
}

const messagesOf = (doc: Y.Doc): Y.Array<unknown> => getSessionRoots(doc).messages as Y.Array<unknown>

describe('locateQuarantined', () => {
  it('names the row that created, overwrote or deleted what does not fit, and the snapshot range once compacted', async () => {
    const log = createMemoryUpdateLog()
    await log.createSession({ id: 's', title: '', createdAt: 1 })
    await write(log, (doc) => {
      initializeSession(doc, { title: 'T', createdAt: 1 })
    })
    await write(log, (doc) => {
      appendMessage(doc, { id: 'keep', role: 'user', author: 'alice', status: 'done', text: 'hi' })
      appendMessage(doc, { id: 'status', role: 'user', author: 'alice', status: 'done', text: 'hi' })
      appendMessage(doc, { id: 'noauthor', role: 'user', author: 'alice', status: 'done' })
      appendMessage(doc, { id: 'parts', role: 'assistant', author: 'bot', status: 'streaming', text: 'ok' })
    })
    const strings = await write(log, (doc) => {
      messagesOf(doc).push(['one', 'two'])
    })
    const overwrite = await write(log, (doc) => {
      findMessage(doc, 'status')?.set('status', 'archived')
    })
    const deletion = await write(log, (doc) => {
      findMessage(doc, 'noauthor')?.delete('author')
    })
    const badPart = await write(log, (doc) => {
      const parts = findMessage(doc, 'parts')?.get('parts') as Y.Array<unknown>
      parts.push(['not a part'])
    })
    const run = await write(log, (doc) => {
      ;(getSessionRoots(doc).runs as Y.Map<unknown>).set('run_bad', new Y.Map())
    })
    await write(log, (doc) => {
      appendText(findMessage(doc, 'keep') as Y.Map<unknown>, ' there')
    })
    const exact = (seq: number) => ({ fromSeq: seq, toSeq: seq })
    expect(await locate(log)).toEqual([
      { root: 'messages', index: 1, path: ['status'], ...exact(overwrite) },
      { root: 'messages', index: 2, path: ['author'], ...exact(deletion) },
      { root: 'messages', index: 3, path: ['parts', 1], ...exact(badPart) },
      { root: 'messages', index: 4, path: [], ...exact(strings) },
      { root: 'messages', index: 5, path: [], ...exact(strings) },
      { root: 'runs', key: 'run_bad', path: ['agent'], ...exact(run) },
    ])

    const compaction = await compactSession(log, 's')
    const later = await write(log, (doc) => {
      messagesOf(doc).push([42])
    })
    const folded = { fromSeq: 1, toSeq: compaction?.uptoSeq }
    expect(await locate(log)).toEqual([
      { root: 'messages', index: 1, path: ['status'], ...folded },
      { root: 'messages', index: 2, path: ['author'], ...folded },
      { root: 'messages', index: 3, path: ['parts', 1], ...folded },
      { root: 'messages', index: 4, path: [], ...folded },
      { root: 'messages', index: 5, path: [], ...folded },
      { root: 'messages', index: 6, path: [], ...exact(later) },
      { root: 'runs', key: 'run_bad', path: ['agent'], ...folded },
    ])
  })

  it('blames the entry itself when a required field was never written', async () => {
    const log = createMemoryUpdateLog()
    await log.createSession({ id: 's', title: '', createdAt: 1 })
    const created = await write(log, (doc) => {
      const steer = new Y.Map<unknown>()
      steer.set('kind', 'note')
      ;(getSessionRoots(doc).steering as Y.Array<unknown>).push([steer])
    })
    expect(await locate(log)).toEqual([{ root: 'steering', index: 0, path: ['id'], fromSeq: created, toSeq: created }])
  })
})
