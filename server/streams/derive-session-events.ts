/**
 * Derives session events (shared/protocol/session-events.ts) from a session document by comparing it with a
 * projection of what the event stream already holds. The projection is committed together with the events, so
 * after a crash the next derivation emits exactly what is missing: the stream never repeats or skips content.
 * A message is followed until its status is final; changes to it after that are not streamed.
 */
import type * as Y from 'yjs'
import type { FinalMessageStatus, SessionEvent, SessionEventMember } from '../../shared/protocol/session-events.ts'
import { getSessionRoots, readMessage, readSteer } from '../../shared/session/session-doc.ts'

/** What the event stream holds about one message. */
export interface ProjectedMessage {
  readonly id: string
  /** `streaming` until a final status was announced. */
  readonly status: string
  /** Characters announced per part; -1 for a non-text part already announced. */
  readonly parts: readonly number[]
}

/** What the event stream holds about a session. */
export interface SessionProjection {
  readonly messages: readonly ProjectedMessage[]
  readonly steering: number
  /** JSON of the last announced member list. */
  readonly presence: string
}

/** The projection of an empty event stream. */
export const EMPTY_PROJECTION: SessionProjection = { messages: [], steering: 0, presence: '[]' }

/** The events that bring a stream with `projection` up to `doc`, and the projection after them. */
export function deriveSessionEvents (doc: Y.Doc, projection: SessionProjection): { events: SessionEvent[], projection: SessionProjection } {
  const events: SessionEvent[] = []
  const roots = getSessionRoots(doc)
  const messages = [...projection.messages]
  for (let index = 0; index < roots.messages.length; index++) {
    const known = messages[index]
    if (known !== undefined && known.status !== 'streaming') continue
    const view = readMessage(roots.messages.get(index))
    if (known === undefined) {
      events.push({
        type: 'message.created', messageId: view.id, role: view.role, author: view.author, createdAt: view.createdAt,
        ...(view.replyTo === undefined ? {} : { replyTo: view.replyTo }), ...(view.runId === undefined ? {} : { runId: view.runId }),
      })
    }
    const parts = [...(known?.parts ?? [])]
    view.parts.forEach((part, partIndex) => {
      const announced = parts[partIndex]
      if (part.type === 'text' || part.type === 'reasoning') {
        const from = announced ?? 0
        if (part.text.length > from) events.push({ type: 'message.delta', messageId: view.id, part: partIndex, partType: part.type, text: part.text.slice(from) })
        parts[partIndex] = Math.max(from, part.text.length)
      } else if (announced === undefined) {
        events.push({ type: 'message.part', messageId: view.id, part: partIndex, content: part })
        parts[partIndex] = -1
      }
    })
    if (view.status !== 'streaming') events.push({ type: `message.${view.status as FinalMessageStatus}`, messageId: view.id })
    messages[index] = { id: view.id, status: view.status, parts }
  }
  for (let index = projection.steering; index < roots.steering.length; index++) {
    const steer = readSteer(roots.steering.get(index))
    events.push({
      type: 'steer', steerId: steer.id, kind: steer.kind, author: steer.author, createdAt: steer.createdAt,
      ...(steer.target === undefined ? {} : { target: steer.target }), ...(steer.text === undefined ? {} : { text: steer.text }),
    })
  }
  return { events, projection: { ...projection, messages, steering: roots.steering.length } }
}

/** A `presence` event when `members` differ from the last announced list. */
export function derivePresenceEvent (members: readonly SessionEventMember[], projection: SessionProjection): { events: SessionEvent[], projection: SessionProjection } {
  const sorted = [...members].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  const key = JSON.stringify(sorted)
  if (key === projection.presence) return { events: [], projection }
  return { events: [{ type: 'presence', members: sorted }], projection: { ...projection, presence: key } }
}
