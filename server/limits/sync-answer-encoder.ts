/**
 * Encodes the sync step 2 that answers a sync step 1 (PROTOCOL.md §2.3, §10.4): the structs a state vector lacks,
 * then the document's whole delete set — byte for byte what `Y.encodeStateAsUpdate(doc, stateVector)` returns.
 *
 * Yjs rebuilds the delete set from every struct of the document for each answer, so a probe costs the size of the
 * session. Here the encoded delete set is kept per document and dropped on its next update: between two updates,
 * any number of answers cost only the structs they carry. The last answer is kept as well, so a run of identical
 * requests (clients loading the session with an empty state vector, a replayed step 1) costs one encode. A document
 * holding pending structs or deletions (updates whose dependencies are missing) is answered by Yjs itself, which
 * merges them into the answer.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/** Encodes answers; `deleteSet` is the kept delete set of a document, as a diff writes it. */
export interface SyncAnswerEncoder {
  /** The update answering a sync step 1 that carries `stateVector` (as encoded on the wire). */
  answer(doc: Y.Doc, stateVector: Uint8Array): Uint8Array
  /** The document's encoded delete set (V1), valid until its next update. */
  deleteSet(doc: Y.Doc): Uint8Array
}

/** What is kept of one document until its next update. */
interface DocumentAnswers {
  /** Its encoded delete set, once an answer needed it. */
  deleteSet: Uint8Array | undefined
  /** The last answer, and the state vector it answered (base64). */
  last: { readonly stateVector: string; readonly answer: Uint8Array } | undefined
}

/**
 * Creates an encoder; per document it keeps the encoded delete set and the last answer until the document's next
 * update, and drops them with the document.
 */
export function createSyncAnswerEncoder(): SyncAnswerEncoder {
  const cached = new WeakMap<Y.Doc, DocumentAnswers>()
  /** One listener for every document: a closure per document would cost memory as long as it stays loaded. */
  const forget = (_update: Uint8Array, _origin: unknown, doc: Y.Doc): void => {
    const entry = cached.get(doc)
    if (entry === undefined) return
    entry.deleteSet = undefined
    entry.last = undefined
  }
  const answersOf = (doc: Y.Doc): DocumentAnswers => {
    let entry = cached.get(doc)
    if (entry === undefined) {
      entry = { deleteSet: undefined, last: undefined }
      doc.on('update', forget)
      cached.set(doc, entry)
    }
    return entry
  }
  const deleteSet = (doc: Y.Doc): Uint8Array => {
    const entry = answersOf(doc)
    entry.deleteSet ??= encodeDeleteSet(doc)
    return entry.deleteSet
  }

  return {
    answer(doc, stateVector) {
      const { store } = doc
      if (store.pendingStructs !== null || store.pendingDs !== null) return Y.encodeStateAsUpdate(doc, stateVector)
      const entry = answersOf(doc)
      const key = Buffer.from(stateVector.buffer, stateVector.byteOffset, stateVector.byteLength).toString('base64')
      if (entry.last?.stateVector === key) return entry.last.answer
      const encoder = new Y.UpdateEncoderV1()
      writeLackedStructs(encoder, doc, Y.decodeStateVector(stateVector))
      encoding.writeUint8Array(encoder.restEncoder, deleteSet(doc))
      const answer = encoder.toUint8Array()
      entry.last = { stateVector: key, answer }
      return answer
    },
    deleteSet,
  }
}

/**
 * The delete set of `doc`'s structs as Yjs writes it into an update (V1): the number of clientIDs, then per clientID,
 * the highest first, the clientID, the number of deleted ranges and each range's clock and length.
 */
function encodeDeleteSet(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder()
  const clients = [...Y.createDeleteSetFromStructStore(doc.store).clients].sort((a, b) => b[0] - a[0])
  encoding.writeVarUint(encoder, clients.length)
  for (const [client, ranges] of clients) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, ranges.length)
    for (const { clock, len } of ranges) {
      encoding.writeVarUint(encoder, clock)
      encoding.writeVarUint(encoder, len)
    }
  }
  return encoding.toUint8Array(encoder)
}

/**
 * Writes the structs `doc` holds beyond `target` as Yjs writes a diff: the number of clients, then per clientID, the
 * highest first, the number of structs, the clientID, the first clock, and the structs, the first cut at that clock.
 * @returns false, with the writing abandoned, once more than `limit` bytes are written
 */
export function writeLackedStructs(
  encoder: Y.UpdateEncoderV1,
  doc: Y.Doc,
  target: Map<number, number>,
  limit = Number.POSITIVE_INFINITY,
): boolean {
  const lacking: Array<[client: number, clock: number]> = []
  for (const [client, structs] of doc.store.clients) {
    const clock = target.get(client) ?? 0
    const last = structs[structs.length - 1] as Y.Item | Y.GC
    if (clock < last.id.clock + last.length) lacking.push([client, clock])
  }
  lacking.sort((a, b) => b[0] - a[0])
  encoding.writeVarUint(encoder.restEncoder, lacking.length)
  for (const [client, clock] of lacking) {
    const structs = doc.store.clients.get(client) as Array<Y.Item | Y.GC>
    const first = Y.findIndexSS(structs, clock)
    encoding.writeVarUint(encoder.restEncoder, structs.length - first)
    encoder.writeClient(client)
    encoding.writeVarUint(encoder.restEncoder, clock)
    for (let index = first; index < structs.length; index++) {
      const struct = structs[index] as Y.Item | Y.GC
      struct.write(encoder, index === first ? clock - struct.id.clock : 0)
      if (limit !== Number.POSITIVE_INFINITY && encoding.length(encoder.restEncoder) > limit) return false
    }
  }
  return true
}
