/**
 * Derives session events (shared/protocol/session-events.ts) from a session document by comparing it with a
 * projection of what the event stream already holds. The projection is committed together with the events, so
 * after a crash the next derivation emits exactly what is missing: the stream never repeats or skips content.
 * A message is followed until its status is final; changes to it after that are not streamed. Quarantined entries
 * (check-entry.ts) are skipped: a message that stops fitting the schema stops being streamed until it fits again.
 * New messages are announced in session order (order-messages.ts), each naming the message it follows.
 */
import * as Y from 'yjs'
import type { SessionEvent, SessionEventMember } from '../../shared/protocol/session-events.ts'
import { isMessageEntry, isSteerEntry } from '../../shared/session/check-entry.ts'
import { orderMessages } from '../../shared/session/order-messages.ts'
import { getSessionRoots, readMessage, readPart, readSteer } from '../../shared/session/session-doc.ts'
import { MESSAGE_STATUSES, type MessageStatus } from '../../shared/session/session-schema.ts'
import type { EntryChanges } from './track-entry-changes.ts'

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
  /** Announced messages, in the order first announced (matched to the document by id, never by position). */
  readonly messages: readonly ProjectedMessage[]
  /** Ids of the announced steering entries. */
  readonly steers: readonly string[]
  /** JSON of the last announced member list. */
  readonly presence: string
}

/** The projection of an empty event stream. */
export const EMPTY_PROJECTION: SessionProjection = { messages: [], steers: [], presence: '[]' }

/** The events that bring a stream with `projection` up to `doc`, and the projection after them. */
export function deriveSessionEvents(
  doc: Y.Doc,
  projection: SessionProjection,
): { events: SessionEvent[]; projection: SessionProjection } {
  const events: SessionEvent[] = []
  const messages = [...projection.messages]
  // By id: a concurrent insert (an offline message, two writers at once) can land before announced messages.
  const positions = new Map(messages.map((message, index) => [message.id, index]))
  // In session order, so each new message names the one it follows (PROTOCOL.md §11).
  let previous: string | null = null
  for (const { id, message } of orderMessages(streamedMessages(doc, positions))) {
    const position = positions.get(id)
    const known = position === undefined ? undefined : messages[position]
    const after = previous
    previous = id
    // Checked after the cheap skip of finished messages: a derivation costs the messages still streaming.
    if ((known !== undefined && known.status !== 'streaming') || !isMessageEntry(message)) continue
    const projected = followMessage(events, id, message, known, after)
    if (position === undefined) {
      positions.set(id, messages.length)
      messages.push(projected)
    } else {
      messages[position] = projected
    }
  }
  const announcedSteers = new Set(projection.steers)
  const steers = [...projection.steers]
  for (const entry of getSessionRoots(doc).steering.toArray() as unknown[]) {
    // Announced steers are skipped on their id alone: a derivation reads only the steers it announces.
    const id = entry instanceof Y.Map ? entry.get('id') : undefined
    if ((typeof id === 'string' && announcedSteers.has(id)) || !isSteerEntry(entry)) continue
    steers.push(announceSteer(events, entry))
  }
  return { events, projection: { ...projection, messages, steers } }
}

/**
 * The events that bring a stream with `projection` up to `doc` when only the entries in `changed` differ from the
 * document the projection was derived from (track-entry-changes.ts): the same events and projection as
 * {@link deriveSessionEvents}, reading those entries alone. Undefined when that takes the whole document: a changed
 * entry is a new message to announce (its `after` needs the session order), or more than one message, or more than
 * one steer, has events (their order does).
 */
export function deriveChangedEvents(
  doc: Y.Doc,
  projection: SessionProjection,
  changed: EntryChanges,
): { events: SessionEvent[]; projection: SessionProjection } | undefined {
  const roots = getSessionRoots(doc)
  let messages: ProjectedMessage[] | undefined
  const messageEvents: SessionEvent[] = []
  for (const message of changed.messages) {
    if (!isPresent(message, roots.messages)) continue
    const id = message.get('id')
    if (typeof id !== 'string') continue // quarantined
    const position = projection.messages.findIndex((known) => known.id === id)
    const known = projection.messages[position]
    if (known === undefined) {
      if (isMessageEntry(message)) return undefined
      continue
    }
    if (known.status !== 'streaming' || !isMessageEntry(message)) continue
    const events: SessionEvent[] = []
    const projected = followMessage(events, id, message, known, null)
    if (events.length > 0) {
      if (messageEvents.length > 0) return undefined
      messageEvents.push(...events)
    } else if (projected.status === known.status && sameParts(projected.parts, known.parts)) continue
    messages ??= [...projection.messages]
    messages[position] = projected
  }
  let steer: { id: string; events: SessionEvent[] } | undefined
  for (const entry of changed.steers) {
    if (!isPresent(entry, roots.steering)) continue
    const id = entry.get('id')
    if ((typeof id === 'string' && projection.steers.includes(id)) || !isSteerEntry(entry)) continue
    if (steer !== undefined) return undefined
    const events: SessionEvent[] = []
    steer = { id: announceSteer(events, entry), events }
  }
  if (messages === undefined && steer === undefined) return { events: [], projection }
  return {
    events: [...messageEvents, ...(steer?.events ?? [])],
    projection: {
      ...projection,
      messages: messages ?? projection.messages,
      steers: steer === undefined ? projection.steers : [...projection.steers, steer.id],
    },
  }
}

function sameParts(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((length, index) => length === b[index])
}

/** True while `entry` is in `root` (not deleted since it was changed). */
function isPresent(entry: Y.Map<unknown>, root: Y.Array<Y.Map<unknown>>): boolean {
  return entry.parent === root && entry._item?.deleted === false
}

/**
 * Pushes the events that bring a message the stream knows as `known` (undefined: not yet announced, announced now
 * after the message `after`) up to `message`, and returns its projection after them.
 */
function followMessage(
  events: SessionEvent[],
  id: string,
  message: Y.Map<unknown>,
  known: ProjectedMessage | undefined,
  after: string | null,
): ProjectedMessage {
  const view = known === undefined ? readMessage(message) : undefined
  if (view !== undefined) {
    events.push({
      type: 'message.created',
      messageId: id,
      after,
      role: view.role,
      author: view.author,
      createdAt: view.createdAt,
      ...(view.replyTo === undefined ? {} : { replyTo: view.replyTo }),
      ...(view.runId === undefined ? {} : { runId: view.runId }),
    })
  }
  // Only growth is read: a streaming reply costs its newest text per derivation, not its whole text.
  const parts = [...(known?.parts ?? [])]
  const stored = message.get('parts') as Y.Array<Y.Map<unknown>> | undefined
  stored?.forEach((part, partIndex) => {
    const announced = parts[partIndex]
    const type = part.get('type')
    const text = part.get('text')
    if (type === 'text' || type === 'reasoning' || text instanceof Y.Text) {
      const from = announced ?? 0
      const length = text instanceof Y.Text ? text.length : 0
      if (length > from && text instanceof Y.Text) {
        events.push({
          type: 'message.delta',
          messageId: id,
          part: partIndex,
          partType: type === 'reasoning' ? 'reasoning' : 'text',
          text: text.toString().slice(from),
        })
      }
      parts[partIndex] = Math.max(from, length)
    } else if (announced === undefined) {
      events.push({ type: 'message.part', messageId: id, part: partIndex, content: readPart(part) })
      parts[partIndex] = -1
    }
  })
  const status = view?.status ?? readMessageStatus(message)
  if (status !== 'streaming') events.push({ type: `message.${status}`, messageId: id })
  return { id, status, parts }
}

/** Pushes the `steer` event announcing `entry` (a well-formed steering entry); returns its id. */
function announceSteer(events: SessionEvent[], entry: Y.Map<unknown>): string {
  const steer = readSteer(entry)
  events.push({
    type: 'steer',
    steerId: steer.id,
    kind: steer.kind,
    author: steer.author,
    createdAt: steer.createdAt,
    ...(steer.target === undefined ? {} : { target: steer.target }),
    ...(steer.text === undefined ? {} : { text: steer.text }),
  })
  return steer.id
}

/** A `presence` event when `members` differ from the last announced list. */
export function derivePresenceEvent(
  members: readonly SessionEventMember[],
  projection: SessionProjection,
): { events: SessionEvent[]; projection: SessionProjection } {
  // Each member's JSON is computed once, not once per comparison: with K devices a sort makes O(K log K) comparisons.
  const sorted = members
    .map((member) => ({ member, json: JSON.stringify(member) }))
    .sort((a, b) => a.json.localeCompare(b.json))
    .map(({ member }) => member)
  const key = JSON.stringify(sorted)
  if (key === projection.presence) return { events: [], projection }
  return { events: [{ type: 'presence', members: sorted }], projection: { ...projection, presence: key } }
}

/**
 * The messages the stream shows or will show, in document order: those it announced (the reader holds them, even
 * when they no longer fit the schema) and the new ones that fit.
 */
function streamedMessages(
  doc: Y.Doc,
  announced: ReadonlyMap<string, number>,
): Array<{ id: string; replyTo: string | undefined; message: Y.Map<unknown> }> {
  const streamed: Array<{ id: string; replyTo: string | undefined; message: Y.Map<unknown> }> = []
  for (const message of getSessionRoots(doc).messages.toArray() as unknown[]) {
    const id = message instanceof Y.Map ? message.get('id') : undefined
    if (typeof id !== 'string' || !(message instanceof Y.Map)) continue // quarantined
    if (!announced.has(id) && !isMessageEntry(message)) continue
    const replyTo = message.get('replyTo')
    streamed.push({ id, replyTo: typeof replyTo === 'string' ? replyTo : undefined, message })
  }
  return streamed
}

function readMessageStatus(message: Y.Map<unknown>): MessageStatus {
  const status = message.get('status')
  return MESSAGE_STATUSES.includes(status as MessageStatus) ? (status as MessageStatus) : 'done'
}
