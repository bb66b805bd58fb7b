/**
 * createRefusedWrites: the messages and steers of this principal that the server refused (PROTOCOL.md §8.3), kept
 * so a person can see why, then retry or discard each one. A refused update cannot be taken back in Yjs, so the
 * client drops it by syncing a fresh replica (open-replica.ts); this list remembers the principal's entries of the
 * dropped replica (`capture`) and, once the fresh one holds the server's state, keeps those the server does not have
 * (`settle`) with the refusal's error. Entries written after the refused one are dropped with it and listed too.
 */
import type * as Y from 'yjs'
import type { WriteLimits } from '../../shared/limits/session-limits.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import {
  appendMessage,
  appendSteer,
  readMessages,
  readSteering,
  type NewMessage,
  type NewSteer,
} from '../../shared/session/session-doc.ts'
import { applyPolicySpans, areValidPolicySpans, type PolicySpan } from '../../shared/policy/message-policy.ts'
import { checkUpdateSize } from './check-update-size.ts'
import { checkUserText } from './check-user-text.ts'

/** One write the server refused: a user message or a steer, as it was written, and why it was refused. */
export type RefusedWrite =
  | { readonly kind: 'message'; readonly id: string; readonly entry: NewMessage; readonly error: SessionError }
  | { readonly kind: 'steer'; readonly id: string; readonly entry: NewSteer; readonly error: SessionError }

/** The refused writes of one client. */
export interface RefusedWrites {
  /** Before a replica holding a refused update is dropped: remembers this principal's messages and steers in `doc`. */
  capture(doc: Y.Doc, error: SessionError): void
  /** Once the fresh replica `doc` holds the server's state: lists the captured entries it lacks; true when any. */
  settle(doc: Y.Doc): boolean
  /** The refused writes, oldest first. */
  list(): RefusedWrite[]
  /**
   * Writes refused entry `id` again through `write`, checked against `limits` first, and takes it off the list.
   * @throws SessionError BAD_REQUEST when `id` is not listed; TEXT_TOO_LONG, UPDATE_TOO_LARGE over `limits` (it stays listed)
   */
  retry(id: string, write: (change: (doc: Y.Doc) => void) => void, limits: WriteLimits): void
  /** Takes refused entry `id` off the list; false when it was not listed. */
  discard(id: string): boolean
  /** Lists `writes` (kept from an earlier page or process) before the others, skipping ids already listed; true when any was added. */
  restore(writes: readonly RefusedWrite[]): boolean
  /**
   * Replaces `spans` of refused message or steer `id`'s text, as a policy redaction asks (PROTOCOL.md §8.8); false
   * when no such entry is listed or the spans do not fit its text (it stays as it was).
   */
  redact(id: string, spans: readonly PolicySpan[]): boolean
}

/** Where a client keeps its refused writes across reloads (the browser client: IndexedDB, next to the offline copy). */
export interface RefusedWriteStore {
  /** The writes kept last, oldest first; none when nothing was kept. */
  load(): Promise<readonly RefusedWrite[]>
  /** Keeps `writes` in place of those kept before: called on every change of the list. */
  save(writes: readonly RefusedWrite[]): void
}

/** Creates the list for a client writing as `principalId`. */
export function createRefusedWrites(principalId: string): RefusedWrites {
  const refused: RefusedWrite[] = []
  let captured: { readonly writes: RefusedWrite[] } | undefined

  const ownWrites = (doc: Y.Doc, error: SessionError): RefusedWrite[] => [
    ...readMessages(doc)
      .filter((message) => message.role === 'user' && message.author === principalId)
      .map((message): RefusedWrite => {
        const entry: NewMessage = {
          id: message.id,
          role: 'user',
          author: principalId,
          status: 'done',
          text: message.text,
          createdAt: message.createdAt,
          ...(message.device === undefined ? {} : { device: message.device }),
        }
        return { kind: 'message', id: message.id, entry, error }
      }),
    ...readSteering(doc)
      .filter((steer) => steer.author === principalId && steer.handledBy === undefined)
      .map((steer): RefusedWrite => {
        const { handledAt: _handledAt, handledBy: _handledBy, ...entry } = steer
        return { kind: 'steer', id: steer.id, entry, error }
      }),
  ]

  const find = (id: string): RefusedWrite => {
    const write = refused.find((entry) => entry.id === id)
    if (write === undefined) throw new SessionError('BAD_REQUEST', `${id} is not a refused write`, { details: { id } })
    return write
  }
  const remove = (id: string): boolean => {
    const index = refused.findIndex((entry) => entry.id === id)
    if (index >= 0) refused.splice(index, 1)
    return index >= 0
  }

  return {
    capture(doc, error) {
      captured = { writes: ownWrites(doc, error) }
    },
    settle(doc) {
      if (captured === undefined) return false
      const kept = new Set([...readMessages(doc).map((message) => message.id), ...readSteering(doc).map((s) => s.id)])
      const listed = new Set(refused.map((entry) => entry.id))
      const lost = captured.writes.filter((write) => !kept.has(write.id) && !listed.has(write.id))
      captured = undefined
      refused.push(...lost)
      return lost.length > 0
    },
    list: () => [...refused],
    retry(id, write, limits) {
      const refusedWrite = find(id)
      const { text } = refusedWrite.entry
      if (text !== undefined) checkUserText(text, limits)
      const change =
        refusedWrite.kind === 'message'
          ? (doc: Y.Doc) => {
              appendMessage(doc, refusedWrite.entry)
            }
          : (doc: Y.Doc) => {
              appendSteer(doc, refusedWrite.entry)
            }
      checkUpdateSize(change, limits.maxUpdateBytes, refusedWrite.kind)
      write(change)
      remove(id)
    },
    discard: remove,
    restore(writes) {
      const listed = new Set(refused.map((entry) => entry.id))
      const added = writes.filter((write) => !listed.has(write.id))
      refused.unshift(...added)
      return added.length > 0
    },
    redact(id, spans) {
      const index = refused.findIndex((entry) => entry.id === id)
      const write = refused[index]
      const text = write?.entry.text ?? ''
      if (write === undefined || !areValidPolicySpans(spans, text.length)) return false
      refused[index] = withEntryText(write, applyPolicySpans(text, spans))
      return true
    },
  }
}

/** `write` with its entry's text replaced. */
function withEntryText<W extends { readonly entry: { readonly text?: string } }>(write: W, text: string): W {
  return { ...write, entry: { ...write.entry, text } }
}
