/**
 * splitUpdate: cuts a Yjs update (format v1) into updates of at most `maxBytes` each that, applied in the given
 * order, give exactly what the whole update gives. A client that was offline sends its whole backlog in one sync
 * step 2; over the server's `maxUpdateBytes` (PROTOCOL.md §10.1) that would be refused, so the socket sends the pieces
 * instead (docs/offline.md § Large backlogs).
 *
 * Structs keep their per-client clock order, and a struct goes out only after the structs it refers to (its left
 * and right origin and its parent), so every piece integrates at once on a replica that holds the pieces before it,
 * as the server's inspection requires. The delete set goes in a last piece of its own. A single struct larger than
 * `maxBytes` (the SDK never writes one: text is split into parts of MAX_TEXT_PART_CHARS) stays whole in its piece.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/** Bytes of a piece besides its structs: the client count, the empty delete set and slack. */
const PIECE_OVERHEAD_BYTES = 16
/** Bytes of one client's header in a piece: struct count, client id and first clock, as varUints. */
const CLIENT_HEADER_BYTES = 20

type Struct = Y.Item | Y.GC | Y.Skip

/**
 * The pieces of `update`, each at most `maxBytes` long (but for a single struct larger than that); `[update]` when it
 * already fits. @throws Error when `update` is not a valid v1 update
 */
export function splitUpdate(update: Uint8Array, maxBytes: number): Uint8Array[] {
  if (update.byteLength <= maxBytes) return [update]
  const { structs } = Y.decodeUpdate(update)
  const pieces: Uint8Array[] = []
  let piece: Struct[] = []
  let pieceBytes = PIECE_OVERHEAD_BYTES
  let pieceClients = new Set<number>()
  for (const struct of dependencyOrder(structs)) {
    let bytes = structBytes(struct) + (pieceClients.has(struct.id.client) ? 0 : CLIENT_HEADER_BYTES)
    if (piece.length > 0 && pieceBytes + bytes > maxBytes) {
      pieces.push(encodeStructs(piece))
      piece = []
      pieceBytes = PIECE_OVERHEAD_BYTES
      pieceClients = new Set()
      bytes = structBytes(struct) + CLIENT_HEADER_BYTES
    }
    piece.push(struct)
    pieceClients.add(struct.id.client)
    pieceBytes += bytes
  }
  if (piece.length > 0) pieces.push(encodeStructs(piece))
  const deletions = Y.diffUpdate(update, Y.encodeStateVectorFromUpdate(update))
  if (Y.decodeUpdate(deletions).ds.clients.size > 0) pieces.push(deletions)
  return pieces
}

/** Encoded length of each struct, measured once. */
const measured = new WeakMap<Struct, number>()

/** Encoded length of one struct. */
function structBytes(struct: Struct): number {
  let bytes = measured.get(struct)
  if (bytes === undefined) {
    const encoder = new Y.UpdateEncoderV1()
    struct.write(encoder, 0)
    bytes = encoder.toUint8Array().byteLength
    measured.set(struct, bytes)
  }
  return bytes
}

/**
 * The structs in an order where each comes after what it refers to: per client by clock, taking the next struct of a
 * client only once its origins and parent are either before the update (the receiver has them) or already taken.
 * When no client can go on (references in a cycle, which Yjs never writes), the first waiting struct goes anyway.
 */
function dependencyOrder(structs: readonly Struct[]): Struct[] {
  const queues = new Map<number, Struct[]>()
  for (const struct of structs) {
    const queue = queues.get(struct.id.client) ?? []
    queue.push(struct)
    queues.set(struct.id.client, queue)
  }
  const firstClock = new Map<number, number>()
  for (const [client, queue] of queues) {
    queue.sort((a, b) => a.id.clock - b.id.clock)
    firstClock.set(client, queue[0]?.id.clock ?? 0)
  }
  /** Per client: clock up to which structs are taken (or were there before the update). */
  const taken = new Map(firstClock)
  const present = (id: Y.ID | null | undefined): boolean => {
    if (id === null || id === undefined) return true
    const start = firstClock.get(id.client)
    return start === undefined || id.clock < (taken.get(id.client) ?? start)
  }
  const ready = (struct: Struct): boolean => {
    if (!(struct instanceof Y.Item)) return true
    const parent = struct.parent
    return present(struct.origin) && present(struct.rightOrigin) && (!(parent instanceof Y.ID) || present(parent))
  }
  const ordered: Struct[] = []
  const take = (struct: Struct): void => {
    ordered.push(struct)
    taken.set(struct.id.client, struct.id.clock + struct.length)
  }
  let left = structs.length
  while (left > 0) {
    let progressed = false
    for (const queue of queues.values()) {
      while (queue.length > 0 && ready(queue[0] as Struct)) {
        take(queue.shift() as Struct)
        left--
        progressed = true
      }
    }
    if (progressed) continue
    const stuck = [...queues.values()].find((queue) => queue.length > 0)?.shift()
    if (stuck === undefined) break
    take(stuck)
    left--
  }
  return ordered
}

/** A v1 update of `structs` (per client contiguous, in clock order) with an empty delete set. */
function encodeStructs(structs: readonly Struct[]): Uint8Array {
  const byClient = new Map<number, Struct[]>()
  for (const struct of structs) {
    const list = byClient.get(struct.id.client) ?? []
    list.push(struct)
    byClient.set(struct.id.client, list)
  }
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, byClient.size)
  for (const [client, list] of byClient) {
    encoding.writeVarUint(encoder.restEncoder, list.length)
    encoder.writeClient(client)
    encoding.writeVarUint(encoder.restEncoder, list[0]?.id.clock ?? 0)
    for (const struct of list) struct.write(encoder, 0)
  }
  encoding.writeVarUint(encoder.restEncoder, 0)
  return encoder.toUint8Array()
}
