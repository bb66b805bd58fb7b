/**
 * What answering a sync step 1 will cost, in bytes, before Hocuspocus answers it (PROTOCOL.md §10.4): the sync step 2
 * (the structs the state vector lacks plus the whole delete set) and the server's own step 1 (its state vector).
 *
 * The estimate is cheap at any session size. A state vector that lacks little — a probe, a reconnect after a short
 * gap — is measured exactly by writing just the structs it lacks (at most `maxMeasuredBytes` of them). Anything larger
 * — an empty state vector, a long-offline or forged one — is charged the size of the whole state: measured by one
 * encode, then topped up with the bytes of every update applied since and measured again only after it has grown by
 * an eighth. So a full answer is never under-charged (merging updates only shrinks the state), is over-charged by at
 * most an eighth, and a thousand identical requests cost one encode, not a thousand.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { MAX_SESSION_ID_CHARS } from '../../shared/session/session-id.ts'
import { writeLackedStructs } from './sync-answer-encoder.ts'

/** Options of {@link createSyncAnswerSizer}. */
export interface SyncAnswerSizerOptions {
  /** Largest partial answer measured exactly, in bytes; larger ones are charged as the whole state (default 16 KiB). */
  readonly maxMeasuredBytes?: number
  /** The document's encoded delete set, valid until its next update (default: encoded on each update's first use). */
  readonly deleteSetOf?: (doc: Y.Doc) => Uint8Array
}

/** Estimates the bytes of the answer to a sync step 1 carrying `stateVector` (as encoded on the wire). */
export type SyncAnswerSizer = (doc: Y.Doc, stateVector: Uint8Array) => number

/** Default bound of an exact measurement: a probe or short resync, far below a session's state. */
const DEFAULT_MAX_MEASURED_ANSWER_BYTES = 16 * 1024

/** Bytes of frame header and length prefixes around the two answers, each header naming a session id. */
const FRAME_OVERHEAD_BYTES = 2 * (MAX_SESSION_ID_CHARS + 8)

/** What one document's sizes were when last measured; reset when it changes. */
interface DocumentSizes {
  /** Bytes of every update applied to the document since it was first sized. */
  applied: number
  /** The whole state's encoded size, and `applied` when it was measured. */
  whole?: { readonly bytes: number; readonly applied: number }
  /** Sizes of the state vector and of the delete set, valid while `applied` is unchanged. */
  current?: { readonly applied: number; readonly stateVector: number; readonly deleteSet: number }
}

/** Creates a sizer; it keeps a few numbers per document, dropped with the document. */
export function createSyncAnswerSizer(options: SyncAnswerSizerOptions = {}): SyncAnswerSizer {
  const maxMeasuredBytes = options.maxMeasuredBytes ?? DEFAULT_MAX_MEASURED_ANSWER_BYTES
  // A diff against the document's own state vector holds no structs: one byte for "no clients", then the delete set.
  const { deleteSetOf } = options
  const deleteSetBytes =
    deleteSetOf === undefined
      ? (doc: Y.Doc): number => Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc)).byteLength - 1
      : (doc: Y.Doc): number => deleteSetOf(doc).byteLength
  const sizes = new WeakMap<Y.Doc, DocumentSizes>()
  /** One listener for every document: a closure per document would cost memory as long as it stays loaded. */
  const countApplied = (update: Uint8Array, _origin: unknown, doc: Y.Doc): void => {
    const found = sizes.get(doc)
    if (found !== undefined) found.applied += update.byteLength
  }

  const sizesOf = (doc: Y.Doc): DocumentSizes => {
    let found = sizes.get(doc)
    if (found === undefined) {
      found = { applied: 0 }
      doc.on('update', countApplied)
      sizes.set(doc, found)
    }
    return found
  }

  const currentSizes = (doc: Y.Doc, state: DocumentSizes): NonNullable<DocumentSizes['current']> => {
    if (state.current?.applied !== state.applied) {
      state.current = {
        applied: state.applied,
        stateVector: Y.encodeStateVector(doc).byteLength,
        deleteSet: deleteSetBytes(doc),
      }
    }
    return state.current
  }

  const wholeState = (doc: Y.Doc, state: DocumentSizes): number => {
    const { whole } = state
    const grown = whole === undefined ? 0 : state.applied - whole.applied
    if (whole !== undefined && grown <= whole.bytes / 8) return whole.bytes + grown
    const bytes = Y.encodeStateAsUpdate(doc).byteLength
    state.whole = { bytes, applied: state.applied }
    return bytes
  }

  return (doc, stateVector) => {
    const state = sizesOf(doc)
    const current = currentSizes(doc, state)
    const answer = FRAME_OVERHEAD_BYTES + current.stateVector
    const lacking = lackedStructsBytes(doc, Y.decodeStateVector(stateVector), maxMeasuredBytes)
    return answer + (lacking === undefined ? wholeState(doc, state) : lacking + current.deleteSet)
  }
}

/**
 * The encoded size of the structs `doc` holds beyond `target`, written the way Yjs writes a diff (writeLackedStructs).
 * @returns undefined when the target lacks every struct, or when the structs it lacks pass `limit` bytes
 */
function lackedStructsBytes(doc: Y.Doc, target: Map<number, number>, limit: number): number | undefined {
  const { clients: structsByClient } = doc.store
  if (structsByClient.size > 0 && ![...target].some(([client, clock]) => clock > 0 && structsByClient.has(client)))
    return undefined
  const encoder = new Y.UpdateEncoderV1()
  if (!writeLackedStructs(encoder, doc, target, limit)) return undefined
  return encoding.length(encoder.restEncoder)
}
