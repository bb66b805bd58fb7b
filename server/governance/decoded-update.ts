/**
 * An inbound Yjs v1 update decoded once (`Y.decodeUpdate`: structs + delete set) and indexed for governance:
 * structs grouped by clientID in clock order, lookups by ID, and delete ranges. Decoding reads every struct's
 * content, so undecodable bytes fail here, before anything is stored.
 */
import * as Y from 'yjs'

/** A decoded struct: an item, a GC range, or a Skip (a hole in a merged update). */
export type DecodedStruct = Y.Item | Y.GC | Y.Skip

/** One delete range of the update's delete set. */
export interface DeleteRange {
  readonly client: number
  readonly clock: number
  readonly len: number
}

/** The decoded update. */
export interface DecodedUpdate {
  /** Structs of each clientID, in clock order. */
  readonly byClient: ReadonlyMap<number, readonly DecodedStruct[]>
  readonly deletes: readonly DeleteRange[]
}

/**
 * Each inbound update's decoding, keyed by its bytes: governance, the budgets and the durable log all read the same
 * `beforeSync` payload, which is decoded once. Nobody changes a decoded update; a failed decoding is not kept.
 */
const decodedUpdates = new WeakMap<Uint8Array, DecodedUpdate>()

/**
 * Decodes `update`, or returns its earlier decoding.
 * @throws Error when the bytes are not a well-formed v1 update, or list one clientID twice or out of order
 */
export function decodeInboundUpdate(update: Uint8Array): DecodedUpdate {
  let decoded = decodedUpdates.get(update)
  if (decoded === undefined) {
    decoded = decodeUpdateBytes(update)
    decodedUpdates.set(update, decoded)
  }
  return decoded
}

function decodeUpdateBytes(update: Uint8Array): DecodedUpdate {
  const { structs, ds } = Y.decodeUpdate(update)
  const byClient = new Map<number, DecodedStruct[]>()
  let previous: DecodedStruct | undefined
  for (const struct of structs) {
    const list = byClient.get(struct.id.client)
    if (list === undefined) {
      byClient.set(struct.id.client, [struct])
    } else if (previous?.id.client !== struct.id.client || previous.id.clock + previous.length !== struct.id.clock) {
      // Y.applyUpdate keeps only the last run of a clientID listed twice: the two readings would differ.
      throw new Error('a clientID appears in two runs, or its structs are not contiguous')
    } else {
      list.push(struct)
    }
    if (struct.length <= 0) throw new Error('a struct has no length')
    previous = struct
  }
  const deletes: DeleteRange[] = []
  ds.clients.forEach((ranges, client) => {
    for (const { clock, len } of ranges) {
      if (len <= 0) throw new Error('a delete range has no length')
      deletes.push({ client, clock, len })
    }
  })
  return { byClient, deletes }
}

/** The struct of `update` that contains `id`, or undefined. */
export function findDecodedStruct(update: DecodedUpdate, id: Y.ID): DecodedStruct | undefined {
  const list = update.byClient.get(id.client)
  if (list === undefined) return undefined
  let low = 0
  let high = list.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const struct = list[middle] as DecodedStruct
    if (id.clock < struct.id.clock) high = middle - 1
    else if (id.clock >= struct.id.clock + struct.length) low = middle + 1
    else return struct
  }
  return undefined
}

/** True when the update's own delete set covers `id`. */
export function isDeletedByUpdate(update: DecodedUpdate, id: Y.ID): boolean {
  return update.deletes.some(
    (range) => range.client === id.client && id.clock >= range.clock && id.clock < range.clock + range.len,
  )
}
