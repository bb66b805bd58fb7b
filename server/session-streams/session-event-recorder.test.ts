/**
 * The session event recorder gathers a loaded session's document changes for SESSION_EVENT_RECORD_INTERVAL_MS and
 * records them in one commit; an explicit flush records at once and takes the pending timer's place. Fake timers
 * stand in for the interval; the stream service and its memory store are the real ones.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { afterLoadDocumentPayload } from '@hocuspocus/server'
import { SESSION_EVENT_RECORD_INTERVAL_MS, type SessionEvent } from '../../shared/protocol/session-events.ts'
import { SESSION_STREAM_NAMESPACE } from '../../shared/protocol/session-stream-path.ts'
import { appendMessage, appendText, findMessage } from '../../shared/session/session-doc.ts'
import { createMemoryStreamStore } from '../durable-streams/memory-stream-store.ts'
import { createStreamService, type StreamService } from '../durable-streams/stream-service.ts'
import { createSessionEventRecorder, type SessionEventRecorder } from './session-event-recorder.ts'

const SESSION = 'recorded'

async function readEvents(service: StreamService): Promise<SessionEvent[]> {
  const { messages } = await service.read(`${SESSION_STREAM_NAMESPACE}${SESSION}`, {
    kind: 'position',
    position: { messages: 0, bytes: 0 },
  })
  return messages.map((message) => JSON.parse(new TextDecoder().decode(message.data)) as SessionEvent)
}

function reply(doc: Y.Doc): Y.Map<unknown> {
  const message = findMessage(doc, 'r1')
  if (message === undefined) throw new Error('no reply r1')
  return message
}

describe('createSessionEventRecorder batching (PROTOCOL.md §9.6)', () => {
  let service: StreamService
  let recorder: SessionEventRecorder
  let doc: Y.Doc
  const errors: unknown[] = []

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    service = createStreamService({ store: createMemoryStreamStore(), now: () => 1 })
    recorder = createSessionEventRecorder({ service, now: () => 1, onError: (error) => errors.push(error) })
    doc = new Y.Doc()
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    const load = recorder.extension.afterLoadDocument
    await load?.({ document: doc, documentName: SESSION } as unknown as afterLoadDocumentPayload)
  })

  afterEach(async () => {
    await recorder.stop()
    vi.useRealTimers()
    expect(errors).toEqual([])
  })

  it('records the changes of one interval together, once the interval has passed', async () => {
    expect((await readEvents(service)).map((event) => event.type)).toEqual(['message.created'])
    appendText(reply(doc), 'Hel')
    await vi.advanceTimersByTimeAsync(20)
    appendText(reply(doc), 'lo')
    await vi.advanceTimersByTimeAsync(SESSION_EVENT_RECORD_INTERVAL_MS - 21)
    expect(await readEvents(service)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    await vi.waitFor(async () => expect(await readEvents(service)).toHaveLength(2))
    expect((await readEvents(service))[1]).toEqual({
      type: 'message.delta',
      messageId: 'r1',
      part: 0,
      partType: 'text',
      text: 'Hello',
    })
  })

  it('records at once on flush, and the interval that was pending then records nothing more', async () => {
    appendText(reply(doc), 'Hi')
    const meta = await recorder.flush(SESSION)
    expect(meta?.messageCount).toBe(2)
    expect(vi.getTimerCount()).toBe(0)
    appendText(reply(doc), '!')
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(SESSION_EVENT_RECORD_INTERVAL_MS)
    await vi.waitFor(async () => expect(await readEvents(service)).toHaveLength(3))
    expect(
      (await readEvents(service)).map((event) => (event.type === 'message.delta' ? event.text : event.type)),
    ).toEqual(['message.created', 'Hi', '!'])
  })
})
